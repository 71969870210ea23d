import type { Sql } from '@agentlane/store';
import type { AgentResult } from '../agents/types.js';
import { retryDelayMs } from '../options.js';
import { insertEvents } from '../progress.js';
import { lockRun, type DispatchTask, type SchedulerContext } from './context.js';
import { finalizeRun } from './finalize.js';
import { ATTEMPT_FENCED } from './fence.js';
import { cancelDownstream } from './propagate.js';
import { promoteReady } from './promote.js';

/**
 * The end of an attempt, in one transaction under the run lock. Every write is fenced by
 * (task id, status running, attempt number): a worker that lost its lease (its task was
 * re-claimed, or the job ended) changes nothing, so each task reaches exactly one terminal
 * state whatever the timing. Returns the tasks that became ready, for the caller to
 * dispatch once the transaction has committed.
 */
export interface AttemptRef {
  taskId: string;
  jobId: string;
  taskKey: string;
  attemptNo: number;
  attemptId: string;
}

export interface AttemptFailure {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface CompletionResult {
  /** False when the attempt had already lost its task (stale): the write was refused. */
  applied: boolean;
  /** Set when the write was refused: the attempt is fenced off (see fence.ts). */
  refused?: typeof ATTEMPT_FENCED;
  ready: DispatchTask[];
}

const REFUSED: Omit<CompletionResult, 'ready'> = { applied: false, refused: ATTEMPT_FENCED };

async function markStale(tx: Sql, attempt: AttemptRef, failure?: AttemptFailure): Promise<void> {
  await tx.query(
    `UPDATE engine_v2.job_task_attempts
     SET status = 'canceled', ended_at = now(),
         latency_ms = (extract(epoch FROM (clock_timestamp() - started_at)) * 1000)::int,
         error = coalesce(error, $2::jsonb)
     WHERE id = $1 AND status = 'running'`,
    [attempt.attemptId, JSON.stringify({ code: 'lease_lost', message: 'the task was no longer held by this attempt', ...(failure ? { cause: failure.code } : {}) })],
  );
}

interface SuccessResult {
  applied: boolean;
  needs_eval: boolean;
  ready: { id: string; role: string; attempt: number; run_after: string }[];
}

export interface SuccessItem {
  attempt: AttemptRef;
  result: AgentResult;
  latencyMs: number;
}

function successRecord({ attempt, result, latencyMs }: SuccessItem): Record<string, unknown> {
  const usage = result.usage ?? {};
  const artifacts = (result.artifacts ?? []).map((a) => ({ kind: a.kind, uri: a.uri ?? null, content: a.content ?? null, metadata: a.metadata ?? null }));
  return {
    task: attempt.taskId,
    job: attempt.jobId,
    attempt_no: attempt.attemptNo,
    attempt: attempt.attemptId,
    output: result.output ?? null,
    latency_ms: Math.round(latencyMs),
    tokens_in: usage.tokensIn ?? null,
    tokens_out: usage.tokensOut ?? null,
    cost: usage.costUsd ?? null,
    artifacts: artifacts.length > 0 ? artifacts : null,
  };
}

/**
 * Successful attempts, any number in one round trip: `engine_v2.complete_success_many`
 * (migration 0003) records the attempts, promotes the tasks they unblock and finalizes
 * their runs, under the run locks, a statement per step for the whole group. Tasks with a
 * skip rule that became promotable are left pending (needs_eval) and resolved here, job by
 * job, in a second transaction by the general `promoteReady`. Workers reach this through
 * `ctx.successes`, which groups the completions that arrive together.
 */
export async function completeSuccessMany(ctx: SchedulerContext, items: readonly SuccessItem[]): Promise<CompletionResult[]> {
  if (items.length === 0) return [];
  const { rows } = await ctx.sql.query<{ r: SuccessResult[] }>('SELECT engine_v2.complete_success_many($1::jsonb) AS r', [JSON.stringify(items.map(successRecord))]);
  const answers = rows[0]?.r ?? [];
  const results: CompletionResult[] = items.map((item, i) => {
    const r = answers[i] as SuccessResult;
    if (!r.applied) return { ...REFUSED, ready: [] };
    return { applied: true, ready: r.ready.map((t) => ({ id: t.id, jobId: item.attempt.jobId, role: t.role, attempt: t.attempt, runAfter: new Date(t.run_after) })) };
  });
  const toEvaluate = new Map<string, number>();
  items.forEach((item, i) => {
    if ((answers[i] as SuccessResult).needs_eval && !toEvaluate.has(item.attempt.jobId)) toEvaluate.set(item.attempt.jobId, i);
  });
  for (const [jobId, i] of toEvaluate) {
    const resolved = await ctx.sql.transaction(async (tx) => {
      const run = await lockRun(tx, jobId);
      if (run?.status !== 'running') return [];
      const promoted = await promoteReady(tx, jobId);
      await finalizeRun(tx, jobId);
      return promoted;
    });
    results[i]?.ready.push(...resolved);
  }
  ctx.jobEvents.wake();
  return results;
}

export interface FailureOptions {
  /** Only fail the attempt if its lease has expired (the reaper's check, made under the lock). */
  requireExpiredLease?: boolean;
  /** Never retry (the job is ending anyway). */
  final?: boolean;
}

export async function completeFailure(
  ctx: SchedulerContext,
  attempt: AttemptRef,
  failure: AttemptFailure,
  latencyMs: number | null,
  options: FailureOptions = {},
): Promise<CompletionResult> {
  const outcome = await ctx.sql.transaction(async (tx): Promise<CompletionResult> => {
    const run = await lockRun(tx, attempt.jobId);
    const { rows } = await tx.query<{ max_attempts: number }>(
      `SELECT max_attempts FROM engine_v2.job_tasks
       WHERE id = $1 AND status = 'running' AND attempt_count = $2 ${options.requireExpiredLease ? 'AND lease_expires_at < now()' : ''}
       FOR NO KEY UPDATE`,
      [attempt.taskId, attempt.attemptNo],
    );
    const task = rows[0];
    if (!task || run?.status !== 'running') {
      if (!options.requireExpiredLease) await markStale(tx, attempt, failure);
      return { ...REFUSED, ready: [] };
    }
    const error = { code: failure.code, message: failure.message, ...(failure.details ? { details: failure.details } : {}) };
    await tx.query(
      `UPDATE engine_v2.job_task_attempts
       SET status = 'failed', ended_at = now(), error = $2::jsonb,
           latency_ms = coalesce($3, (extract(epoch FROM (clock_timestamp() - started_at)) * 1000)::int)
       WHERE id = $1`,
      [attempt.attemptId, JSON.stringify(error), latencyMs === null ? null : Math.round(latencyMs)],
    );
    const willRetry = !options.final && attempt.attemptNo < task.max_attempts;
    const eventData = { task_key: attempt.taskKey, attempt: attempt.attemptNo, error_code: failure.code, message: failure.message, will_retry: willRetry };
    if (willRetry) {
      const delay = retryDelayMs(ctx.options, attempt.attemptNo + 1);
      const retried = await tx.query<{ id: string; agent_role: string; attempt_count: number; run_after: Date }>(
        `UPDATE engine_v2.job_tasks
         SET status = 'ready', ready_at = now(), run_after = now() + $2 * interval '1 millisecond',
             lease_expires_at = NULL, error_code = $3, error_message = $4
         WHERE id = $1
         RETURNING id, agent_role, attempt_count, run_after`,
        [attempt.taskId, delay, failure.code, failure.message],
      );
      await insertEvents(tx, attempt.jobId, [{ taskId: attempt.taskId, type: 'taskFailed', data: eventData }]);
      const row = retried.rows[0] as { id: string; agent_role: string; attempt_count: number; run_after: Date };
      return { applied: true, ready: [{ id: row.id, jobId: attempt.jobId, role: row.agent_role, attempt: row.attempt_count, runAfter: row.run_after }] };
    }
    await tx.query(
      `UPDATE engine_v2.job_tasks
       SET status = 'failed', finished_at = now(), lease_expires_at = NULL, error_code = $2, error_message = $3, run_after = NULL
       WHERE id = $1`,
      [attempt.taskId, failure.code, failure.message],
    );
    await insertEvents(tx, attempt.jobId, [{ taskId: attempt.taskId, type: 'taskFailed', data: eventData }]);
    await cancelDownstream(tx, attempt.jobId, attempt.taskId, attempt.taskKey);
    const ready = await promoteReady(tx, attempt.jobId);
    await finalizeRun(tx, attempt.jobId);
    return { applied: true, ready };
  });
  ctx.jobEvents.wake();
  return outcome;
}
