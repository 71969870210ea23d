import type { Sql } from '@agentlane/store';
import { searchObjects } from './search.js';
import type { SearchOptions } from './query.js';

/**
 * Relevance of search against a judged query set: each query names the objects a
 * developer asking it would accept (by qualified name and file; usually one, a few
 * when several answer it equally well), and the metrics are the usual ones: hits@k
 * (share of queries with an acceptable object in the top k) and MRR@k (mean of
 * 1/rank of the first acceptable object, 0 when none is in the top k), at k = 5 and 10.
 */
export interface ExpectedObject {
  qualifiedName: string;
  path: string;
}

export interface JudgedQuery {
  q: string;
  expect: ExpectedObject | readonly ExpectedObject[];
  options?: SearchOptions;
  /** Kept aside from tuning: reported separately by the bench. */
  heldOut?: boolean;
}

export interface QueryOutcome {
  q: string;
  /** 1-based rank of the first acceptable object, or null when none is in the top `cutoff`. */
  rank: number | null;
  /** What came first instead, when an acceptable object did not. */
  top: string | null;
}

export interface RelevanceMetrics {
  queries: number;
  /** Share of queries answered in the top 5. */
  hits5: number;
  mrr5: number;
  /** Share of queries answered in the top `cutoff` (10 by default). */
  recall: number;
  mrr: number;
}

export interface RelevanceReport extends RelevanceMetrics {
  outcomes: QueryOutcome[];
}

/** The metrics of some outcomes (a query set, or part of one). */
export function relevanceMetrics(outcomes: readonly QueryOutcome[]): RelevanceMetrics {
  const n = Math.max(outcomes.length, 1);
  const mrrAt = (k: number) => outcomes.reduce((sum, o) => sum + (o.rank !== null && o.rank <= k ? 1 / o.rank : 0), 0) / n;
  const hitsAt = (k: number) => outcomes.filter((o) => o.rank !== null && o.rank <= k).length / n;
  return { queries: outcomes.length, hits5: hitsAt(5), mrr5: mrrAt(5), recall: hitsAt(Number.POSITIVE_INFINITY), mrr: mrrAt(Number.POSITIVE_INFINITY) };
}

export async function evaluateRelevance(sql: Sql, queries: readonly JudgedQuery[], cutoff = 10): Promise<RelevanceReport> {
  const outcomes: QueryOutcome[] = [];
  for (const judged of queries) {
    const accepted = Array.isArray(judged.expect) ? judged.expect : [judged.expect as ExpectedObject];
    const { hits } = await searchObjects(sql, judged.q, { ...judged.options, limit: cutoff });
    const index = hits.findIndex((h) => accepted.some((e) => h.qualifiedName === e.qualifiedName && h.filePath === e.path));
    const first = hits[0];
    outcomes.push({
      q: judged.q,
      rank: index >= 0 ? index + 1 : null,
      top: index === 0 || !first ? null : `${first.qualifiedName} (${first.filePath ?? first.kind})`,
    });
  }
  return { ...relevanceMetrics(outcomes), outcomes };
}
