/**
 * `@agentlane/kg/query`: what reading an index needs (schema check, repository
 * check, search, context packs, graph queries, stats, coverage gates, export,
 * the Neo4j projection) without the indexer and the extractors, whose imports
 * (tree-sitter grammars, worker pools) cost a shell command more than its query.
 * Everything here is exported by the main entry too.
 */
export { migrateKg } from './schema.js';
export { assertRepository, assertRepositoryDirectory, canonicalRoot, indexedRepository } from './index/repository.js';
export { assertIndexed, kgStats, type KgStats, type RunInfo } from './query/stats.js';
export { exportJsonl, type ExportCounts } from './query/export.js';
export { DEFAULT_THRESHOLDS, GATE_NAMES, evaluateGates, sumCoverage, type CoverageReport, type GateResult, type GateThresholds, type GateName } from './coverage/gates.js';
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
export * from './neo4j/cypher.js';
export { planProjection, projectToNeo4j, type ProjectionPlan, type ProjectionResult, type CypherRunner, type PlanOptions } from './neo4j/project.js';
export { openNeo4jRunner, type Neo4jOptions, type Neo4jRunner } from './neo4j/driver.js';
export { searchObjects, type SearchHit, type SearchReason, type SearchResult } from './search/search.js';
export { parseQuery, OBJECT_KINDS, MAX_SEARCH_LIMIT, MAX_QUERY_LENGTH, DEFAULT_SEARCH_LIMIT, type SearchOptions } from './search/query.js';
export { buildContext, DEFAULT_BUDGET_TOKENS, MIN_BUDGET_TOKENS, MAX_BUDGET_TOKENS, type ContextRequest, type ContextPack, type ContextFile, type ContextObject } from './search/context.js';
export type { KgObject, KgRelation, RelationKind } from './model.js';
export type { Incompleteness, CallersMayMiss } from './query/unresolved.js';
export type { ObjectKind } from './extract/types.js';
export * from './contract/index.js';
