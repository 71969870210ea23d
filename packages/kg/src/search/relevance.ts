import type { Sql } from '@agentlane/store';
import { searchObjects } from './search.js';
import type { SearchOptions } from './query.js';

/**
 * Relevance of search against a judged query set: each query names the one
 * object a developer asking it wants (by qualified name and file), and the
 * metrics are the usual ones at a cut-off of 10: MRR@10 (mean of 1/rank, 0 when
 * not in the top 10) and recall@10 (share found in the top 10).
 */
export interface JudgedQuery {
  q: string;
  expect: { qualifiedName: string; path: string };
  options?: SearchOptions;
}

export interface QueryOutcome {
  q: string;
  /** 1-based rank of the expected object, or null when not in the top `cutoff`. */
  rank: number | null;
  /** What came first instead, when the expected object did not. */
  top: string | null;
}

export interface RelevanceReport {
  queries: number;
  mrr: number;
  recall: number;
  outcomes: QueryOutcome[];
}

export async function evaluateRelevance(sql: Sql, queries: readonly JudgedQuery[], cutoff = 10): Promise<RelevanceReport> {
  const outcomes: QueryOutcome[] = [];
  for (const judged of queries) {
    const { hits } = await searchObjects(sql, judged.q, { ...judged.options, limit: cutoff });
    const index = hits.findIndex((h) => h.qualifiedName === judged.expect.qualifiedName && h.filePath === judged.expect.path);
    const first = hits[0];
    outcomes.push({
      q: judged.q,
      rank: index >= 0 ? index + 1 : null,
      top: index === 0 || !first ? null : `${first.qualifiedName} (${first.filePath ?? first.kind})`,
    });
  }
  const n = Math.max(outcomes.length, 1);
  return {
    queries: outcomes.length,
    mrr: outcomes.reduce((sum, o) => sum + (o.rank ? 1 / o.rank : 0), 0) / n,
    recall: outcomes.filter((o) => o.rank !== null).length / n,
    outcomes,
  };
}
