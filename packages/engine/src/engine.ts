import { silentLogger, type Logger } from '@agentlane/core';
import { redactingSql, type Sql } from '@agentlane/store';
import { createAgentRegistry, type AgentRegistry } from './agents/registry.js';
import { Maintenance } from './maintenance.js';
import { Notifier } from './notifier.js';
import { resolveSchedulerOptions, type SchedulerOptions } from './options.js';
import { watchEvents, type EngineEvent } from './progress.js';
import { cancelJob, expireDeadlines } from './scheduler/cancel.js';
import { completeSuccessMany } from './scheduler/complete.js';
import { retryConnectionLoss } from './scheduler/reconnect.js';
import type { DispatchTask, SchedulerContext } from './scheduler/context.js';
import { GroupCommit } from './scheduler/group-commit.js';
import { submitJob, submitJobs, type SubmitOptions } from './scheduler/submit.js';
import { jobStatus, type JobStatus } from './status.js';
import { BullmqTransport } from './transport/bullmq.js';
import { InlineTransport } from './transport/inline.js';
import type { Transport, WorkerPool } from './transport/types.js';
import type { Workflow } from './workflow/schema.js';

export type TransportOption = { kind: 'inline' } | { kind: 'bullmq'; url: string; prefix?: string };

export interface EngineOptions extends SchedulerOptions {
  sql: Sql;
  /** @defaultValue the built-in agents (exec, noop) */
  agents?: AgentRegistry;
  /** @defaultValue silent */
  logger?: Logger;
  /** Where ready tasks go. @defaultValue `{ kind: 'inline' }` */
  transport?: TransportOption;
  /**
   * Tasks this process runs at once (inline: in total; BullMQ: per role). 0 makes a
   * submit-only engine whose tasks run on `agentlane worker` processes.
   * @defaultValue 3 (the seed's WORKER_COUNT)
   */
  workers?: number;
  /** Only run tasks of these roles. @defaultValue every role */
  roles?: string[];
}

export interface WaitOptions {
  onEvent?: (event: EngineEvent) => void;
  signal?: AbortSignal;
}

/**
 * engine_v2: submit workflows as durable jobs in Postgres and run them on this process's
 * workers (inline or BullMQ) or elsewhere. One instance per process; pass it around.
 */
export class Engine {
  readonly transport: Transport;
  readonly ctx: SchedulerContext;
  private readonly pool: WorkerPool | undefined;
  private readonly maintenance: Maintenance | undefined;

  constructor(options: EngineOptions) {
    const settings = resolveSchedulerOptions(options);
    const logger = options.logger ?? silentLogger;
    const transportOption = options.transport ?? { kind: 'inline' };
    this.transport =
      transportOption.kind === 'bullmq'
        ? new BullmqTransport({ url: transportOption.url, prefix: transportOption.prefix, logger })
        : new InlineTransport();
    const transport = this.transport;
    // engine_v2's tables are records (inputs, outputs, errors, events, artifacts): every write is redacted.
    const sql = redactingSql(options.sql);
    const ctx: SchedulerContext = {
      sql,
      agents: options.agents ?? createAgentRegistry(),
      logger,
      options: settings,
      dispatch: (tasks: readonly DispatchTask[]) => transport.dispatch(tasks),
      // Two groups at once: completions of one job take its run lock, so more groups in
      // flight would mostly wait on each other (measured with npm run bench:engine).
      successes: new GroupCommit({ run: (items) => completeSuccessMany(ctx, items), maxInFlight: 2 }),
      submissions: new GroupCommit({ run: (records) => submitJobs(sql, records), maxInFlight: 2 }),
      jobEvents: new Notifier(),
      running: new Map(),
    };
    this.ctx = ctx;
    const workers = options.workers ?? 3;
    if (workers > 0) {
      this.pool = this.transport.startWorkers(this.ctx, { concurrency: workers, roles: options.roles });
      this.maintenance = new Maintenance(this.ctx, this.transport, this.pool);
      this.maintenance.start();
    }
  }

  get agents(): AgentRegistry {
    return this.ctx.agents;
  }

  /** Validate against the registry, store the job and dispatch its first tasks. */
  async submit(workflow: Workflow, options: SubmitOptions = {}): Promise<string> {
    const { jobId, ready } = await submitJob(this.ctx, workflow, options);
    await this.ctx.dispatch(ready);
    return jobId;
  }

  /**
   * Until the job ends: every event in order to `onEvent`, then its final status. Also
   * enforces the job's deadline, so a timeout is reported even with no maintenance here.
   * A lost database connection (a PostgreSQL restart) is retried with backoff for
   * `reconnectTimeoutMs`, resuming after the last event seen; then DB_CONNECT_FAILED.
   */
  async wait(jobId: string, options: WaitOptions = {}): Promise<JobStatus> {
    let after = 0;
    return retryConnectionLoss(
      async (progressed) => {
        await jobStatus(this.ctx.sql, jobId);
        const { rows } = await this.ctx.sql.query<{ deadline_at: Date }>('SELECT deadline_at FROM engine_v2.job_runs WHERE job_id = $1', [jobId]);
        progressed();
        const deadline = rows[0]?.deadline_at.getTime() ?? Number.POSITIVE_INFINITY;
        const poll = this.ctx.options.pollIntervalMs;
        const wake = async (timeoutMs: number, signal?: AbortSignal) => {
          await this.ctx.jobEvents.wait(timeoutMs, signal);
          if (Date.now() >= deadline) await expireDeadlines(this.ctx, jobId);
        };
        for await (const event of watchEvents(this.ctx.sql, jobId, { afterSeq: after, pollMs: poll, signal: options.signal, wake })) {
          after = event.seq;
          progressed();
          options.onEvent?.(event);
        }
        return jobStatus(this.ctx.sql, jobId);
      },
      { budgetMs: this.ctx.options.reconnectTimeoutMs, what: `while waiting for job ${jobId}`, signal: options.signal },
    );
  }

  async run(workflow: Workflow, options: SubmitOptions & WaitOptions = {}): Promise<JobStatus> {
    const jobId = await this.submit(workflow, options);
    return this.wait(jobId, options);
  }

  cancel(jobId: string, message?: string): Promise<boolean> {
    return cancelJob(this.ctx, jobId, message);
  }

  status(jobId: string): Promise<JobStatus> {
    return jobStatus(this.ctx.sql, jobId);
  }

  /** Stop this process's workers (running attempts finish first) and close the transport. */
  async close(): Promise<void> {
    await this.maintenance?.stop();
    await this.pool?.stop();
    await this.transport.close();
  }
}

export function createEngine(options: EngineOptions): Engine {
  return new Engine(options);
}
