import { Queue, Worker, type Job } from 'bullmq';
import { AgentlaneError, redactSecrets, type Logger } from '@agentlane/core';
import { claimMany, type ClaimedTask } from '../scheduler/claim.js';
import type { DispatchTask, SchedulerContext } from '../scheduler/context.js';
import { runClaimed } from '../scheduler/executor.js';
import { GroupCommit } from '../scheduler/group-commit.js';
import { PendingOutcomes } from './outcomes.js';
import type { Transport, WorkerPool, WorkerPoolOptions } from './types.js';

/**
 * The distributed transport: a ready task becomes a BullMQ job on the queue of its role
 * (`engine-<role>`), and workers on any machine take it from there. BullMQ only carries
 * the task id: the worker then claims the task in Postgres (`claimMany`), which succeeds
 * once, so a job BullMQ delivers twice (a stalled job moved back, a re-dispatch) runs
 * once. Claims and dispatches go out in groups (`GroupCommit`): the deliveries a worker
 * holds at once are claimed in one statement, and the tasks that completions made ready
 * are added with one `addBulk` per role. The reconciler re-adds ready tasks under the same
 * deterministic job id, so after Redis loses its data (a restart without persistence)
 * nothing is lost, and while the message still exists the re-add is a no-op.
 */
export interface BullmqTransportOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** Key prefix in Redis. @defaultValue 'agentlane' */
  prefix?: string;
  logger: Logger;
  /** How long a dispatch may wait for Redis before leaving it to the reconciler. @defaultValue 2000 */
  dispatchTimeoutMs?: number;
}

interface TaskMessage {
  taskId: string;
  jobId: string;
}

export const queueName = (role: string) => `engine-${role}`;

/** Deterministic per attempt: re-adding an existing message is a no-op. */
const messageId = (task: Pick<DispatchTask, 'id' | 'attempt'>) => `${task.id}.${task.attempt}`;

/** Slack so a delayed message never arrives before the task's run_after. */
const DELAY_SLACK_MS = 25;

export class BullmqTransport implements Transport {
  readonly kind = 'bullmq' as const;
  readonly prefix: string;
  private readonly queues = new Map<string, Queue<TaskMessage>>();
  private readonly connection: { url: string; maxRetriesPerRequest: null; enableOfflineQueue: boolean };
  private lastErrorLog = 0;

  constructor(private readonly options: BullmqTransportOptions) {
    this.prefix = options.prefix ?? 'agentlane';
    this.connection = { url: options.url, maxRetriesPerRequest: null, enableOfflineQueue: true };
  }

  /** Redis errors repeat every reconnect attempt: log one per 5 s, without credentials. */
  logError(error: unknown, what: string): void {
    const now = Date.now();
    if (now - this.lastErrorLog < 5000) return;
    this.lastErrorLog = now;
    this.options.logger.warn({ error: redactSecrets(error instanceof Error ? error.message : String(error)) }, `engine: ${what}`);
  }

  queue(role: string): Queue<TaskMessage> {
    let queue = this.queues.get(role);
    if (!queue) {
      queue = new Queue<TaskMessage>(queueName(role), { connection: this.connection, prefix: this.prefix });
      queue.on('error', (error) => this.logError(error, 'queue error'));
      this.queues.set(role, queue);
    }
    return queue;
  }

  /** Fail fast with ENGINE_QUEUE_UNAVAILABLE when Redis cannot be reached. */
  async ping(timeoutMs = 3000): Promise<void> {
    const queue = this.queue('ping');
    try {
      await Promise.race([
        queue.getJobCounts('wait'),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
      ]);
    } catch (error) {
      throw new AgentlaneError('ENGINE_QUEUE_UNAVAILABLE', `Redis is not reachable at ${redactSecrets(this.options.url)}: ${(error as Error).message}`, { cause: error });
    }
  }

  private readonly dispatches = new GroupCommit<readonly DispatchTask[], void>({
    run: async (groups) => {
      await this.add(groups.flat());
      return groups.map(() => undefined);
    },
  });

  async dispatch(tasks: readonly DispatchTask[]): Promise<void> {
    if (tasks.length === 0) return;
    await this.dispatches.submit(tasks);
  }

  private async add(tasks: readonly DispatchTask[]): Promise<void> {
    const byRole = new Map<string, DispatchTask[]>();
    for (const task of tasks) byRole.set(task.role, [...(byRole.get(task.role) ?? []), task]);
    const now = Date.now();
    const adds = [...byRole].map(([role, group]) =>
      this.queue(role).addBulk(
        group.map((task) => {
          const delay = task.runAfter.getTime() - now;
          return {
            name: 'task',
            data: { taskId: task.id, jobId: task.jobId },
            opts: { jobId: messageId(task), ...(delay > 0 ? { delay: delay + DELAY_SLACK_MS } : {}), removeOnComplete: true, removeOnFail: true },
          };
        }),
      ),
    );
    // While Redis is down the add waits in ioredis's offline queue; the task is already
    // ready in Postgres, so do not hold the caller: the reconciler re-adds it if needed.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.options.dispatchTimeoutMs ?? 2000);
    });
    const all = Promise.all(adds).then(() => 'ok' as const, (error: unknown) => {
      this.logError(error, 'dispatch failed; the reconciler will re-dispatch');
      return 'failed' as const;
    });
    await Promise.race([all, timeout]);
    clearTimeout(timer);
  }

  async reconcile(ctx: SchedulerContext): Promise<number> {
    const { rows } = await ctx.sql.query<{ id: string; job_id: string; agent_role: string; attempt_count: number; run_after: Date }>(
      `UPDATE engine_v2.job_tasks SET dispatched_at = now()
       WHERE id IN (
         SELECT id FROM engine_v2.job_tasks
         WHERE status = 'ready' AND run_after < now() - $1 * interval '1 millisecond'
           AND (dispatched_at IS NULL OR dispatched_at < now() - $1 * interval '1 millisecond')
         ORDER BY run_after LIMIT 1000)
       RETURNING id, job_id, agent_role, attempt_count, run_after`,
      [ctx.options.redispatchAfterMs],
    );
    if (rows.length > 0) {
      await this.add(rows.map((r) => ({ id: r.id, jobId: r.job_id, role: r.agent_role, attempt: r.attempt_count, runAfter: r.run_after })));
    }
    return rows.length;
  }

  startWorkers(ctx: SchedulerContext, options: WorkerPoolOptions): WorkerPool {
    return new BullmqPool(ctx, this, this.connection, options);
  }

  async close(): Promise<void> {
    const queues = [...this.queues.values()];
    this.queues.clear();
    await Promise.all(queues.map((q) => q.close().catch(() => undefined)));
  }
}

class BullmqPool implements WorkerPool {
  private readonly workers = new Map<string, Worker<TaskMessage>>();
  private readonly outcomes: PendingOutcomes;
  private stopped = false;

  constructor(
    private readonly ctx: SchedulerContext,
    private readonly transport: BullmqTransport,
    private readonly connection: object,
    private readonly options: WorkerPoolOptions,
  ) {
    this.outcomes = new PendingOutcomes(options.concurrency, ctx.logger);
    if (options.roles) this.addRoles(options.roles);
  }

  addRoles(roles: readonly string[]): void {
    if (this.stopped) return;
    for (const role of roles) {
      if (this.workers.has(role) || (this.options.roles && !this.options.roles.includes(role))) continue;
      const worker = new Worker<TaskMessage>(queueName(role), (job) => this.process(job), {
        connection: this.connection,
        prefix: this.transport.prefix,
        concurrency: this.options.concurrency,
        // The Postgres lease is what guards the task; BullMQ's lock only has to outlive
        // short hiccups. A stalled message comes back and finds the task claimed.
        lockDuration: 30_000,
        maxStalledCount: 100,
      });
      worker.on('error', (error) => this.transport.logError(error, `worker error (${role})`));
      this.workers.set(role, worker);
    }
  }

  /** The deliveries in hand, claimed together: one statement for many tasks. */
  private readonly claims = new GroupCommit<string, ClaimedTask | null>({
    run: async (taskIds) => {
      const claimed = await claimMany(this.ctx.sql, { workerId: this.ctx.options.workerId, leaseMs: this.ctx.options.leaseMs, taskIds: [...new Set(taskIds)] });
      const byId = new Map(claimed.map((task) => [task.id, task]));
      // The same task twice in one group (a duplicate delivery): only the first runs it.
      return taskIds.map((id) => {
        const task = byId.get(id) ?? null;
        byId.delete(id);
        return task;
      });
    },
  });

  private async process(job: Job<TaskMessage>): Promise<string> {
    let claimed = await this.claims.submit(job.data.taskId);
    if (!claimed) {
      // Early by a clock tick? Wait for run_after once; anything else is a duplicate.
      const { rows } = await this.ctx.sql.query<{ wait_ms: number }>(
        `SELECT greatest(0, extract(epoch FROM (run_after - now())) * 1000)::int AS wait_ms
         FROM engine_v2.job_tasks WHERE id = $1 AND status = 'ready'`,
        [job.data.taskId],
      );
      const wait = rows[0]?.wait_ms;
      if (wait === undefined || wait > 10_000) return 'not-claimed';
      await new Promise((resolve) => setTimeout(resolve, wait + 5));
      claimed = await this.claims.submit(job.data.taskId);
      if (!claimed) return 'not-claimed';
    }
    // The message is done when the agent is; its outcome commits with others'. Should the
    // process die first, the task's lease expires and it is re-claimed and re-dispatched.
    const { recorded } = await runClaimed(this.ctx, claimed);
    this.outcomes.track(recorded);
    await this.outcomes.room();
    return 'done';
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const workers = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(workers.map((w) => w.close().catch(() => undefined)));
    await this.outcomes.drain();
  }
}
