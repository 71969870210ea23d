import type { Sql } from '@agentlane/store';
import { insertEvents, type NewEvent } from '../progress.js';
import { conditionTasks, describeCondition, evaluateCondition, type Condition } from '../workflow/condition.js';
import { resolveTask } from '../workflow/dag.js';
import type { DispatchTask } from './context.js';

/**
 * Seed §8.1: pending tasks whose predecessors all succeeded or were skipped become ready.
 * Each newly ready task is then resolved by the DAG rules (`resolveTask`): a predecessor
 * skipped with skip_downstream, or its own skip_if holding over the upstream outputs,
 * skips it instead. Skipping can satisfy further tasks, so this repeats until nothing
 * moves. The promotion statement is `engine_v2.promote_ready` (migration 0001; PL/pgSQL,
 * so its plan is cached, since 0002). Call inside a transaction holding the run lock.
 */
const PROMOTE = 'SELECT * FROM engine_v2.promote_ready($1, false)';

interface PromotedRow {
  id: string;
  task_key: string;
  agent_role: string;
  attempt_count: number;
  run_after: Date;
  skip_if: Condition | null;
  skip_downstream: boolean;
  cascade_from: string | null;
}

export async function promoteReady(tx: Sql, jobId: string): Promise<DispatchTask[]> {
  const ready: DispatchTask[] = [];
  for (;;) {
    const { rows } = await tx.query<PromotedRow>(PROMOTE, [jobId]);
    if (rows.length === 0) break;
    const outputs = await conditionOutputs(tx, jobId, rows);
    const skips: { row: PromotedRow; cascade: boolean; reason: string }[] = [];
    for (const row of rows) {
      const own = row.skip_if ? { holds: evaluateCondition(row.skip_if, outputs), cascade: row.skip_downstream, reason: `skip_if ${describeCondition(row.skip_if)}` } : undefined;
      // Predecessors are all succeeded/skipped here; only the cascade flag matters.
      const predecessors = row.cascade_from ? [{ key: row.cascade_from, status: 'skipped' as const, cascade: true }] : [];
      const resolution = resolveTask(predecessors, own);
      if (resolution.action === 'skip') skips.push({ row, cascade: resolution.cascade, reason: resolution.reason });
      else ready.push({ id: row.id, jobId, role: row.agent_role, attempt: row.attempt_count, runAfter: row.run_after });
    }
    if (skips.length === 0) break;
    await tx.query(
      `UPDATE engine_v2.job_tasks t
       SET status = 'skipped', skip_reason = s.reason, skip_cascade = s.cascade, progress = 100, finished_at = now()
       FROM unnest($1::uuid[], $2::text[], $3::boolean[]) AS s(id, reason, cascade)
       WHERE t.id = s.id`,
      [skips.map((s) => s.row.id), skips.map((s) => s.reason), skips.map((s) => s.cascade)],
    );
    const events: NewEvent[] = skips.map((s) => ({ taskId: s.row.id, type: 'taskSkipped', data: { task_key: s.row.task_key, reason: s.reason } }));
    await insertEvents(tx, jobId, events);
  }
  return ready;
}

async function conditionOutputs(tx: Sql, jobId: string, rows: readonly PromotedRow[]): Promise<Map<string, unknown>> {
  const keys = new Set<string>();
  for (const row of rows) if (row.skip_if && !row.cascade_from) conditionTasks(row.skip_if, keys);
  if (keys.size === 0) return new Map();
  const { rows: outputs } = await tx.query<{ task_key: string; output: unknown }>(
    `SELECT task_key, output FROM engine_v2.job_tasks WHERE job_id = $1 AND status = 'succeeded' AND task_key = ANY($2::text[])`,
    [jobId, [...keys]],
  );
  return new Map(outputs.map((o) => [o.task_key, o.output]));
}
