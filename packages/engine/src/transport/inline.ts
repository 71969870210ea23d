import { claimMany, type ClaimedTask } from '../scheduler/claim.js';
import type { DispatchTask, SchedulerContext } from '../scheduler/context.js';
import { runClaimed } from '../scheduler/executor.js';
import { PendingOutcomes } from './outcomes.js';
import type { Transport, WorkerPool, WorkerPoolOptions } from './types.js';

/**
 * The embedded transport (seed §8.3's worker loop): `concurrency` task slots in this
 * process, filled straight from Postgres. Two fetchers per pool each claim as many ready
 * tasks as there are free slots in one statement (`claimMany`) and run each in its slot.
 * A slot frees when its agent finishes, while the outcome is committed with others (a
 * bounded number of outcomes pending). A dispatch only wakes the fetchers early; they also
 * poll, so several processes can share one PostgreSQL database this way. Works on PGlite:
 * a claim is one statement.
 */
export class InlineTransport implements Transport {
  readonly kind = 'inline' as const;
  private readonly pools = new Set<InlinePool>();

  async dispatch(tasks: readonly DispatchTask[]): Promise<void> {
    const now = Date.now();
    let due = false;
    for (const task of tasks) {
      const delay = task.runAfter.getTime() - now;
      if (delay <= 0) due = true;
      // A retry's backoff: wake at its time; the timer does not keep the process alive.
      else setTimeout(() => this.kick(), delay).unref();
    }
    if (due) this.kick();
  }

  private kick(): void {
    for (const pool of this.pools) pool.kick();
  }

  startWorkers(ctx: SchedulerContext, options: WorkerPoolOptions): WorkerPool {
    const pool = new InlinePool(ctx, options, () => this.pools.delete(pool));
    this.pools.add(pool);
    return pool;
  }

  async reconcile(): Promise<number> {
    return 0;
  }

  async close(): Promise<void> {
    this.kick();
  }
}

/** Claims in flight at once per pool: while one is on its way, the other's tasks start. */
const FETCHERS = 2;

interface Sleeper {
  /** Asleep because there was no free slot (or its claim filled every one): a freed slot wakes it. */
  saturated: boolean;
  wake(): void;
}

class InlinePool implements WorkerPool {
  /** Agents running, one per slot. */
  private readonly active = new Set<Promise<void>>();
  private readonly outcomes: PendingOutcomes;
  private readonly fetchers: Promise<void>[];
  private readonly sleepers = new Set<Sleeper>();
  /** Slots promised to claims in flight. */
  private reserved = 0;
  private stopped = false;
  /** A dispatch arrived since a fetcher last claimed. */
  private kicked = false;

  constructor(
    private readonly ctx: SchedulerContext,
    private readonly options: WorkerPoolOptions,
    private readonly onStopped: () => void,
  ) {
    this.outcomes = new PendingOutcomes(options.concurrency, ctx.logger);
    this.fetchers = Array.from({ length: Math.min(FETCHERS, options.concurrency) }, () => this.fetchLoop());
  }

  kick(): void {
    this.kicked = true;
    for (const sleeper of this.sleepers) sleeper.wake();
  }

  private slotFreed(): void {
    for (const sleeper of this.sleepers) if (sleeper.saturated) sleeper.wake();
  }

  private sleep(ms: number, saturated: boolean): Promise<void> {
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        saturated,
        wake: () => {
          clearTimeout(timer);
          this.sleepers.delete(sleeper);
          resolve();
        },
      };
      const timer = setTimeout(sleeper.wake, ms);
      this.sleepers.add(sleeper);
    });
  }

  private async fetchLoop(): Promise<void> {
    const poll = this.ctx.options.pollIntervalMs;
    while (!this.stopped) {
      const free = this.freeSlots();
      let claimed: ClaimedTask[] = [];
      if (free > 0) {
        this.kicked = false;
        this.reserved += free;
        try {
          claimed = await claimMany(this.ctx.sql, { workerId: this.ctx.options.workerId, leaseMs: this.ctx.options.leaseMs, roles: this.options.roles, limit: free });
        } catch (error) {
          if (this.stopped) break;
          this.ctx.logger.error({ err: error }, 'engine: inline claim failed');
          await this.sleep(poll, false);
          continue;
        } finally {
          this.reserved -= free;
        }
        for (const task of claimed) this.start(task);
        if (this.stopped) break;
        // Every free slot got a task: more may be waiting. Claim again as soon as a slot frees.
        if (claimed.length === free && this.freeSlots() > 0) continue;
      }
      if (this.kicked && this.freeSlots() > 0) continue;
      await this.sleep(poll, free === 0 || claimed.length === free);
    }
  }

  /** Slots for new tasks: none while the pending outcomes are at their bound. */
  private freeSlots(): number {
    return this.outcomes.full ? 0 : Math.max(0, this.options.concurrency - this.active.size - this.reserved);
  }

  private start(task: ClaimedTask): void {
    const freed = () => this.slotFreed();
    const run: Promise<void> = runClaimed(this.ctx, task)
      .then(({ recorded }) => this.outcomes.track(recorded, freed))
      .catch((error: unknown) => this.ctx.logger.error({ err: error, task: task.task_key }, 'engine: inline worker error'))
      .finally(() => {
        this.active.delete(run);
        freed();
      });
    this.active.add(run);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const sleeper of this.sleepers) sleeper.wake();
    await Promise.all(this.fetchers);
    await Promise.all(this.active);
    await this.outcomes.drain();
    this.onStopped();
  }
}
