import path from 'node:path';
import { createLogger, loadConfig, type Config, type Logger } from '@agentlane/core';
import { openStore, type Sql } from '@agentlane/store';
import { BullmqTransport, createAgentRegistry, createEngine, migrateEngine, seedStubAgents, type Engine } from '@agentlane/engine';

/** The database with the engine_v2 schema, for `agentlane engine …` and `agentlane worker`. */
export interface EngineContext {
  config: Config;
  logger: Logger;
  repoRoot: string;
  sql: Sql;
  close(): Promise<void>;
}

export async function openEngineContext(repoPath: string, options: { migrate?: boolean } = {}): Promise<EngineContext> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  const repoRoot = path.resolve(repoPath);
  const sql = await openStore({ config, repoRoot });
  try {
    if (options.migrate !== false) await migrateEngine(sql);
  } catch (error) {
    await sql.close();
    throw error;
  }
  return { config, logger, repoRoot, sql, close: () => sql.close() };
}

/**
 * An engine per the configuration: BullMQ when REDIS_URL is set (after checking Redis
 * answers), else inline. `workers: 0` submits only. The registry holds the built-in agents
 * and the seed stand-ins, so `builtin:default` runs out of the box.
 */
export async function engineFor(ctx: EngineContext, options: { workers: number; roles?: string[]; forceInline?: boolean }): Promise<Engine> {
  const redisUrl = options.forceInline ? undefined : ctx.config.redisUrl;
  if (redisUrl) {
    const probe = new BullmqTransport({ url: redisUrl, prefix: ctx.config.engine.queuePrefix, logger: ctx.logger });
    try {
      await probe.ping();
    } finally {
      await probe.close();
    }
  }
  return createEngine({
    sql: ctx.sql,
    logger: ctx.logger,
    agents: createAgentRegistry(seedStubAgents()),
    transport: redisUrl ? { kind: 'bullmq', url: redisUrl, prefix: ctx.config.engine.queuePrefix } : { kind: 'inline' },
    workers: options.workers,
    ...(options.roles ? { roles: options.roles } : {}),
    leaseMs: ctx.config.engine.leaseMs,
    jobTimeoutMs: ctx.config.engine.jobTimeoutMs,
    stagingRoot: ctx.config.engine.stagingDir,
  });
}
