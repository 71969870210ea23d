#!/usr/bin/env node
/**
 * `agentlane-worker [--repo DIR] [--roles a,b] [--concurrency N] [--asks]`: the worker
 * process for every queue, for deployments that run workers apart from the CLI (the
 * same as `agentlane worker`). Stops on SIGINT/SIGTERM after running work finishes.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { coerceError, createLogger, loadConfig, EXIT_CODES } from '@agentlane/core';
import { openStore } from '@agentlane/store';
import { migrateEngine } from '@agentlane/engine';
import { assertWorkerConfig, startWorker } from './worker.js';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      repo: { type: 'string', default: '.' },
      roles: { type: 'string' },
      concurrency: { type: 'string' },
      asks: { type: 'boolean', default: false },
    },
  });
  const concurrency = values.concurrency === undefined ? undefined : Number(values.concurrency);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)) {
    process.stderr.write('agentlane-worker: --concurrency expects an integer from 1 to 256\n');
    return EXIT_CODES.usage;
  }
  const config = loadConfig();
  assertWorkerConfig(config, { asks: values.asks });
  const logger = createLogger({ level: config.logLevel, name: 'agentlane-worker' });
  const repoRoot = path.resolve(values.repo);
  const sql = await openStore({ config, repoRoot });
  try {
    await migrateEngine(sql);
    const worker = await startWorker({ sql, config, logger, repoRoot, asks: values.asks, ...(concurrency ? { concurrency } : {}), ...(values.roles ? { roles: values.roles.split(',').map((r) => r.trim()).filter(Boolean) } : {}) });
    process.stderr.write(`agentlane-worker ${worker.describe()}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    process.stderr.write('agentlane-worker: stopping (running work finishes first)\n');
    await worker.stop();
    return EXIT_CODES.ok;
  } finally {
    await sql.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const failure = coerceError(error);
    process.stderr.write(`agentlane-worker: error [${failure.code}]: ${failure.message}\n`);
    process.exit(failure.exitCode);
  },
);
