import { afterAll, describe, expect, it } from 'vitest';
import {
  BullmqTransport,
  TaskError,
  createAgentRegistry,
  createEngine,
  parseWorkflow,
  type Agent,
} from '../src/index.js';
import { claimNext } from '../src/scheduler/claim.js';
import { testBackends } from '../../../test/support/backends.js';
import { FAST, REDIS_URL, clearRedisPrefix, tempDir, uniquePrefix, useEngineDatabase, withEngine } from './support/engine.js';

const chain = (...keys: string[]) =>
  parseWorkflow({
    tasks: keys.map((key) => ({ key, role: 'r', agent: 'noop' })),
    dependencies: keys.slice(1).map((key, i) => [keys[i] as string, key]),
  });

/** An agent that waits until aborted, recording why it stopped. */
function hangingAgent(stops: string[]): Agent {
  return {
    name: 'hang',
    run: ({ signal }) =>
      new Promise((_, reject) => {
        signal.addEventListener('abort', () => {
          stops.push((signal.reason as { code: string }).code);
          reject(new TaskError('aborted', 'stopped'));
        }, { once: true });
      }),
  };
}

describe.each(testBackends())('scheduler faults on %s', (backend) => {
  const database = useEngineDatabase(backend);

  it('re-claims a task whose worker died once its lease expires, recording the dead attempt as failed', async () => {
    const sql = database.db.sql;
    const submitter = createEngine({ sql, workers: 0, ...FAST });
    const jobId = await submitter.submit(chain('a', 'b'), { input: {} });
    // A "worker" claims a and dies: no heartbeat, no completion.
    const dead = await claimNext(sql, { workerId: 'dead-worker', leaseMs: 1000 });
    expect(dead?.task_key).toBe('a');
    await withEngine({ sql, leaseMs: 1000 }, async (engine) => {
      const result = await engine.wait(jobId);
      expect(result.status).toBe('succeeded');
      expect(result.tasks.map((t) => [t.key, t.status, t.attempts])).toEqual([['a', 'succeeded', 2], ['b', 'succeeded', 1]]);
    });
    const attempts = await sql.query<{ attempt_no: number; status: string; worker_id: string; error: { code: string } | null }>(
      `SELECT a.attempt_no, a.status, a.worker_id, a.error FROM engine_v2.job_task_attempts a
       JOIN engine_v2.job_tasks t ON t.id = a.task_id WHERE t.job_id = $1 AND t.task_key = 'a' ORDER BY a.attempt_no`,
      [jobId],
    );
    expect(attempts.rows[0]).toMatchObject({ attempt_no: 1, status: 'failed', worker_id: 'dead-worker', error: { code: 'lease_expired' } });
    expect(attempts.rows[1]).toMatchObject({ attempt_no: 2, status: 'succeeded' });
    await submitter.close();
  });

  it('fails a job past its whole-job timeout with v2_timeout, stopping the running agent', async () => {
    const stops: string[] = [];
    const workflow = parseWorkflow({ timeout: '300ms', tasks: [{ key: 'slow', role: 'r', agent: 'hang' }, { key: 'after', role: 'r', agent: 'noop' }], dependencies: [['slow', 'after']] });
    await withEngine({ sql: database.db.sql, agents: createAgentRegistry([hangingAgent(stops)]) }, async (engine) => {
      const result = await engine.run(workflow);
      expect(result.status).toBe('failed');
      expect(result.errorCode).toBe('v2_timeout');
      expect(result.tasks.map((t) => [t.key, t.status, t.errorCode])).toEqual([['slow', 'canceled', 'v2_timeout'], ['after', 'canceled', 'v2_timeout']]);
    });
    expect(stops).toEqual(['v2_timeout']);
  });

  it('cancels a job: waiting and running tasks end canceled, the agent is stopped', async () => {
    const stops: string[] = [];
    const workflow = parseWorkflow({ tasks: [{ key: 'slow', role: 'r', agent: 'hang' }, { key: 'next', role: 'r', agent: 'noop' }], dependencies: [['slow', 'next']] });
    await withEngine({ sql: database.db.sql, agents: createAgentRegistry([hangingAgent(stops)]) }, async (engine) => {
      const jobId = await engine.submit(workflow);
      const started = new Promise<void>((resolve) => {
        void engine.wait(jobId, { onEvent: (e) => e.type === 'taskStarted' && resolve() });
      });
      await started;
      expect(await engine.cancel(jobId)).toBe(true);
      expect(await engine.cancel(jobId)).toBe(false);
      const result = await engine.wait(jobId);
      expect(result.status).toBe('canceled');
      expect(result.errorCode).toBe('v2_canceled');
      expect(result.tasks.map((t) => [t.key, t.status])).toEqual([['slow', 'canceled'], ['next', 'canceled']]);
      const attempts = await database.db.sql.query<{ status: string }>(
        `SELECT a.status FROM engine_v2.job_task_attempts a JOIN engine_v2.job_tasks t ON t.id = a.task_id WHERE t.job_id = $1`,
        [jobId],
      );
      expect(attempts.rows).toEqual([{ status: 'canceled' }]);
    });
    expect(stops).toEqual(['job_canceled']);
  });

  it('detects a deadlock (a cycle written behind the validator) and fails with v2_dag_deadlock', async () => {
    const sql = database.db.sql;
    const submitter = createEngine({ sql, workers: 0, ...FAST });
    const jobId = await submitter.submit(chain('a', 'b', 'c'));
    await submitter.close();
    // Corrupt the stored DAG: c → a closes a cycle, and a goes back to waiting.
    await sql.query(
      `INSERT INTO engine_v2.job_task_dependencies (predecessor_task_id, successor_task_id)
       SELECT (SELECT id FROM engine_v2.job_tasks WHERE job_id = $1 AND task_key = 'c'), (SELECT id FROM engine_v2.job_tasks WHERE job_id = $1 AND task_key = 'a')`,
      [jobId],
    );
    await sql.query(`UPDATE engine_v2.job_tasks SET status = 'pending', ready_at = NULL, run_after = NULL WHERE job_id = $1 AND task_key = 'a'`, [jobId]);
    await withEngine({ sql }, async (engine) => {
      const result = await engine.wait(jobId);
      expect(result.status).toBe('failed');
      expect(result.errorCode).toBe('v2_dag_deadlock');
      expect(result.errorMessage).toContain('a, b, c');
      expect(result.tasks.every((t) => t.status === 'canceled' && t.errorCode === 'v2_dag_deadlock')).toBe(true);
    });
    const events = await sql.query<{ event_type: string; data: { error_code?: string } }>(
      `SELECT event_type, data FROM engine_v2.job_task_events WHERE job_id = $1 AND event_type = 'jobFinished'`,
      [jobId],
    );
    expect(events.rows[0]?.data.error_code).toBe('v2_dag_deadlock');
  });

  it('rejects a cyclic workflow at submit: nothing is stored', async () => {
    const sql = database.db.sql;
    const before = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM engine_v2.job_runs');
    const error = (() => {
      try {
        return parseWorkflow({ tasks: [{ key: 'x', role: 'r', agent: 'noop' }, { key: 'y', role: 'r', agent: 'noop' }], dependencies: [['x', 'y'], ['y', 'x']] });
      } catch (e) {
        return e;
      }
    })();
    expect((error as { code: string }).code).toBe('ENGINE_WORKFLOW_CYCLE');
    const unknownAgent = await withEngine({ sql }, (engine) => engine.submit(parseWorkflow({ tasks: [{ key: 'x', role: 'r', agent: 'nobody' }] })).catch((e: unknown) => e));
    expect((unknownAgent as { code: string }).code).toBe('ENGINE_AGENT_UNKNOWN');
    const after = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM engine_v2.job_runs');
    expect(after.rows[0]?.n).toBe(before.rows[0]?.n);
  });

  it('records usage, artifacts and partial results (large ones as artifacts)', async () => {
    const agent: Agent = {
      name: 'rich',
      async run({ partial }) {
        await partial({ step: 1 });
        await partial({ blob: 'x'.repeat(70 * 1024) });
        return { output: { ok: true }, artifacts: [{ kind: 'code', content: { path: 'index.html', content: '<html>' } }], usage: { tokensIn: 10, tokensOut: 5, costUsd: 0.0012 } };
      },
    };
    await withEngine({ sql: database.db.sql, agents: createAgentRegistry([agent]) }, async (engine) => {
      const events: { type: string; data: Record<string, unknown> }[] = [];
      const result = await engine.run(parseWorkflow({ tasks: [{ key: 'only', role: 'r', agent: 'rich' }] }), { onEvent: (e) => events.push(e) });
      expect(result.costUsd).toBeCloseTo(0.0012);
      const partials = events.filter((e) => e.type === 'partialResult').map((e) => e.data);
      expect(partials[0]).toMatchObject({ ref: 'inline', data: { step: 1 } });
      expect(partials[1]).toMatchObject({ ref: 'artifact' });
      expect(partials[1]?.uri).toMatch(/^artifact:/);
      const kinds = await database.db.sql.query<{ kind: string }>('SELECT kind FROM engine_v2.job_task_artifacts WHERE job_id = $1 ORDER BY kind', [result.jobId]);
      expect(kinds.rows.map((r) => r.kind)).toEqual(['code', 'partial']);
      const attempt = await database.db.sql.query<{ tokens_in: number; tokens_out: number; latency_ms: number }>(
        'SELECT tokens_in, tokens_out, latency_ms FROM engine_v2.job_task_attempts a JOIN engine_v2.job_tasks t ON t.id = a.task_id WHERE t.job_id = $1',
        [result.jobId],
      );
      expect(attempt.rows[0]).toMatchObject({ tokens_in: 10, tokens_out: 5 });
      expect(attempt.rows[0]?.latency_ms).toBeGreaterThanOrEqual(0);
    });
  });
});

describe.runIf(testBackends().includes('postgres'))('BullMQ delivery on postgres + Redis', () => {
  const database = useEngineDatabase('postgres');
  const prefix = uniquePrefix('dup');
  afterAll(async () => {
    await clearRedisPrefix(REDIS_URL, prefix);
  });

  it('runs a task once even when BullMQ delivers it several times', async () => {
    let runs = 0;
    const counting: Agent = {
      name: 'count',
      async run() {
        runs += 1;
        await new Promise((r) => setTimeout(r, 50));
        return { output: { runs } };
      },
    };
    const transport = { kind: 'bullmq' as const, url: REDIS_URL, prefix };
    const agents = createAgentRegistry([counting]);
    const submitter = createEngine({ sql: database.db.sql, agents, workers: 0, transport, ...FAST });
    const jobId = await submitter.submit(parseWorkflow({ tasks: [{ key: 'once', role: 'dup', agent: 'count' }] }));
    // Extra messages for the same task under other ids (as a re-dispatch or a stalled job would make).
    const { rows } = await database.db.sql.query<{ id: string }>(`SELECT id FROM engine_v2.job_tasks WHERE job_id = $1`, [jobId]);
    const direct = new BullmqTransport({ url: REDIS_URL, prefix, logger: submitter.ctx.logger });
    for (let i = 1; i <= 3; i += 1) await direct.dispatch([{ id: rows[0]?.id as string, jobId, role: 'dup', attempt: 100 + i, runAfter: new Date() }]);
    await direct.close();
    const pools = [1, 2].map(() => createEngine({ sql: database.db.sql, agents, workers: 4, roles: ['dup'], transport, stagingRoot: tempDir('staging'), ...FAST }));
    const result = await submitter.wait(jobId);
    await new Promise((r) => setTimeout(r, 300));
    await Promise.all([submitter, ...pools].map((e) => e.close()));
    expect(result.status).toBe('succeeded');
    expect(runs).toBe(1);
    expect(result.tasks[0]?.attempts).toBe(1);
  });

  it('reports ENGINE_QUEUE_UNAVAILABLE when Redis cannot be reached', async () => {
    const transport = new BullmqTransport({ url: 'redis://127.0.0.1:1', prefix, logger: createEngine({ sql: database.db.sql, workers: 0 }).ctx.logger });
    const error = await transport.ping(500).catch((e: unknown) => e);
    await transport.close();
    expect((error as { code: string }).code).toBe('ENGINE_QUEUE_UNAVAILABLE');
  });
});
