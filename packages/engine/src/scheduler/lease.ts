import type { Sql } from '@agentlane/store';
import { completeFailure } from './complete.js';
import { lockRun, type DispatchTask, type SchedulerContext } from './context.js';
import { finalizeRun } from './finalize.js';
import { promoteReady } from './promote.js';

/**
 * Leases (seed §8 with heartbeats): a claim holds a task for `leaseMs`; the executor
 * renews it every `heartbeatMs`. The renewal is fenced by attempt number and worker id,
 * so when it matches nothing the worker has lost the task and must stop.
 */
export async function renewLease(sql: Sql, taskId: string, attemptNo: number, workerId: string, leaseMs: number): Promise<boolean> {
  const { rows } = await sql.query(
    `UPDATE engine_v2.job_tasks
     SET heartbeat_at = now(), lease_expires_at = now() + $4 * interval '1 millisecond'
     WHERE id = $1 AND status = 'running' AND attempt_count = $2 AND worker_id = $3
     RETURNING 1 AS ok`,
    [taskId, attemptNo, workerId, leaseMs],
  );
  return rows.length > 0;
}

/**
 * A task whose lease expired belongs to a worker that died or hung: its attempt is
 * recorded as failed (`lease_expired`) and the task is retried or failed like any other
 * failure. Returns the tasks to dispatch.
 */
export async function reapExpiredLeases(ctx: SchedulerContext, limit = 100): Promise<DispatchTask[]> {
  const { rows } = await ctx.sql.query<{ id: string; job_id: string; task_key: string; attempt_count: number; worker_id: string | null; attempt_id: string | null }>(
    `SELECT t.id, t.job_id, t.task_key, t.attempt_count, t.worker_id,
            (SELECT a.id FROM engine_v2.job_task_attempts a WHERE a.task_id = t.id AND a.attempt_no = t.attempt_count) AS attempt_id
     FROM engine_v2.job_tasks t
     WHERE t.status = 'running' AND t.lease_expires_at < now()
     ORDER BY t.lease_expires_at LIMIT $1`,
    [limit],
  );
  const ready: DispatchTask[] = [];
  for (const row of rows) {
    if (!row.attempt_id) continue;
    const result = await completeFailure(
      ctx,
      { taskId: row.id, jobId: row.job_id, taskKey: row.task_key, attemptNo: row.attempt_count, attemptId: row.attempt_id },
      { code: 'lease_expired', message: `worker ${row.worker_id ?? '?'} stopped heartbeating; lease expired`, details: { worker_id: row.worker_id } },
      null,
      { requireExpiredLease: true },
    );
    if (result.applied) {
      ctx.logger.warn({ task: row.task_key, job: row.job_id, worker: row.worker_id }, 'engine: lease expired, attempt failed');
      ready.push(...result.ready);
    }
  }
  return ready;
}

/**
 * Safety net: running jobs with nothing ready or running get promoted and finalized
 * again. In normal operation there are none; after a crash between commit and dispatch,
 * or with hand-edited dependencies, this is what finishes them or reports the deadlock.
 */
export async function sweepStuckJobs(ctx: SchedulerContext, limit = 50): Promise<DispatchTask[]> {
  const { rows } = await ctx.sql.query<{ job_id: string }>(
    `SELECT r.job_id FROM engine_v2.job_runs r
     WHERE r.status = 'running' AND r.created_at < now() - interval '1 second'
       AND NOT EXISTS (SELECT 1 FROM engine_v2.job_tasks t WHERE t.job_id = r.job_id AND t.status IN ('ready', 'running'))
     LIMIT $1`,
    [limit],
  );
  const ready: DispatchTask[] = [];
  for (const row of rows) {
    const promoted = await ctx.sql.transaction(async (tx) => {
      const run = await lockRun(tx, row.job_id);
      if (run?.status !== 'running') return [];
      const found = await promoteReady(tx, row.job_id);
      await finalizeRun(tx, row.job_id);
      return found;
    });
    ready.push(...promoted);
  }
  if (rows.length > 0) ctx.jobEvents.wake();
  return ready;
}
