/**
 * `@agentlane/kg`: everything, the indexer and the extractors included. What reading
 * an index needs is `./query-entry.ts` (`@agentlane/kg/query`), re-exported here whole.
 */
export * from './query-entry.js';
export * from './extract/index.js';
export type { RelationRecord, Resolution, ParsedFile, Binding, ModuleBindings } from './model.js';
export { indexRepository, gitHead, type IndexOptions, type IndexProgress, type IndexPhase, type IndexSummary } from './index/indexer.js';
export { readTreeFile, CONFIG_MAX_BYTES, type SafeReadResult, type SafeReadOptions } from './index/safe-read.js';
export { walkRepository, pathRules, type PathRules, type WalkResult, type WalkedFile, type SkippedPath, type SkipReason } from './index/walk.js';
export { applyPrecisePass, edgesOf, type PreciseSummary, type PreciseInput } from './precise/precise-pass.js';
export { PRECISE_DEFAULTS, preciseOptions, type PreciseOptions } from './precise/options.js';
export { createParsePool, type ParsePool, type ParsePoolOptions } from './index/parse-pool.js';
export { prefetchParse, type ParsePrefetch, type PrefetchOptions } from './index/prefetch.js';
export { parseFile, type ParseTask, type ParseOutcome } from './index/parse-worker.js';
export { objectId, externalModuleId } from './index/objects.js';
export { ModuleMap } from './resolve/module-map.js';
export type { FileCoverage } from './coverage/counters.js';
export { measureCoverage, scanParamList } from './coverage/probe.js';
export { freshnessProbe, indexFreshness, type Freshness, type FreshnessOptions } from './query/freshness.js';
export { RANKER_WEIGHTS, RRF_K, type RankerName } from './search/search.js';
export { computeObjectRanks, RANK_EDGE_WEIGHTS, type RankSummary } from './search/ranks.js';
export { pageRank, GraphBuilder, type WeightedGraph, type PageRankOptions } from './search/pagerank.js';
export { nameKey, splitWords, terms } from './search/tokens.js';
export { evaluateRelevance, relevanceMetrics, type ExpectedObject, type JudgedQuery, type QueryOutcome, type RelevanceMetrics, type RelevanceReport } from './search/relevance.js';
export { TOKENIZER, tokenCounter } from './search/tokenizer.js';
export { resolveTarget, MAX_CANDIDATES, type Candidate } from './query/resolve.js';
