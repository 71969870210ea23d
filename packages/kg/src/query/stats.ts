import { AgentlaneError } from '@agentlane/core';
import type { Sql } from '@agentlane/store';

export interface KgStats {
  lastRun: {
    id: string;
    mode: string;
    status: string;
    gitHead: string | null;
    startedAt: string;
    finishedAt: string | null;
    durationMs: number | null;
  } | null;
  files: Record<string, number>;
  objectsByKind: Record<string, Record<string, number>>;
  relationsByKind: Record<string, number>;
  relationsByResolution: Record<string, number>;
  skippedByReason: Record<string, number>;
  syntaxErrorFiles: number;
  unresolvedCalls: number;
  /** Files with the most call sites that could not be resolved: the graph's blind spots. */
  topUnresolved: { path: string; unresolvedCalls: number }[];
}

/** Fail with KG_NO_INDEX unless an index run has completed: one cheap lookup, for commands that need an index. */
export async function assertIndexed(sql: Sql): Promise<void> {
  const { rows } = await sql.query<{ ok: boolean }>(`SELECT EXISTS (SELECT 1 FROM kg.index_runs WHERE status = 'succeeded') AS ok`);
  if (!rows[0]?.ok) throw new AgentlaneError('KG_NO_INDEX', 'No completed index run yet: run `agentlane kg index` first');
}

export async function kgStats(sql: Sql): Promise<KgStats> {
  const run = await sql.query<{
    id: string;
    mode: string;
    status: string;
    git_head: string | null;
    started_at: Date;
    finished_at: Date | null;
  }>(`SELECT id, mode, status, git_head, started_at, finished_at FROM kg.index_runs WHERE status = 'succeeded' ORDER BY started_at DESC LIMIT 1`);
  const last = run.rows[0];
  if (!last) throw new AgentlaneError('KG_NO_INDEX', 'No completed index run yet: run `agentlane kg index` first');
  const [files, objects, relations, resolutions, skipped, errors, top] = await Promise.all([
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
  ]);
  const objectsByKind: Record<string, Record<string, number>> = {};
  for (const row of objects.rows) (objectsByKind[row.language] ??= {})[row.kind] = row.n;
  return {
    lastRun: {
      id: last.id,
      mode: last.mode,
      status: last.status,
      gitHead: last.git_head,
      startedAt: new Date(last.started_at).toISOString(),
      finishedAt: last.finished_at ? new Date(last.finished_at).toISOString() : null,
      durationMs: last.finished_at ? new Date(last.finished_at).getTime() - new Date(last.started_at).getTime() : null,
    },
    files: Object.fromEntries(files.rows.map((r) => [r.language, r.n])),
    objectsByKind,
    relationsByKind: Object.fromEntries(relations.rows.map((r) => [r.kind, r.n])),
    relationsByResolution: Object.fromEntries(resolutions.rows.map((r) => [r.resolution, r.n])),
    skippedByReason: Object.fromEntries(skipped.rows.map((r) => [r.reason, r.n])),
    syntaxErrorFiles: errors.rows[0]?.error_files ?? 0,
    unresolvedCalls: errors.rows[0]?.unresolved ?? 0,
    topUnresolved: top.rows.map((r) => ({ path: r.path, unresolvedCalls: r.unresolved_calls })),
  };
}
