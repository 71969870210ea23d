import type { Logger } from '@agentlane/core';
import type { Sql } from '@agentlane/store';
import type { AgentRegistry } from '../agents/registry.js';
import type { Notifier } from '../notifier.js';
import type { ResolvedSchedulerOptions } from '../options.js';
import type { CompletionResult, SuccessItem } from './complete.js';
import type { GroupCommit } from './group-commit.js';
import type { JobRecord, StoredTask } from './submit.js';

/** A task that became runnable: what a transport needs to hand it to a worker. */
export interface DispatchTask {
  id: string;
  jobId: string;
  role: string;
  /** Attempts made so far (0 for a first run). */
  attempt: number;
  runAfter: Date;
}

/** Everything the scheduler functions share, passed explicitly (no module state). */
export interface SchedulerContext {
  sql: Sql;
  agents: AgentRegistry;
  logger: Logger;
  options: ResolvedSchedulerOptions;
  /** Hand ready tasks to the transport; called after the transaction that made them ready commits. */
  dispatch(tasks: readonly DispatchTask[]): Promise<void>;
  /** Submitted jobs without skip rules, stored in groups (`submitJobs`). */
  submissions: GroupCommit<JobRecord, StoredTask[] | null>;
  /** Successful attempts, committed in groups (`completeSuccessMany`). */
  successes: GroupCommit<SuccessItem, CompletionResult>;
  /** In-process: wakes waiters when any job changes. */
  jobEvents: Notifier;
  /** In-process executors by task id, so a local cancel stops them without waiting for a heartbeat. */
  running: Map<string, { jobId: string; abort(reason: { code: string; message: string }): void }>;
}

export interface RunLock {
  status: 'running' | 'succeeded' | 'failed' | 'canceled';
}

/**
 * Lock a job's run row for the rest of the transaction. Every transaction that moves a
 * job's tasks between states takes this lock first, so promotions see each other's
 * results (two predecessors finishing at once cannot both miss their common successor)
 * and locks are always taken in the same order (run, then tasks).
 *
 * FOR NO KEY UPDATE, not FOR UPDATE: it serialises these transactions just the same, but
 * does not block the FOR KEY SHARE lock that foreign-key checks take on the run row. A
 * claim inserts its attempt and event (both referencing the run) while holding its task
 * row, and a claim's SKIP LOCKED scan may keep a lock on a task it re-checked and passed
 * over; with FOR UPDATE here those two waits closed a cycle (seen as PostgreSQL deadlocks
 * under load in the benchmark).
 */
export async function lockRun(tx: Sql, jobId: string): Promise<RunLock | undefined> {
  const { rows } = await tx.query<RunLock>('SELECT status FROM engine_v2.job_runs WHERE job_id = $1 FOR NO KEY UPDATE', [jobId]);
  return rows[0];
}
