import fs from 'node:fs';
import path from 'node:path';
import { isAgentlaneError } from '@agentlane/core';
import { TaskError, type AgentResult, type TaskInput } from '../agents/types.js';
import { recordPartialResult } from '../progress.js';
import type { Json } from '../workflow/condition.js';
import type { ClaimedTask } from './claim.js';
import { completeFailure, type AttemptFailure, type AttemptRef } from './complete.js';
import type { SchedulerContext } from './context.js';
import { fencedWrite } from './fence.js';
import { renewLease } from './lease.js';
import { workflowTaskFromRow } from './task-config.js';

/**
 * Run one claimed attempt: resolve the agent, give it the task input, an abort signal and
 * the staging directory, keep the lease alive, stop it on its timeout, and record the
 * outcome. The signal fires on the task timeout (`task_timeout`), a lost lease, or the
 * job ending; an agent that ignores it is abandoned at that moment all the same (its
 * result can no longer be written: the completion is fenced).
 *
 * The executor also fences itself: the lease it holds runs `leaseMs` from the moment its
 * last successful renewal (or the claim) was sent. When no renewal has succeeded by
 * `leaseMs − guard` (the database unreachable, the event loop stalled), the agent is
 * stopped (`lease_unconfirmed`) before the lease can expire: by the time another worker
 * may re-claim the task, this attempt's processes are gone, so the two attempts never
 * run side by side, not even outside the database.
 */
interface AbortReason {
  code: string;
  message: string;
}

function toFailure(error: unknown, signal: AbortSignal): AttemptFailure {
  if (signal.aborted) {
    const reason = signal.reason as AbortReason;
    return { code: reason.code, message: reason.message, ...(error instanceof TaskError ? { details: error.details } : {}) };
  }
  if (error instanceof TaskError) return { code: error.code, message: error.message, details: error.details };
  if (isAgentlaneError(error)) return { code: error.code.toLowerCase(), message: error.message, details: error.details };
  return { code: 'agent_error', message: error instanceof Error ? error.message : String(error) };
}

function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    const fire = () => reject(new TaskError((signal.reason as AbortReason).code, (signal.reason as AbortReason).message));
    if (signal.aborted) fire();
    else signal.addEventListener('abort', fire, { once: true });
  });
}

export function stagingDirFor(ctx: SchedulerContext, claimed: Pick<ClaimedTask, 'job_id' | 'staging_dir'>): string {
  return claimed.staging_dir ?? path.join(ctx.options.stagingRoot, claimed.job_id);
}

/** An attempt whose agent has finished: `recorded` settles once its outcome is stored and its successors dispatched. */
export interface FinishedAttempt {
  recorded: Promise<void>;
}

/**
 * Run a claimed attempt's agent; resolves as soon as the agent is done, with the storing
 * of its outcome under way. Workers free the agent's slot at that point and keep the
 * number of outcomes still being stored bounded: completions are committed in groups
 * (`ctx.successes`), and a slot need not sit idle while its group commits (Graphile
 * Worker's batched completion does the same). Nothing is lost if the process dies in
 * between: the task is still `running` with a lease, so it is re-claimed when the lease
 * expires, and its successors are dispatched only after the completion has committed.
 */
export async function runClaimed(ctx: SchedulerContext, claimed: ClaimedTask): Promise<FinishedAttempt> {
  const attempt: AttemptRef = {
    taskId: claimed.id,
    jobId: claimed.job_id,
    taskKey: claimed.task_key,
    attemptNo: claimed.attempt_count,
    attemptId: claimed.attempt_id,
  };
  const task = workflowTaskFromRow(claimed);
  const controller = new AbortController();
  const abort = (reason: AbortReason) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  ctx.running.set(claimed.id, { jobId: claimed.job_id, abort });

  const timeout = task.timeoutMs === undefined
    ? undefined
    : setTimeout(() => abort({ code: 'task_timeout', message: `task ${task.key} exceeded its timeout of ${task.timeoutMs} ms` }), task.timeoutMs);
  // Stop the agent while the lease is surely still ours: a guard before it can expire
  // (the exec agent's SIGTERM-to-SIGKILL grace has to fit in it).
  const { leaseMs, heartbeatMs } = ctx.options;
  // At least one more heartbeat fits before it (leaseMs ≥ 2 × heartbeatMs as resolved by default).
  const guardMs = Math.max(0, Math.min(heartbeatMs, Math.floor((leaseMs - heartbeatMs) / 2)));
  let leaseTimer: NodeJS.Timeout | undefined;
  const leaseHeldUntil = (from: number) => {
    if (leaseTimer) clearTimeout(leaseTimer);
    leaseTimer = setTimeout(
      () => abort({ code: 'lease_unconfirmed', message: `task ${task.key}: the lease could not be renewed in time; stopped before another worker may take it` }),
      Math.max(0, from + leaseMs - guardMs - performance.now()),
    );
  };
  leaseHeldUntil(claimed.lease_from ?? performance.now());
  let heartbeatBusy = false;
  const heartbeat = setInterval(() => {
    if (heartbeatBusy) return;
    heartbeatBusy = true;
    const sent = performance.now();
    renewLease(ctx.sql, claimed.id, claimed.attempt_count, ctx.options.workerId, ctx.options.leaseMs)
      .then((held) => {
        if (held) leaseHeldUntil(sent);
        else abort({ code: 'lease_lost', message: `task ${task.key} is no longer held by this worker (re-claimed or job ended)` });
      })
      // A database hiccup is not a lost lease: try again at the next beat.
      .catch((error: unknown) => ctx.logger.warn({ err: error, task: task.key }, 'engine: heartbeat failed'))
      .finally(() => {
        heartbeatBusy = false;
      });
  }, ctx.options.heartbeatMs);

  const started = performance.now();
  let result: AgentResult | undefined;
  let failure: AttemptFailure | undefined;
  try {
    const agent = ctx.agents.get(task.agent);
    const stagingDir = stagingDirFor(ctx, claimed);
    fs.mkdirSync(stagingDir, { recursive: true });
    const input: TaskInput = {
      job: { id: claimed.job_id, input: claimed.job_input },
      task: { key: task.key, role: task.role, attempt: claimed.attempt_count, label: task.label },
      upstream: claimed.upstream,
    };
    const run = agent.run({
      jobId: claimed.job_id,
      taskId: claimed.id,
      attempt: claimed.attempt_count,
      task,
      input,
      stagingDir,
      workflowDir: claimed.source_dir ?? undefined,
      signal: controller.signal,
      logger: ctx.logger,
      // Fenced like every write of an attempt: refused (ENGINE_ATTEMPT_FENCED) once the task is re-claimed or ended.
      partial: (data: Json) => fencedWrite(ctx.sql, attempt, 'a partial result', (tx) => recordPartialResult(tx, claimed.job_id, claimed.id, task.key, data)),
    });
    run.catch(() => undefined); // settled below or abandoned after an abort
    result = await Promise.race([run, whenAborted(controller.signal)]);
  } catch (error) {
    failure = toFailure(error, controller.signal);
  } finally {
    if (timeout) clearTimeout(timeout);
    if (leaseTimer) clearTimeout(leaseTimer);
    clearInterval(heartbeat);
    ctx.running.delete(claimed.id);
  }
  const latencyMs = performance.now() - started;
  const record = async (): Promise<void> => {
    const completion = failure
      ? await completeFailure(ctx, attempt, failure, latencyMs)
      : await ctx.successes.submit({ attempt, result: result as AgentResult, latencyMs });
    if (failure && completion.applied) ctx.logger.debug({ task: task.key, job: claimed.job_id, code: failure.code }, 'engine: attempt failed');
    if (completion.refused) {
      ctx.logger.info({ task: task.key, job: claimed.job_id, attempt: claimed.attempt_count, code: completion.refused }, 'engine: outcome of a stale attempt refused (the task was re-claimed or ended)');
    }
    if (completion.ready.length > 0) await ctx.dispatch(completion.ready);
  };
  return { recorded: record() };
}
