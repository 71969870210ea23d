export * from './extract/index.js';
export type { KgObject, KgRelation, RelationKind, RelationRecord, Resolution, ParsedFile, Binding, ModuleBindings } from './model.js';
export { migrateKg } from './schema.js';
export { indexRepository, gitHead, type IndexOptions, type IndexProgress, type IndexPhase, type IndexSummary } from './index/indexer.js';
export { assertRepository, assertRepositoryDirectory, canonicalRoot, indexedRepository } from './index/repository.js';
export { readTreeFile, CONFIG_MAX_BYTES, type SafeReadResult, type SafeReadOptions } from './index/safe-read.js';
export { walkRepository, pathRules, type PathRules, type WalkResult, type WalkedFile, type SkippedPath, type SkipReason } from './index/walk.js';
export { applyPrecisePass, edgesOf, type PreciseSummary, type PreciseInput } from './precise/precise-pass.js';
export { PRECISE_DEFAULTS, preciseOptions, type PreciseOptions } from './precise/options.js';
export { createParsePool, type ParsePool, type ParsePoolOptions } from './index/parse-pool.js';
export { prefetchParse, type ParsePrefetch, type PrefetchOptions } from './index/prefetch.js';
export { parseFile, type ParseTask, type ParseOutcome } from './index/parse-worker.js';
export { objectId, externalModuleId } from './index/objects.js';
export { ModuleMap } from './resolve/module-map.js';
export { DEFAULT_THRESHOLDS, GATE_NAMES, evaluateGates, sumCoverage, type CoverageReport, type GateResult, type GateThresholds, type GateName } from './coverage/gates.js';
export type { FileCoverage } from './coverage/counters.js';
export { measureCoverage, scanParamList } from './coverage/probe.js';
export { assertIndexed, kgStats, type KgStats, type RunInfo } from './query/stats.js';
export { exportJsonl, type ExportCounts } from './query/export.js';
export {
  getObject,
  relationsOf,
  fileOutline,
  impactOf,
  RELATION_KINDS,
  MAX_DEPTH,
  type Direction,
  type RelationEdge,
  type RelationsOptions,
  type RelationsResult,
  type OutlineNode,
  type ImpactOptions,
  type ImpactEntry,
  type ImpactResult,
} from './query/graph.js';
export type { Incompleteness, CallersMayMiss } from './query/unresolved.js';
export { freshnessProbe, indexFreshness, type Freshness, type FreshnessOptions } from './query/freshness.js';
export * from './neo4j/cypher.js';
export { planProjection, projectToNeo4j, type ProjectionPlan, type ProjectionResult, type CypherRunner, type PlanOptions } from './neo4j/project.js';
export { openNeo4jRunner, type Neo4jOptions, type Neo4jRunner } from './neo4j/driver.js';
export { searchObjects, RANKER_WEIGHTS, RRF_K, type SearchHit, type SearchReason, type SearchResult, type RankerName } from './search/search.js';
export { parseQuery, OBJECT_KINDS, MAX_SEARCH_LIMIT, MAX_QUERY_LENGTH, DEFAULT_SEARCH_LIMIT, type SearchOptions } from './search/query.js';
export { computeObjectRanks, RANK_EDGE_WEIGHTS, type RankSummary } from './search/ranks.js';
export { pageRank, GraphBuilder, type WeightedGraph, type PageRankOptions } from './search/pagerank.js';
export { nameKey, splitWords, terms } from './search/tokens.js';
export { evaluateRelevance, relevanceMetrics, type ExpectedObject, type JudgedQuery, type QueryOutcome, type RelevanceMetrics, type RelevanceReport } from './search/relevance.js';
export { buildContext, DEFAULT_BUDGET_TOKENS, MIN_BUDGET_TOKENS, MAX_BUDGET_TOKENS, type ContextRequest, type ContextPack, type ContextFile, type ContextObject } from './search/context.js';
export { TOKENIZER, tokenCounter } from './search/tokenizer.js';
export { resolveTarget, MAX_CANDIDATES, type Candidate } from './query/resolve.js';
export * from './contract/index.js';
