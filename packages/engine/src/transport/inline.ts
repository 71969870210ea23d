import { setMaxListeners } from 'node:events';
import { Notifier } from '../notifier.js';
import { claimNext } from '../scheduler/claim.js';
import type { DispatchTask, SchedulerContext } from '../scheduler/context.js';
import { executeClaimed } from '../scheduler/executor.js';
import type { Transport, WorkerPool, WorkerPoolOptions } from './types.js';

/**
 * The embedded transport (seed §8.3's worker loop): N async workers in this process claim
 * ready tasks of any job straight from Postgres. Dispatch only wakes idle workers early;
 * they also poll, so several processes can share one PostgreSQL database this way.
 * Works on PGlite: each claim is one statement.
 */
export class InlineTransport implements Transport {
  readonly kind = 'inline' as const;
  readonly wakeups = new Notifier();

  async dispatch(tasks: readonly DispatchTask[]): Promise<void> {
    for (const task of tasks) this.wakeups.wakeAt(task.runAfter);
  }


  startWorkers(ctx: SchedulerContext, options: WorkerPoolOptions): WorkerPool {
    return new InlinePool(ctx, this.wakeups, options);
  }

  async reconcile(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {
    this.wakeups.wake();
  }
}

class InlinePool implements WorkerPool {
  private readonly stopping = new AbortController();
  private readonly loops: Promise<void>[];

  constructor(
    private readonly ctx: SchedulerContext,
    private readonly wakeups: Notifier,
    private readonly options: WorkerPoolOptions,
  ) {
    // Every idle worker listens for the stop signal.
    setMaxListeners(options.concurrency + 10, this.stopping.signal);
    this.loops = Array.from({ length: options.concurrency }, () => this.loop());
  }

  private async loop(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      try {
        const claimed = await claimNext(this.ctx.sql, { workerId: this.ctx.options.workerId, leaseMs: this.ctx.options.leaseMs, roles: this.options.roles });
        if (!claimed) {
          await this.wakeups.wait(this.ctx.options.pollIntervalMs, signal);
          continue;
        }
        await executeClaimed(this.ctx, claimed);
      } catch (error) {
        if (signal.aborted) break;
        this.ctx.logger.error({ err: error }, 'engine: inline worker error');
        await this.wakeups.wait(this.ctx.options.pollIntervalMs, signal);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.wakeups.wake();
    await Promise.all(this.loops);
  }
}
