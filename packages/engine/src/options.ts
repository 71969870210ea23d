import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** How the scheduler behaves; every field has a documented default. */
export interface SchedulerOptions {
  /**
   * A running task's lease. Its worker renews it every `heartbeatMs`; when a worker dies
   * the lease expires and the task is re-claimed (seed target ≤ 15 s).
   * @defaultValue 10_000
   */
  leaseMs?: number;
  /** @defaultValue leaseMs / 4 */
  heartbeatMs?: number;
  /** Backoff before retry n is `retryBackoffMs × 2^(n-1)`, capped. @defaultValue 1000 */
  retryBackoffMs?: number;
  /** @defaultValue 30_000 */
  maxRetryBackoffMs?: number;
  /** Whole-job timeout when the workflow sets none (v2_timeout). @defaultValue 600_000 */
  jobTimeoutMs?: number;
  /** Per-job staging directories go under here. @defaultValue `<tmp>/agentlane-engine-v2-staging` */
  stagingRoot?: string;
  /** Lease reaping, job deadlines, re-dispatch, stuck-job sweep. @defaultValue 1000 */
  maintenanceIntervalMs?: number;
  /** BullMQ: a task still ready this long after it became runnable is enqueued again. @defaultValue 5000 */
  redispatchAfterMs?: number;
  /** How often waiters and idle inline workers look at the database. @defaultValue 250 */
  pollIntervalMs?: number;
  /** Recorded on claims and attempts. @defaultValue `<host>:<pid>:<random>` */
  workerId?: string;
  /**
   * How long `wait` keeps retrying while the database connection is lost (a PostgreSQL
   * restart) before it fails with DB_CONNECT_FAILED. @defaultValue 15_000
   */
  reconnectTimeoutMs?: number;
}

export type ResolvedSchedulerOptions = Required<SchedulerOptions>;

export function resolveSchedulerOptions(options: SchedulerOptions = {}): ResolvedSchedulerOptions {
  const leaseMs = options.leaseMs ?? 10_000;
  return {
    leaseMs,
    heartbeatMs: options.heartbeatMs ?? Math.max(100, Math.floor(leaseMs / 4)),
    retryBackoffMs: options.retryBackoffMs ?? 1000,
    maxRetryBackoffMs: options.maxRetryBackoffMs ?? 30_000,
    jobTimeoutMs: options.jobTimeoutMs ?? 600_000,
    stagingRoot: path.resolve(options.stagingRoot ?? path.join(os.tmpdir(), 'agentlane-engine-v2-staging')),
    maintenanceIntervalMs: options.maintenanceIntervalMs ?? 1000,
    redispatchAfterMs: options.redispatchAfterMs ?? 5000,
    pollIntervalMs: options.pollIntervalMs ?? 250,
    workerId: options.workerId ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    reconnectTimeoutMs: options.reconnectTimeoutMs ?? 15_000,
  } satisfies ResolvedSchedulerOptions;
}

/** Delay before attempt `nextAttempt` (2, 3, …). */
export function retryDelayMs(options: Pick<ResolvedSchedulerOptions, 'retryBackoffMs' | 'maxRetryBackoffMs'>, nextAttempt: number): number {
  return Math.min(options.maxRetryBackoffMs, options.retryBackoffMs * 2 ** Math.max(0, nextAttempt - 2));
}
