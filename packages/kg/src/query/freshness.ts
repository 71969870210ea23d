import type { Sql } from '@agentlane/store';
import { gitHead } from '../index/git-head.js';
import { loadFileStates, loadSkipStates } from '../index/kg-store.js';
import { assertRepository, canonicalRoot } from '../index/repository.js';
import { walkRepository } from '../index/walk.js';

/**
 * How current the index is: what every answer to an agent carries, so it can
 * tell a stale map from a fresh one.
 */
export interface Freshness {
  /** The last successful index run, or null when there is none. */
  runId: string | null;
  indexedAt: string | null;
  /** The git HEAD that run indexed. */
  indexedHead: string | null;
  /** The repository's HEAD now. */
  currentHead: string | null;
  /** Source files added, changed or deleted since the run (size or mtime differ); a file skipped for its content and unchanged since is not one. */
  changedFiles: number;
  /** A few of them, for the message. */
  examples: string[];
  /** True when nothing changed and HEAD is the one indexed. */
  fresh: boolean;
}

export interface FreshnessOptions {
  repoRoot: string;
  maxFileBytes?: number;
}

/**
 * Refuses with KG_REPOSITORY_MISMATCH when the database holds another repository:
 * every answer carries freshness, so no answer about another repository's code is given.
 */
export async function indexFreshness(sql: Sql, options: FreshnessOptions): Promise<Freshness> {
  const repoRoot = canonicalRoot(options.repoRoot);
  await assertRepository(sql, repoRoot);
  const { rows } = await sql.query<{ id: string; git_head: string | null; finished_at: Date | null }>(
    `SELECT id, git_head, finished_at FROM kg.index_runs WHERE status = 'succeeded' ORDER BY started_at DESC LIMIT 1`,
  );
  const run = rows[0] ?? null;
  const stored = await loadFileStates(sql);
  const skips = await loadSkipStates(sql);
  const walk = walkRepository(repoRoot, { maxFileBytes: options.maxFileBytes });
  const changed: string[] = [];
  const seen = new Set<string>();
  for (const file of walk.files) {
    seen.add(file.path);
    const before = stored.get(file.path);
    if (before) {
      if (before.size !== file.size || before.mtimeMs !== file.mtimeMs) changed.push(file.path);
      continue;
    }
    const skip = skips.get(file.path);
    if (!skip || skip.size !== file.size || skip.mtimeMs !== file.mtimeMs) changed.push(file.path);
  }
  for (const indexed of stored.keys()) if (!seen.has(indexed)) changed.push(indexed);
  const currentHead = await gitHead(repoRoot);
  const indexedHead = run?.git_head ?? null;
  return {
    runId: run?.id ?? null,
    indexedAt: run?.finished_at ? new Date(run.finished_at).toISOString() : null,
    indexedHead,
    currentHead,
    changedFiles: changed.length,
    examples: changed.sort().slice(0, 5),
    fresh: run !== null && changed.length === 0 && indexedHead === currentHead,
  };
}

/**
 * `indexFreshness` walks the working tree, too much to repeat for every API call:
 * this answers from one walk for `ttlMs` (concurrent callers share it).
 */
export function freshnessProbe(sql: Sql, options: FreshnessOptions, ttlMs = 2_000): () => Promise<Freshness> {
  let cached: { at: number; value: Promise<Freshness> } | null = null;
  return () => {
    const now = Date.now();
    if (!cached || now - cached.at > ttlMs) {
      const value = indexFreshness(sql, options);
      cached = { at: now, value };
      // A failed probe is not kept: the next call tries again.
      value.catch(() => {
        if (cached?.value === value) cached = null;
      });
    }
    return cached.value;
  };
}
