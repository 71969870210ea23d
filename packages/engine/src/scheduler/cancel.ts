import { insertEvents } from '../progress.js';
import { lockRun, type SchedulerContext } from './context.js';
import { finishRun } from './finalize.js';

/**
 * End a running job early: a cancel request (`v2_canceled`, run canceled) or its deadline
 * (`v2_timeout`, run failed). Every task not yet terminal becomes canceled, running
 * attempts are closed, and executors are told to stop: at once in this process, and at
 * their next heartbeat elsewhere (the fenced heartbeat no longer matches).
 */
export interface EndReason {
  status: 'canceled' | 'failed';
  code: 'v2_canceled' | 'v2_timeout';
  message: string;
}

export async function endJob(ctx: SchedulerContext, jobId: string, reason: EndReason): Promise<boolean> {
  const ended = await ctx.sql.transaction(async (tx) => {
    const run = await lockRun(tx, jobId);
    if (run?.status !== 'running') return false;
    const taskCode = reason.code === 'v2_timeout' ? 'v2_timeout' : 'job_canceled';
    await tx.query(
      `UPDATE engine_v2.job_task_attempts a
       SET status = 'canceled', ended_at = now(), error = $2::jsonb,
           latency_ms = (extract(epoch FROM (clock_timestamp() - a.started_at)) * 1000)::int
       FROM engine_v2.job_tasks t
       WHERE t.id = a.task_id AND t.job_id = $1 AND t.status = 'running' AND a.status = 'running'`,
      [jobId, JSON.stringify({ code: taskCode, message: reason.message })],
    );
    const { rows } = await tx.query<{ id: string; task_key: string }>(
      `UPDATE engine_v2.job_tasks
       SET status = 'canceled', error_code = $2, error_message = $3, finished_at = now(), lease_expires_at = NULL
       WHERE job_id = $1 AND status IN ('pending', 'ready', 'running', 'blocked')
       RETURNING id, task_key`,
      [jobId, taskCode, reason.message],
    );
    await insertEvents(tx, jobId, rows.map((r) => ({ taskId: r.id, type: 'taskCanceled', data: { task_key: r.task_key, error_code: taskCode } })));
    if (reason.code === 'v2_canceled') await tx.query('UPDATE engine_v2.job_runs SET cancel_requested_at = now() WHERE job_id = $1', [jobId]);
    await finishRun(tx, jobId, reason.status, reason.code, reason.message);
    return true;
  });
  if (ended) {
    for (const [taskId, running] of ctx.running) {
      if (running.jobId === jobId) {
        running.abort({ code: reason.code === 'v2_timeout' ? 'v2_timeout' : 'job_canceled', message: reason.message });
        ctx.running.delete(taskId);
      }
    }
    ctx.jobEvents.wake();
  }
  return ended;
}

export function cancelJob(ctx: SchedulerContext, jobId: string, message = 'Canceled on request'): Promise<boolean> {
  return endJob(ctx, jobId, { status: 'canceled', code: 'v2_canceled', message });
}

/** Fail every running job past its deadline with v2_timeout. Returns their ids. */
export async function expireDeadlines(ctx: SchedulerContext, jobId?: string): Promise<string[]> {
  const { rows } = await ctx.sql.query<{ job_id: string }>(
    `SELECT job_id FROM engine_v2.job_runs
     WHERE status = 'running' AND deadline_at <= now() AND ($1::uuid IS NULL OR job_id = $1::uuid)
     ORDER BY deadline_at LIMIT 100`,
    [jobId ?? null],
  );
  const expired: string[] = [];
  for (const row of rows) {
    if (await endJob(ctx, row.job_id, { status: 'failed', code: 'v2_timeout', message: 'The job exceeded its timeout' })) expired.push(row.job_id);
  }
  return expired;
}
