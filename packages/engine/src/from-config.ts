import type { Config, Logger } from '@agentlane/core';
import type { Sql } from '@agentlane/store';
import { createAgentRegistry } from './agents/registry.js';
import { seedStubAgents } from './agents/stubs.js';
import type { Agent } from './agents/types.js';
import { createEngine, type Engine } from './engine.js';
import { BullmqTransport } from './transport/bullmq.js';

export interface EngineFromConfigOptions {
  /** Tasks this process runs at once; 0 submits only. */
  workers: number;
  roles?: string[];
  /** Inline even when REDIS_URL is set (the kill-switch drill). */
  forceInline?: boolean;
  /** Agents beside the built-ins and the seed's stand-ins. */
  agents?: readonly Agent[];
  logger: Logger;
}

/**
 * The engine the configuration describes: BullMQ when REDIS_URL is set (after checking
 * Redis answers, so a typo fails now and not at the first task), else inline; lease,
 * job timeout and staging root from ENGINE_V2_*. The registry holds the built-in agents
 * and the seed's stand-ins, so `builtin:default` runs out of the box.
 */
export async function engineFromConfig(sql: Sql, config: Config, options: EngineFromConfigOptions): Promise<Engine> {
  const redisUrl = options.forceInline ? undefined : config.redisUrl;
  if (redisUrl) {
    const probe = new BullmqTransport({ url: redisUrl, prefix: config.engine.queuePrefix, logger: options.logger });
    try {
      await probe.ping();
    } finally {
      await probe.close();
    }
  }
  return createEngine({
    sql,
    logger: options.logger,
    agents: createAgentRegistry([...seedStubAgents(), ...(options.agents ?? [])]),
    transport: redisUrl ? { kind: 'bullmq', url: redisUrl, prefix: config.engine.queuePrefix } : { kind: 'inline' },
    workers: options.workers,
    ...(options.roles ? { roles: options.roles } : {}),
    leaseMs: config.engine.leaseMs,
    jobTimeoutMs: config.engine.jobTimeoutMs,
    stagingRoot: config.engine.stagingDir,
  });
}
