import type { DispatchTask, SchedulerContext } from '../scheduler/context.js';

/** Workers executing tasks in this process; stop() lets running attempts finish. */
export interface WorkerPool {
  /** BullMQ: listen on these roles too (roles appear as workflows are submitted). */
  addRoles?(roles: readonly string[]): void;
  stop(): Promise<void>;
}

export interface WorkerPoolOptions {
  /** Concurrent tasks (inline: in total; BullMQ: per role). */
  concurrency: number;
  /** Only these roles; undefined = every role. */
  roles?: readonly string[];
}

/**
 * How a ready task reaches a worker. The database decides what runs (the claim); a
 * transport only carries wake-ups, so a lost or duplicated message never loses or
 * repeats work.
 */
export interface Transport {
  readonly kind: 'inline' | 'bullmq';
  dispatch(tasks: readonly DispatchTask[]): Promise<void>;
  startWorkers(ctx: SchedulerContext, options: WorkerPoolOptions): WorkerPool;
  /** Re-dispatch ready tasks whose message may have been lost (BullMQ after a Redis restart). */
  reconcile(ctx: SchedulerContext): Promise<number>;
  close(): Promise<void>;
}
