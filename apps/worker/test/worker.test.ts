import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, silentLogger } from '@agentlane/core';
import { createEngine, migrateEngine, parseWorkflow } from '@agentlane/engine';
import { assertWorkerConfig, startWorker } from '@agentlane/worker';
import { createTestDatabase, type TestDatabase } from '../../../test/support/backends.js';
import { clearRedisPrefix, REDIS_URL, uniquePrefix } from '../../../packages/engine/test/support/engine.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('agentlane worker app', () => {
  let db: TestDatabase;
  const prefix = uniquePrefix('worker-app');

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await migrateEngine(db.sql);
  });
  afterAll(async () => {
    await clearRedisPrefix(REDIS_URL, prefix);
    await db.dispose();
  });

  it('refuses a configuration no worker can serve, before opening anything', () => {
    expect(() => assertWorkerConfig(loadConfig({}), { asks: false })).toThrow(expect.objectContaining({ code: 'CLI_USAGE' }));
    expect(() => assertWorkerConfig(loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/y' }), { asks: true })).toThrow(/needs REDIS_URL/);
    const run = spawnSync(process.execPath, [MAIN], { env: { ...process.env, DATABASE_URL: '', REDIS_URL: '' }, encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('agentlane-worker: error [CLI_USAGE]');
  });

  it('runs engine_v2 tasks a submit-only process queued on BullMQ, and the /ask queue with --asks', async () => {
    const config = loadConfig({ DATABASE_URL: db.url, REDIS_URL, ENGINE_V2_QUEUE_PREFIX: prefix, ENGINE_V2_LEASE_MS: '2000' });
    const worker = await startWorker({ sql: db.sql, config, logger: silentLogger, repoRoot: fileURLToPath(new URL('../../..', import.meta.url)), asks: true, concurrency: 2 });
    const submitter = createEngine({ sql: db.sql, workers: 0, transport: { kind: 'bullmq', url: REDIS_URL, prefix } });
    try {
      expect(worker.describe()).toMatch(/bullmq transport, roles all, concurrency 2, .*\/ask loops from the `ask` queue \(local forge\)/);
      const workflow = parseWorkflow({
        name: 'w',
        tasks: [
          { key: 'a', role: 'r', agent: 'noop' },
          { key: 'b', role: 'r', agent: 'noop' },
        ],
        dependencies: [['a', 'b']],
      });
      const status = await submitter.run(workflow);
      expect(status.status).toBe('succeeded');
      expect(status.tasks.map((t) => [t.key, t.status])).toEqual([
        ['a', 'succeeded'],
        ['b', 'succeeded'],
      ]);
    } finally {
      await submitter.close();
      await worker.stop();
    }
  });
});
