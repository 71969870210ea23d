import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createAgentRegistry,
  createEngine,
  evaluateCondition,
  parseWorkflow,
  predecessorsOf,
  simulate,
  upstreamOf,
  TaskError,
  type Agent,
  type Condition,
  type Engine,
  type JobStatus,
  type Workflow,
} from '../src/index.js';
import type { Sql } from '@agentlane/store';
import { testBackends, type BackendName } from '../../../test/support/backends.js';
import { FAST, REDIS_URL, clearRedisPrefix, tempDir, uniquePrefix, useEngineDatabase } from './support/engine.js';

/**
 * Random DAGs with random failing, flaky and slow tasks and random skip conditions, run
 * by several workers on each transport. After each run the database must show exactly
 * what the pure DAG rules (`simulate`) predict, whatever the interleaving: one terminal
 * state per task, failures cancelling exactly their downstream, skips satisfying their
 * successors, and no attempt of a task overlapping another.
 */
type Behaviour = 'ok' | 'fail' | 'flaky' | 'slow';

interface TaskSpec {
  behaviour: Behaviour;
  value: number;
  role: 'a' | 'b';
  maxAttempts: number;
  skip?: { ancestor: number; equals: number; cascade: boolean };
}

interface Case {
  n: number;
  edges: [number, number][];
  specs: TaskSpec[];
  workers: number;
  pools: number;
}

const caseArbitrary: fc.Arbitrary<Case> = fc.integer({ min: 2, max: 7 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges: fc.uniqueArray(
      fc.tuple(fc.nat(n - 2), fc.nat(n - 2)).map(([a, d]): [number, number] => [a, Math.min(n - 1, a + 1 + (d % (n - 1 - a)))]),
      { selector: ([a, b]) => `${a}-${b}`, maxLength: 12 },
    ),
    specs: fc.array(
      fc.record({
        behaviour: fc.constantFrom<Behaviour>('ok', 'ok', 'ok', 'fail', 'flaky', 'slow'),
        value: fc.nat(2),
        role: fc.constantFrom<'a' | 'b'>('a', 'b'),
        maxAttempts: fc.integer({ min: 1, max: 3 }),
        skip: fc.option(fc.record({ ancestor: fc.nat(20), equals: fc.nat(2), cascade: fc.boolean() }), { nil: undefined }),
      }),
      { minLength: n, maxLength: n },
    ),
    workers: fc.integer({ min: 1, max: 4 }),
    pools: fc.integer({ min: 1, max: 3 }),
  }),
);

function buildWorkflow(c: Case): Workflow {
  const keys = Array.from({ length: c.n }, (_, i) => `t${i}`);
  const edges = c.edges.map(([a, b]) => [`t${a}`, `t${b}`] as [string, string]);
  const tasks = c.specs.map((spec, i) => {
    const key = `t${i}`;
    const ancestors = [...upstreamOf(key, keys, edges)].sort();
    const skip = spec.skip && ancestors.length > 0 ? spec.skip : undefined;
    const maxAttempts = spec.behaviour === 'flaky' ? Math.max(2, spec.maxAttempts) : spec.maxAttempts;
    return {
      key,
      role: spec.role,
      agent: 'scripted',
      max_attempts: maxAttempts,
      weight: 1 + (i % 3),
      with: { behaviour: spec.behaviour, value: spec.value },
      ...(skip
        ? { skip_if: { task: ancestors[skip.ancestor % ancestors.length] as string, path: 'v', equals: skip.equals }, skip_downstream: skip.cascade }
        : {}),
    };
  });
  return parseWorkflow({ name: 'property', tasks, dependencies: edges });
}

function expectedStates(workflow: Workflow): Map<string, string> {
  const keys = workflow.tasks.map((t) => t.key);
  const byKey = new Map(workflow.tasks.map((t) => [t.key, t]));
  const states = simulate(
    keys,
    workflow.dependencies,
    (key) => {
      const w = byKey.get(key)?.with as { behaviour: Behaviour; value: number };
      return w.behaviour === 'fail' ? { status: 'failed' } : { status: 'succeeded', output: { v: w.value } };
    },
    (key, outputs) => {
      const task = byKey.get(key);
      return task?.skipIf ? { holds: evaluateCondition(task.skipIf as Condition, outputs), cascade: task.skipDownstream, reason: 'skip_if' } : undefined;
    },
  );
  return new Map([...states].map(([k, v]) => [k, v.status]));
}

/** The test agent: behaves as its task says and records overlapping executions. */
function scriptedAgent(overlaps: string[]): Agent {
  const active = new Map<string, number>();
  return {
    name: 'scripted',
    async run({ jobId, task, attempt, signal }) {
      const id = `${jobId}/${task.key}`;
      const now = (active.get(id) ?? 0) + 1;
      active.set(id, now);
      if (now > 1) overlaps.push(id);
      try {
        const w = task.with as { behaviour: Behaviour; value: number };
        const sleep = w.behaviour === 'slow' ? 20 + (w.value * 15) : 1;
        await new Promise((resolve) => setTimeout(resolve, sleep));
        if (signal.aborted) throw new TaskError('aborted', 'aborted');
        if (w.behaviour === 'fail') throw new TaskError('scripted_fail', 'fails on purpose');
        if (w.behaviour === 'flaky' && attempt === 1) throw new TaskError('scripted_flaky', 'fails the first time');
        return { output: { v: w.value } };
      } finally {
        active.set(id, (active.get(id) ?? 1) - 1);
      }
    },
  };
}

async function checkRun(sql: Sql, workflow: Workflow, result: JobStatus, overlaps: string[]): Promise<void> {
  const expected = expectedStates(workflow);
  const actual = new Map(result.tasks.map((t) => [t.key, t.status]));
  expect(actual).toEqual(expected);
  expect(result.status).toBe([...expected.values()].includes('failed') ? 'failed' : 'succeeded');
  expect(overlaps).toEqual([]);

  const attempts = await sql.query<{ task_key: string; attempt_no: number; status: string; started_at: Date; ended_at: Date | null }>(
    `SELECT t.task_key, a.attempt_no, a.status, a.started_at, a.ended_at
     FROM engine_v2.job_task_attempts a JOIN engine_v2.job_tasks t ON t.id = a.task_id
     WHERE t.job_id = $1 ORDER BY t.task_key, a.attempt_no`,
    [result.jobId],
  );
  const events = await sql.query<{ task_key: string; event_type: string; will_retry: boolean | null }>(
    `SELECT data ->> 'task_key' AS task_key, event_type, (data ->> 'will_retry')::boolean AS will_retry
     FROM engine_v2.job_task_events WHERE job_id = $1 AND task_id IS NOT NULL`,
    [result.jobId],
  );
  for (const task of result.tasks) {
    const mine = attempts.rows.filter((a) => a.task_key === task.key);
    expect(mine.map((a) => a.attempt_no)).toEqual(Array.from({ length: task.attempts }, (_, i) => i + 1));
    expect(task.attempts).toBeLessThanOrEqual(task.maxAttempts);
    for (let i = 0; i + 1 < mine.length; i += 1) {
      const [prev, next] = [mine[i], mine[i + 1]] as [(typeof mine)[number], (typeof mine)[number]];
      expect(prev.ended_at).not.toBeNull();
      expect((prev.ended_at as Date).getTime()).toBeLessThanOrEqual(next.started_at.getTime());
    }
    expect(mine.every((a) => a.status !== 'running')).toBe(true);
    const terminalEvents = events.rows.filter(
      (e) => e.task_key === task.key && (['taskDone', 'taskSkipped', 'taskCanceled'].includes(e.event_type) || (e.event_type === 'taskFailed' && e.will_retry === false)),
    );
    expect(terminalEvents).toHaveLength(1);
    if (task.status === 'canceled') expect(task.errorCode).toBe('upstream_failed');
    if (task.attempts > 0) {
      for (const pred of predecessorsOf(task.key, workflow.dependencies)) expect(['succeeded', 'skipped']).toContain(actual.get(pred));
    }
  }
}

const RUNS: Record<BackendName, number> = { postgres: 25, pglite: 15 };

describe.each(testBackends())('scheduler properties, inline transport on %s', (backend) => {
  const database = useEngineDatabase(backend);

  it('random DAGs end exactly as the DAG rules predict', async () => {
    await fc.assert(
      fc.asyncProperty(caseArbitrary, async (c) => {
        const workflow = buildWorkflow(c);
        const overlaps: string[] = [];
        const agents = createAgentRegistry([scriptedAgent(overlaps)]);
        // Several engines on one database = several worker processes (on PGlite: one connection, still N workers).
        const engines: Engine[] = Array.from({ length: backend === 'pglite' ? 1 : c.pools }, () =>
          createEngine({ sql: database.db.sql, agents, workers: c.workers, stagingRoot: tempDir('staging'), ...FAST }),
        );
        try {
          const result = await (engines[0] as Engine).run(workflow);
          await checkRun(database.db.sql, workflow, result, overlaps);
        } finally {
          await Promise.all(engines.map((e) => e.close()));
        }
      }),
      { numRuns: RUNS[backend] },
    );
  });
});

describe.runIf(testBackends().includes('postgres'))('scheduler properties, BullMQ transport on postgres + Redis', () => {
  const database = useEngineDatabase('postgres');
  const prefix = uniquePrefix('prop');
  afterAll(async () => {
    await clearRedisPrefix(REDIS_URL, prefix);
  });

  it('random DAGs end exactly as the DAG rules predict, with several worker pools', async () => {
    await fc.assert(
      fc.asyncProperty(caseArbitrary, async (c) => {
        const workflow = buildWorkflow(c);
        const overlaps: string[] = [];
        const agents = createAgentRegistry([scriptedAgent(overlaps)]);
        const transport = { kind: 'bullmq' as const, url: REDIS_URL, prefix };
        const submitter = createEngine({ sql: database.db.sql, agents, workers: 0, transport, ...FAST });
        const pools = Array.from({ length: c.pools }, () =>
          createEngine({ sql: database.db.sql, agents, workers: c.workers, roles: ['a', 'b'], transport, stagingRoot: tempDir('staging'), ...FAST }),
        );
        try {
          const result = await submitter.run(workflow);
          await checkRun(database.db.sql, workflow, result, overlaps);
        } finally {
          await Promise.all([submitter, ...pools].map((e) => e.close()));
        }
      }),
      { numRuns: 10 },
    );
  });
});
