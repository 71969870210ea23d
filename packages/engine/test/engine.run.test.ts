import { describe, expect, it } from 'vitest';
import { createAgentRegistry, defaultWorkflow, parseWorkflow, seedStubAgents, type EngineEvent } from '../src/index.js';
import { testBackends } from '../../../test/support/backends.js';
import { useEngineDatabase, withEngine } from './support/engine.js';

describe.each(testBackends())('engine runs workflows inline on %s', (backend) => {
  const database = useEngineDatabase(backend);
  const agents = () => createAgentRegistry(seedStubAgents());

  it('runs the seed default workflow: fix skipped when qa finds no issues, output from publish_prep', async () => {
    await withEngine({ sql: database.db.sql, agents: agents() }, async (engine) => {
      const events: EngineEvent[] = [];
      const result = await engine.run(defaultWorkflow(), { input: { message: 'make a game' }, onEvent: (e) => events.push(e) });
      expect(result.status).toBe('succeeded');
      const states = Object.fromEntries(result.tasks.map((t) => [t.key, t.status]));
      expect(states).toEqual({ intent: 'succeeded', plan: 'succeeded', codegen: 'succeeded', asset: 'succeeded', qa_review: 'succeeded', fix: 'skipped', publish_prep: 'succeeded' });
      expect(result.output).toMatchObject({ ready: true, files: [{ path: 'index.html' }] });
      expect(result.progress).toBe(100);
      const types = events.map((e) => e.type);
      expect(types[0]).toBe('jobStarted');
      expect(types.at(-1)).toBe('jobFinished');
      expect(events.find((e) => e.type === 'taskSkipped')?.data).toMatchObject({ task_key: 'fix' });
      const done = events.filter((e) => e.type === 'taskDone').map((e) => e.data.progress as number);
      expect(done).toEqual([...done].sort((a, b) => a - b));
      expect(done.at(-1)).toBe(100);
    });
  });

  it("skips everything after intent when intent === 'chat'", async () => {
    await withEngine({ sql: database.db.sql, agents: agents() }, async (engine) => {
      const result = await engine.run(defaultWorkflow(), { input: { intent: 'chat' } });
      expect(result.status).toBe('succeeded');
      expect(result.tasks.map((t) => `${t.key}:${t.status}`)).toEqual([
        'intent:succeeded', 'plan:skipped', 'codegen:skipped', 'asset:skipped', 'qa_review:skipped', 'fix:skipped', 'publish_prep:skipped',
      ]);
    });
  });

  it('runs fix when qa_review reports issues', async () => {
    await withEngine({ sql: database.db.sql, agents: agents() }, async (engine) => {
      const result = await engine.run(defaultWorkflow(), { input: { qa_issues: 2 } });
      expect(result.tasks.find((t) => t.key === 'fix')?.status).toBe('succeeded');
    });
  });

  it('retries a failing task up to max_attempts, then cancels exactly its downstream', async () => {
    const registry = createAgentRegistry([{ name: 'boom', async run() { throw new Error('kaput'); } }]);
    const workflow = parseWorkflow({
      tasks: [
        { key: 'a', role: 'r', agent: 'noop' },
        { key: 'b', role: 'r', agent: 'boom', max_attempts: 3 },
        { key: 'c', role: 'r', agent: 'noop' },
        { key: 'd', role: 'r', agent: 'noop' },
        { key: 'e', role: 'r', agent: 'noop' },
      ],
      dependencies: [['a', 'b'], ['b', 'c'], ['a', 'd'], ['c', 'e'], ['d', 'e']],
    });
    await withEngine({ sql: database.db.sql, agents: registry }, async (engine) => {
      const result = await engine.run(workflow);
      expect(result.status).toBe('failed');
      expect(result.errorCode).toBe('v2_task_failed');
      expect(Object.fromEntries(result.tasks.map((t) => [t.key, [t.status, t.attempts, t.errorCode]]))).toEqual({
        a: ['succeeded', 1, null],
        b: ['failed', 3, 'agent_error'],
        c: ['canceled', 0, 'upstream_failed'],
        d: ['succeeded', 1, null],
        e: ['canceled', 0, 'upstream_failed'],
      });
      const attempts = await database.db.sql.query<{ status: string; error: { code: string; message: string } }>(
        `SELECT a.status, a.error FROM engine_v2.job_task_attempts a JOIN engine_v2.job_tasks t ON t.id = a.task_id
         WHERE t.job_id = $1 AND t.task_key = 'b' ORDER BY a.attempt_no`,
        [result.jobId],
      );
      expect(attempts.rows.map((r) => r.status)).toEqual(['failed', 'failed', 'failed']);
      expect(attempts.rows[0]?.error).toMatchObject({ code: 'agent_error', message: 'kaput' });
    });
  });
});
