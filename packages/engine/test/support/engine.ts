import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { createEngine, migrateEngine, type Engine, type EngineOptions } from '../../src/index.js';
import { createTestDatabase, type BackendName, type TestDatabase } from '../../../../test/support/backends.js';

export const REDIS_URL = process.env.AGENTLANE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh database with the engine_v2 schema for the suite (dropped afterwards). */
export function useEngineDatabase(backend: BackendName): { readonly db: TestDatabase } {
  const holder: { db: TestDatabase | undefined } = { db: undefined };
  beforeAll(async () => {
    holder.db = await createTestDatabase(backend);
    await migrateEngine(holder.db.sql);
  });
  afterAll(async () => {
    await holder.db?.dispose();
  });
  return {
    get db() {
      if (!holder.db) throw new Error('database not ready');
      return holder.db;
    },
  };
}

/** A BullMQ key prefix no other test shares. */
export function uniquePrefix(name: string): string {
  return `t-${name}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function tempDir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `agentlane-${name}-`));
}

/** Fast scheduler settings for tests: short polls, backoff and maintenance. */
export const FAST: Partial<EngineOptions> = {
  pollIntervalMs: 20,
  retryBackoffMs: 10,
  maxRetryBackoffMs: 50,
  maintenanceIntervalMs: 100,
  redispatchAfterMs: 500,
};

export async function withEngine<T>(options: EngineOptions, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = createEngine({ stagingRoot: tempDir('staging'), ...FAST, ...options });
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

/** Delete every Redis key under a test's BullMQ prefix. */
export async function clearRedisPrefix(url: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
  try {
    await client.connect();
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}
