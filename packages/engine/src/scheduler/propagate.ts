import type { Sql } from '@agentlane/store';
import { insertEvents } from '../progress.js';

/**
 * Seed §8.4: when a task fails for good, every task downstream of it is canceled with
 * `upstream_failed`. Downstream tasks cannot have started (their predecessor never
 * succeeded), so only pending/ready/blocked rows change. Inside the run-locked transaction.
 */
const CANCEL_DOWNSTREAM = `
WITH RECURSIVE downstream AS (
  SELECT d.successor_task_id AS task_id
  FROM engine_v2.job_task_dependencies d
  WHERE d.predecessor_task_id = $1
  UNION
  SELECT d.successor_task_id
  FROM engine_v2.job_task_dependencies d
  JOIN downstream ds ON ds.task_id = d.predecessor_task_id
)
UPDATE engine_v2.job_tasks
SET status = 'canceled',
    error_code = 'upstream_failed',
    error_message = 'Canceled: upstream task ' || $2 || ' failed',
    finished_at = now(),
    run_after = NULL
WHERE id IN (SELECT task_id FROM downstream)
  AND status IN ('pending', 'ready', 'blocked')
RETURNING id, task_key`;

export async function cancelDownstream(tx: Sql, jobId: string, taskId: string, taskKey: string): Promise<string[]> {
  const { rows } = await tx.query<{ id: string; task_key: string }>(CANCEL_DOWNSTREAM, [taskId, taskKey]);
  await insertEvents(
    tx,
    jobId,
    rows.map((row) => ({ taskId: row.id, type: 'taskCanceled', data: { task_key: row.task_key, error_code: 'upstream_failed', upstream: taskKey } })),
  );
  return rows.map((row) => row.task_key);
}
