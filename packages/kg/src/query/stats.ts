import { AgentlaneError } from '@agentlane/core';
import type { Sql } from '@agentlane/store';
import { liveRuns, type RunStatus } from '../index/runs.js';

export interface RunInfo {
  id: string;
  mode: string;
  /** A run stored 'running' whose process is gone (kill -9, power loss) is reported 'interrupted'. */
  status: RunStatus;
  gitHead: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  error: string | null;
}

export interface KgStats {
  /** The last successful run: what the index holds. */
  lastRun: RunInfo | null;
  /** The most recent run of any outcome (running, failed, interrupted, succeeded). */
  latestRun: RunInfo | null;
  /** Runs whose process died before they finished; none of their writes were kept. */
  interruptedRuns: number;
  files: Record<string, number>;
  objectsByKind: Record<string, Record<string, number>>;
  relationsByKind: Record<string, number>;
  relationsByResolution: Record<string, number>;
  skippedByReason: Record<string, number>;
  /** How many files have syntax errors (the parsers' ERROR and MISSING nodes). */
  syntaxErrorFiles: number;
  /**
   * The files with syntax errors, by path: the first SYNTAX_ERROR_PATHS_LIMIT
   * of them (`syntaxErrorFiles` is the total), each with its count of error nodes.
   */
  syntaxErrorPaths: { path: string; syntaxErrors: number }[];
  unresolvedCalls: number;
  /** Files with the most call sites that could not be resolved: the graph's blind spots. */
  topUnresolved: { path: string; unresolvedCalls: number }[];
}

/** At most this many files with syntax errors are named in the stats. */
export const SYNTAX_ERROR_PATHS_LIMIT = 50;

/** Fail with KG_NO_INDEX unless an index run has completed: one cheap lookup, for commands that need an index. */
export async function assertIndexed(sql: Sql): Promise<void> {
  const { rows } = await sql.query<{ ok: boolean }>(`SELECT EXISTS (SELECT 1 FROM kg.index_runs WHERE status = 'succeeded') AS ok`);
  if (!rows[0]?.ok) throw new AgentlaneError('KG_NO_INDEX', 'No completed index run yet: run `agentlane kg index` first');
}

interface RunRow {
  id: string;
  mode: string;
  status: RunStatus;
  git_head: string | null;
  started_at: Date;
  finished_at: Date | null;
  error: string | null;
  pid: number | null;
  host: string | null;
}

const RUN_COLUMNS = 'id, mode, status, git_head, started_at, finished_at, error, pid, host';

function runInfo(row: RunRow, live: ReadonlySet<string>): RunInfo {
  const status = row.status === 'running' && !live.has(row.id) ? 'interrupted' : row.status;
  return {
    id: row.id,
    mode: row.mode,
    status,
    gitHead: row.git_head,
    startedAt: new Date(row.started_at).toISOString(),
    finishedAt: row.finished_at ? new Date(row.finished_at).toISOString() : null,
    durationMs: row.finished_at ? new Date(row.finished_at).getTime() - new Date(row.started_at).getTime() : null,
    error: row.error,
  };
}

export async function kgStats(sql: Sql): Promise<KgStats> {
  const run = await sql.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM kg.index_runs WHERE status = 'succeeded' ORDER BY started_at DESC LIMIT 1`);
  const last = run.rows[0];
  if (!last) throw new AgentlaneError('KG_NO_INDEX', 'No completed index run yet: run `agentlane kg index` first');
  const latest = (await sql.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM kg.index_runs ORDER BY started_at DESC LIMIT 1`)).rows[0] ?? last;
  const running = await sql.query<RunRow>(`SELECT ${RUN_COLUMNS} FROM kg.index_runs WHERE status = 'running' ORDER BY started_at DESC`);
  const live = await liveRuns(sql, running.rows);
  const interrupted = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM kg.index_runs WHERE status = 'interrupted'`);
  const [files, objects, relations, resolutions, skipped, errors, top, errorPaths] = await Promise.all([
    sql.query<{ language: string; n: number }>('SELECT language, count(*)::int AS n FROM kg.files GROUP BY language ORDER BY language'),
    sql.query<{ language: string; kind: string; n: number }>('SELECT language, kind, count(*)::int AS n FROM kg.objects GROUP BY language, kind ORDER BY language, kind'),
    sql.query<{ kind: string; n: number }>('SELECT kind, count(*)::int AS n FROM kg.relations GROUP BY kind ORDER BY kind'),
    sql.query<{ resolution: string; n: number }>('SELECT resolution, count(*)::int AS n FROM kg.relations GROUP BY resolution ORDER BY resolution'),
    sql.query<{ reason: string; n: number }>('SELECT reason, count(*)::int AS n FROM kg.skipped_files GROUP BY reason ORDER BY reason'),
    sql.query<{ error_files: number; unresolved: number }>(
      'SELECT count(*) FILTER (WHERE syntax_errors > 0)::int AS error_files, coalesce(sum(unresolved_calls), 0)::int AS unresolved FROM kg.files',
    ),
    sql.query<{ path: string; unresolved_calls: number }>(
      'SELECT path, unresolved_calls FROM kg.files WHERE unresolved_calls > 0 ORDER BY unresolved_calls DESC, path LIMIT 10',
    ),
    sql.query<{ path: string; syntax_errors: number }>('SELECT path, syntax_errors FROM kg.files WHERE syntax_errors > 0 ORDER BY path LIMIT $1', [
      SYNTAX_ERROR_PATHS_LIMIT,
    ]),
  ]);
  const objectsByKind: Record<string, Record<string, number>> = {};
  for (const row of objects.rows) (objectsByKind[row.language] ??= {})[row.kind] = row.n;
  return {
    lastRun: runInfo(last, live),
    latestRun: runInfo(latest, live),
    interruptedRuns: (interrupted.rows[0]?.n ?? 0) + running.rows.filter((r) => !live.has(r.id)).length,
    files: Object.fromEntries(files.rows.map((r) => [r.language, r.n])),
    objectsByKind,
    relationsByKind: Object.fromEntries(relations.rows.map((r) => [r.kind, r.n])),
    relationsByResolution: Object.fromEntries(resolutions.rows.map((r) => [r.resolution, r.n])),
    skippedByReason: Object.fromEntries(skipped.rows.map((r) => [r.reason, r.n])),
    syntaxErrorFiles: errors.rows[0]?.error_files ?? 0,
    syntaxErrorPaths: errorPaths.rows.map((r) => ({ path: r.path, syntaxErrors: r.syntax_errors })),
    unresolvedCalls: errors.rows[0]?.unresolved ?? 0,
    topUnresolved: top.rows.map((r) => ({ path: r.path, unresolvedCalls: r.unresolved_calls })),
  };
}
