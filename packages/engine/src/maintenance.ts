import { expireDeadlines } from './scheduler/cancel.js';
import type { SchedulerContext } from './scheduler/context.js';
import { reapExpiredLeases, sweepStuckJobs } from './scheduler/lease.js';
import type { Transport, WorkerPool } from './transport/types.js';

/**
 * The periodic duties of a process that runs workers: re-claim tasks whose lease expired
 * (dead workers), fail jobs past their deadline (v2_timeout), re-dispatch ready tasks
 * whose message may be lost (BullMQ), finish or report stuck jobs, and (BullMQ) start
 * listening on roles that new workflows use. Every step is idempotent and transactional,
 * so any number of processes can run it at once.
 */
export class Maintenance {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private ticks = 0;
  private stopped = false;

  constructor(
    private readonly ctx: SchedulerContext,
    private readonly transport: Transport,
    private readonly pool: WorkerPool | undefined,
  ) {}

  start(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .catch((error: unknown) => this.ctx.logger.warn({ err: error }, 'engine: maintenance tick failed'))
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, this.ctx.options.maintenanceIntervalMs);
  }

  async tick(): Promise<void> {
    this.ticks += 1;
    const reaped = await reapExpiredLeases(this.ctx);
    if (reaped.length > 0) await this.ctx.dispatch(reaped);
    await expireDeadlines(this.ctx);
    if (this.ticks % 3 === 0) {
      const swept = await sweepStuckJobs(this.ctx);
      if (swept.length > 0) await this.ctx.dispatch(swept);
    }
    await this.transport.reconcile(this.ctx);
    if (this.pool?.addRoles) {
      const { rows } = await this.ctx.sql.query<{ agent_role: string }>(
        // Ready tasks only: the partial index covers them, and a role's first message waits
        // in its queue until this picks the role up, one tick later.
        `SELECT DISTINCT agent_role FROM engine_v2.job_tasks WHERE status = 'ready'`,
      );
      this.pool.addRoles(rows.map((r) => r.agent_role));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
