/**
 * The seed's phase criteria (seed 002), computed from the records alone:
 * real tasks succeeded, kinds covered, the four failure paths seen working,
 * unattended runs, the success rate of the last 20 microtasks, resource-limit
 * hits, rollback failures and crashed runs.
 */
import type { Sql } from '@agentlane/store';

export interface Criterion {
  name: string;
  label: string;
  value: number;
  target: string;
  met: boolean;
  detail: string;
}

export interface LaneStatus {
  criteria: Criterion[];
  /** Every criterion met. */
  met: boolean;
  runs: { total: number; running: number; last: { id: string; lane: string; status: string; startedAt: string } | null };
}

const FAILURE_PATHS = [
  { key: 'symbols', label: 'dangerous symbol → stopped', where: `findings @> '[{"validator":"symbols","severity":"stop"}]'::jsonb` },
  { key: 'tests', label: 'failing tests → rolled back', where: `findings @> '[{"validator":"tests","severity":"stop"}]'::jsonb` },
  { key: 'imports', label: 'disallowed import → stopped', where: `findings @> '[{"validator":"imports","severity":"stop"}]'::jsonb` },
] as const;

async function one<T extends object>(sql: Sql, text: string, params: unknown[] = []): Promise<T> {
  return (await sql.query<T>(text, params)).rows[0] as T;
}

const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : String(value));

export async function laneStatus(sql: Sql): Promise<LaneStatus> {
  const succeeded = await one<{ n: number; kinds: string[] | null }>(
    sql,
    `SELECT count(*)::int AS n, array_agg(DISTINCT kind ORDER BY kind) AS kinds FROM lane.microtasks WHERE status = 'succeeded'`,
  );
  const kinds = succeeded.kinds ?? [];

  const paths: { label: string; seen: boolean }[] = [];
  for (const path of FAILURE_PATHS) {
    const row = await one<{ n: number }>(sql, `SELECT count(*)::int AS n FROM lane.attempts WHERE status = 'failed' AND rollback_ok AND ${path.where}`);
    paths.push({ label: path.label, seen: row.n > 0 });
  }
  const stops = await one<{ n: number }>(sql, `SELECT count(*)::int AS n FROM lane.runs WHERE status = 'stopped' AND stop_reason IS NOT NULL`);
  paths.push({ label: 'failures in a row → lane stopped', seen: stops.n > 0 });
  const pathsSeen = paths.filter((p) => p.seen).length;

  const unattended = await one<{ n: number }>(
    sql,
    `SELECT count(*)::int AS n FROM lane.runs r
     WHERE r.unattended AND r.status IN ('completed', 'stopped')
       AND NOT EXISTS (SELECT 1 FROM lane.attempts a WHERE a.run_id = r.id AND a.rollback_ok = false)`,
  );

  const recent = await sql.query<{ status: string }>(
    `SELECT status FROM lane.microtasks WHERE status IN ('succeeded', 'failed', 'reverted') AND finished_at IS NOT NULL
     ORDER BY finished_at DESC LIMIT 20`,
  );
  const window = recent.rows.length;
  const ok = recent.rows.filter((r) => r.status !== 'failed').length;
  const rate = window === 0 ? 0 : Math.round((1000 * ok) / window) / 10;

  const limitHits = await one<{ n: number }>(sql, `SELECT count(*)::int AS n FROM lane.attempts WHERE findings @> '[{"validator":"limits"}]'::jsonb`);
  const rollbackFailures = await one<{ n: number }>(sql, `SELECT count(*)::int AS n FROM lane.attempts WHERE rollback_ok = false`);
  const runs = await one<{ total: number; running: number; crashed: number }>(
    sql,
    `SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'running')::int AS running,
            count(*) FILTER (WHERE status = 'crashed')::int AS crashed FROM lane.runs`,
  );
  const last = await sql.query<{ id: string; lane_name: string; status: string; started_at: unknown }>(
    `SELECT id, lane_name, status, started_at FROM lane.runs ORDER BY started_at DESC LIMIT 1`,
  );

  const criteria: Criterion[] = [
    { name: 'real_tasks_succeeded', label: 'real tasks succeeded', value: succeeded.n, target: '≥ 5', met: succeeded.n >= 5, detail: `${succeeded.n} microtasks committed` },
    { name: 'kinds_covered', label: 'kinds covered', value: kinds.length, target: '≥ 3', met: kinds.length >= 3, detail: kinds.length > 0 ? kinds.join(', ') : 'none yet' },
    {
      name: 'failure_paths_passed',
      label: 'failure paths seen working',
      value: pathsSeen,
      target: '4 of 4',
      met: pathsSeen === paths.length,
      detail: paths.map((p) => `${p.seen ? '✔' : '✘'} ${p.label}`).join('; '),
    },
    { name: 'unattended_runs', label: 'unattended runs', value: unattended.n, target: '≥ 3', met: unattended.n >= 3, detail: 'runs started without a TTY that completed or stopped themselves cleanly' },
    {
      name: 'success_rate_last_20',
      label: 'success rate, last 20 tasks',
      value: rate,
      target: '≥ 80% of 20',
      met: window >= 20 && rate >= 80,
      detail: `${ok} of ${window} succeeded${window < 20 ? ` (only ${window} finished so far)` : ''}`,
    },
    { name: 'resource_limit_hits', label: 'resource-limit hits', value: limitHits.n, target: '0', met: limitHits.n === 0, detail: 'attempts stopped by a wall-time, line, file or disk limit' },
    { name: 'rollback_failures', label: 'rollback failures', value: rollbackFailures.n, target: '0', met: rollbackFailures.n === 0, detail: 'attempts whose worktree was not clean after the rollback' },
    { name: 'crashed_runs', label: 'crashed runs', value: runs.crashed, target: '0', met: runs.crashed === 0, detail: 'runs that ended without their last event (recovered at the next start)' },
  ];
  const lastRow = last.rows[0];
  return {
    criteria,
    met: criteria.every((c) => c.met),
    runs: {
      total: runs.total,
      running: runs.running,
      last: lastRow ? { id: lastRow.id, lane: lastRow.lane_name, status: lastRow.status, startedAt: iso(lastRow.started_at) } : null,
    },
  };
}
