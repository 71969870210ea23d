import { Command } from 'commander';
import { loadConfig } from '@agentlane/core';
import { assertWorkerConfig, startWorker } from '@agentlane/worker';
import { openEngineContext } from '../engine-context.js';
import { intOption, repoOption } from '../options.js';

/** `agentlane worker`: the worker app (`@agentlane/worker`) until SIGINT/SIGTERM. */
export function workerCommand(): Command {
  return new Command('worker')
    .description('run engine_v2 tasks: BullMQ workers on REDIS_URL (or inline workers polling DATABASE_URL) until SIGINT/SIGTERM')
    .addOption(repoOption())
    .option('--roles <roles>', 'only these roles, comma-separated (default: every role, discovered as workflows use them)', (v: string) => v.split(',').map((r) => r.trim()).filter(Boolean))
    .option('--concurrency <n>', 'tasks at once (BullMQ: per role; default ENGINE_V2_WORKERS)', intOption(1, 256))
    .option('--asks', 'also run queued /ask loops from the BullMQ `ask` queue (needs REDIS_URL)')
    .action(async (opts: { repo: string; roles?: string[]; concurrency?: number; asks?: boolean }) => {
      assertWorkerConfig(loadConfig(), { asks: opts.asks ?? false });
      const ctx = await openEngineContext(opts.repo);
      try {
        const worker = await startWorker({
          sql: ctx.sql,
          config: ctx.config,
          logger: ctx.logger,
          repoRoot: ctx.repoRoot,
          asks: opts.asks ?? false,
          ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
          ...(opts.roles ? { roles: opts.roles } : {}),
        });
        process.stderr.write(`agentlane worker ${worker.describe()}\n`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        process.stderr.write('agentlane worker: stopping (running tasks finish first)\n');
        await worker.stop();
      } finally {
        await ctx.close();
      }
    });
}
