import { Command } from 'commander';
import { AgentlaneError, loadConfig } from '@agentlane/core';
import { createAskService, type AskService } from '@agentlane/gitops';
import { engineFor, openEngineContext } from '../engine-context.js';
import { intOption, repoOption } from '../options.js';

/** `agentlane worker`: run engine_v2 tasks from BullMQ (REDIS_URL) or by polling PostgreSQL, until SIGINT/SIGTERM. */
export function workerCommand(): Command {
  return new Command('worker')
    .description('run engine_v2 tasks: BullMQ workers on REDIS_URL (or inline workers polling DATABASE_URL) until SIGINT/SIGTERM')
    .addOption(repoOption())
    .option('--roles <roles>', 'only these roles, comma-separated (default: every role, discovered as workflows use them)', (v: string) => v.split(',').map((r) => r.trim()).filter(Boolean))
    .option('--concurrency <n>', 'tasks at once (BullMQ: per role; default ENGINE_V2_WORKERS)', intOption(1, 256))
    .option('--asks', 'also run queued /ask loops from the BullMQ `ask` queue (needs REDIS_URL)')
    .action(async (opts: { repo: string; roles?: string[]; concurrency?: number; asks?: boolean }) => {
      const config = loadConfig();
      if (!config.redisUrl && !config.databaseUrl) {
        throw new AgentlaneError('CLI_USAGE', 'agentlane worker needs REDIS_URL (BullMQ) or DATABASE_URL (inline workers polling PostgreSQL); the embedded PGlite database is single-process');
      }
      if (opts.asks && !config.redisUrl) throw new AgentlaneError('CLI_USAGE', 'agentlane worker --asks needs REDIS_URL: asks reach workers through the BullMQ `ask` queue');
      const ctx = await openEngineContext(opts.repo);
      let asks: AskService | undefined;
      try {
        const engine = await engineFor(ctx, { workers: opts.concurrency ?? ctx.config.engine.workers, ...(opts.roles ? { roles: opts.roles } : {}) });
        process.stderr.write(
          `agentlane worker ${engine.ctx.options.workerId}: ${engine.transport.kind} transport, roles ${opts.roles?.join(',') ?? 'all'}, concurrency ${opts.concurrency ?? ctx.config.engine.workers}, lease ${engine.ctx.options.leaseMs} ms\n`,
        );
        if (opts.asks) {
          asks = await createAskService({ sql: ctx.sql, config: ctx.config, repoRoot: ctx.repoRoot, logger: ctx.logger });
          process.stderr.write(`agentlane worker: running /ask loops from the \`ask\` queue (${ctx.config.gitops.forge} forge)\n`);
        }
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        process.stderr.write('agentlane worker: stopping (running tasks finish first)\n');
        await asks?.close();
        await engine.close();
      } finally {
        await ctx.close();
      }
    });
}
