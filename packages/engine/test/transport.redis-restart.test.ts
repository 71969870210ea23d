import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentRegistry, createEngine, parseWorkflow, type Agent } from '../src/index.js';
import { testBackends } from '../../../test/support/backends.js';
import { FAST, tempDir, uniquePrefix, useEngineDatabase } from './support/engine.js';
import { privateRedis, type PrivateRedis } from './support/redis-server.js';

/**
 * Redis dies mid-run and comes back empty (no persistence: the worst case). The tasks
 * are ready or running in Postgres; the reconciler re-dispatches the ready ones, so the
 * job finishes with every task run exactly once.
 */
describe.runIf(testBackends().includes('postgres'))('BullMQ transport across a Redis restart (postgres)', () => {
  const database = useEngineDatabase('postgres');
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await privateRedis();
    await redis.start();
  });
  afterAll(async () => {
    await redis?.kill();
  });

  it('loses no task when Redis restarts without its data', async () => {
    const runs = new Map<string, number>();
    let finished = 0;
    const work: Agent = {
      name: 'work',
      async run({ task }) {
        runs.set(task.key, (runs.get(task.key) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 120));
        finished += 1;
        return { output: { key: task.key } };
      },
    };
    const middle = Array.from({ length: 24 }, (_, i) => `m${i}`);
    const workflow = parseWorkflow({
      tasks: [{ key: 'start', role: 'w', agent: 'work' }, ...middle.map((key) => ({ key, role: 'w', agent: 'work' })), { key: 'end', role: 'w', agent: 'work' }],
      dependencies: [...middle.map((key) => ['start', key]), ...middle.map((key) => [key, 'end'])],
    });
    const transport = { kind: 'bullmq' as const, url: redis.url, prefix: uniquePrefix('restart') };
    const agents = createAgentRegistry([work]);
    const engine = createEngine({ sql: database.db.sql, agents, workers: 3, roles: ['w'], transport, stagingRoot: tempDir('staging'), ...FAST });
    try {
      const jobId = await engine.submit(workflow);
      while (finished < 6) await new Promise((r) => setTimeout(r, 20));
      await redis.kill();
      await new Promise((r) => setTimeout(r, 1000));
      await redis.start();
      const result = await engine.wait(jobId);
      expect(result.status).toBe('succeeded');
      expect(result.tasks.every((t) => t.status === 'succeeded')).toBe(true);
      expect([...runs.values()].every((n) => n === 1)).toBe(true);
      expect(runs.size).toBe(26);
      const redispatched = await database.db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM engine_v2.job_tasks WHERE job_id = $1 AND dispatched_at IS NOT NULL', [jobId]);
      expect(redispatched.rows[0]?.n).toBeGreaterThan(0);
    } finally {
      await engine.close();
    }
  });
});
