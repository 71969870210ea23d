import { AgentlaneError, type Config, type Logger } from '@agentlane/core';
import { engineFromConfig, type Engine } from '@agentlane/engine';
import { createAskService, type AskService } from '@agentlane/gitops';
import type { Sql } from '@agentlane/store';

export interface WorkerOptions {
  sql: Sql;
  config: Config;
  logger: Logger;
  /** The repository checkout `/ask` loops read cells, STATE and reports from. */
  repoRoot: string;
  /** Only these engine roles (default: every role, picked up as workflows use them). */
  roles?: string[];
  /** Engine tasks at once (BullMQ: per role). @defaultValue ENGINE_V2_WORKERS */
  concurrency?: number;
  /** Also run `/ask` loops from the BullMQ `ask` queue. */
  asks?: boolean;
}

export interface RunningWorker {
  engine: Engine;
  asks: AskService | undefined;
  /** One line for the operator: id, transport, roles, concurrency, lease, queues. */
  describe(): string;
  /** Stop taking work; running tasks and asks finish first. */
  stop(): Promise<void>;
}

/** Refuse, before any database is opened, a configuration no worker can serve. */
export function assertWorkerConfig(config: Config, options: { asks: boolean }): void {
  if (!config.redisUrl && !config.databaseUrl) {
    throw new AgentlaneError('CLI_USAGE', 'a worker needs REDIS_URL (BullMQ) or DATABASE_URL (inline workers polling PostgreSQL); the embedded PGlite database is single-process');
  }
  if (options.asks && !config.redisUrl) throw new AgentlaneError('CLI_USAGE', 'running /ask loops needs REDIS_URL: asks reach workers through the BullMQ `ask` queue');
}

/**
 * The worker process for every queue: engine_v2 tasks (BullMQ on REDIS_URL, or inline
 * workers polling PostgreSQL) and, with `asks`, the `/ask` loops `agentlane serve`
 * queued. The embedded PGlite database belongs to one process, so it is refused.
 */
export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  const { config } = options;
  assertWorkerConfig(config, { asks: options.asks ?? false });
  const concurrency = options.concurrency ?? config.engine.workers;
  const engine = await engineFromConfig(options.sql, config, { workers: concurrency, logger: options.logger, ...(options.roles ? { roles: options.roles } : {}) });
  let asks: AskService | undefined;
  try {
    if (options.asks) asks = await createAskService({ sql: options.sql, config, repoRoot: options.repoRoot, logger: options.logger });
  } catch (error) {
    await engine.close();
    throw error;
  }
  return {
    engine,
    asks,
    describe: () =>
      `${engine.ctx.options.workerId}: ${engine.transport.kind} transport, roles ${options.roles?.join(',') ?? 'all'}, concurrency ${concurrency}, lease ${engine.ctx.options.leaseMs} ms${asks ? `; /ask loops from the \`ask\` queue (${config.gitops.forge} forge)` : ''}`,
    async stop() {
      await asks?.close();
      await engine.close();
    },
  };
}
