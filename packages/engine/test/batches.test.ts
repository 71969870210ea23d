import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Sql } from '@agentlane/store';
import { BullmqTransport, createEngine, parseWorkflow, type Engine, type Workflow } from '../src/index.js';
import { claimMany, claimNext, claimTask, type ClaimedTask } from '../src/scheduler/claim.js';
import { completeFailure, completeSuccessMany, type AttemptRef, type SuccessItem } from '../src/scheduler/complete.js';
import type { GroupCommit } from '../src/scheduler/group-commit.js';
import { testBackends } from '../../../test/support/backends.js';
import { FAST, REDIS_URL, uniquePrefix, useEngineDatabase } from './support/engine.js';

/**
 * The batch functions of migration 0003 (claim_many, complete_success_many) through their
 * TypeScript wrappers, on a real database. Every test uses its own role, so a claim by
 * role only ever sees that test's tasks even though the suite shares one database.
 */

const LEASE_MS = 60_000;

function workflowOf(role: string, tasks: string[], dependencies: [string, string][] = []): Workflow {
  return parseWorkflow({ tasks: tasks.map((key) => ({ key, role, agent: 'noop' })), dependencies });
}

function refOf(task: ClaimedTask): AttemptRef {
  return { taskId: task.id, jobId: task.job_id, taskKey: task.task_key, attemptNo: task.attempt_count, attemptId: task.attempt_id };
}

function success(task: ClaimedTask, output: unknown = { key: task.task_key }): SuccessItem {
  return { attempt: refOf(task), result: { output: output as never }, latencyMs: 5 };
}

async function taskIdsOf(sql: Sql, jobId: string): Promise<Record<string, string>> {
  const { rows } = await sql.query<{ id: string; task_key: string }>('SELECT id, task_key FROM engine_v2.job_tasks WHERE job_id = $1', [jobId]);
  return Object.fromEntries(rows.map((r) => [r.task_key, r.id]));
}

async function taskRows(sql: Sql, ids: readonly string[]) {
  const { rows } = await sql.query<{ id: string; task_key: string; status: string; attempt_count: number; worker_id: string | null; lease_expires_at: Date | null; output: unknown }>(
    'SELECT id, task_key, status, attempt_count, worker_id, lease_expires_at, output FROM engine_v2.job_tasks WHERE id = ANY ($1::uuid[])',
    [[...ids]],
  );
  return new Map(rows.map((r) => [r.id, r]));
}

async function attemptRows(sql: Sql, ids: readonly string[]) {
  const { rows } = await sql.query<{ id: string; task_id: string; attempt_no: number; status: string; worker_id: string | null; error: { code: string } | null; latency_ms: number | null }>(
    'SELECT id, task_id, attempt_no, status, worker_id, error, latency_ms FROM engine_v2.job_task_attempts WHERE task_id = ANY ($1::uuid[]) ORDER BY task_id, attempt_no',
    [[...ids]],
  );
  return rows;
}

async function eventCounts(sql: Sql, ids: readonly string[], type: string): Promise<Map<string, number>> {
  const { rows } = await sql.query<{ task_id: string; n: number }>(
    'SELECT task_id, count(*)::int AS n FROM engine_v2.job_task_events WHERE task_id = ANY ($1::uuid[]) AND event_type = $2 GROUP BY task_id',
    [[...ids], type],
  );
  return new Map(rows.map((r) => [r.task_id, r.n]));
}

function duplicates(values: readonly string[]): string[] {
  return values.filter((v, i) => values.indexOf(v) !== i);
}

/** Checks the rows a claim writes: task running under this worker, one running attempt, one taskStarted. */
async function expectClaimedOnce(sql: Sql, claimed: readonly ClaimedTask[], workerOf: (task: ClaimedTask) => string): Promise<void> {
  const ids = claimed.map((t) => t.id);
  const tasks = await taskRows(sql, ids);
  const attempts = await attemptRows(sql, ids);
  const started = await eventCounts(sql, ids, 'taskStarted');
  for (const task of claimed) {
    const row = tasks.get(task.id);
    expect(row, `task ${task.id} exists`).toBeDefined();
    expect(row?.status, `task ${task.task_key} is running after its claim`).toBe('running');
    expect(row?.attempt_count, `task ${task.task_key} is on its first attempt`).toBe(1);
    expect(row?.worker_id, `task ${task.task_key} is held by the worker that claimed it`).toBe(workerOf(task));
    expect(row?.lease_expires_at, `task ${task.task_key} has a lease`).not.toBeNull();
    const own = attempts.filter((a) => a.task_id === task.id);
    expect(own, `task ${task.task_key}: exactly one attempt row, running, numbered 1`).toEqual([
      expect.objectContaining({ id: task.attempt_id, attempt_no: 1, status: 'running', worker_id: workerOf(task) }),
    ]);
    expect(started.get(task.id), `task ${task.task_key}: exactly one taskStarted event`).toBe(1);
    expect(task.attempt_count).toBe(1);
  }
}

describe.each(testBackends())('batched claims and completions on %s', (backend) => {
  const database = useEngineDatabase(backend);

  async function withSubmitter<T>(fn: (engine: Engine) => Promise<T>): Promise<T> {
    const engine = createEngine({ sql: database.db.sql, workers: 0, ...FAST });
    try {
      return await fn(engine);
    } finally {
      await engine.close();
    }
  }

  it('claimMany with a limit takes at most that many ready tasks, oldest first, each once', async () => {
    const sql = database.db.sql;
    const role = 'claim-limit';
    const jobs = await withSubmitter(async (engine) => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) ids.push(await engine.submit(workflowOf(role, ['only']), { input: { i } }));
      return ids;
    });
    const first = await claimMany(sql, { workerId: 'w1', leaseMs: LEASE_MS, roles: [role], limit: 3 });
    expect(first.map((t) => t.job_id), 'the three oldest jobs, in submission order').toEqual(jobs.slice(0, 3));
    expect(first.map((t) => t.job_input), 'each claim carries its job input').toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    expect(first.every((t) => t.agent_role === role && t.task_key === 'only' && typeof t.attempt_id === 'string')).toBe(true);
    await expectClaimedOnce(sql, first, () => 'w1');

    const rest = await claimMany(sql, { workerId: 'w2', leaseMs: LEASE_MS, roles: [role], limit: 10 });
    expect(rest.map((t) => t.job_id), 'the remaining two, never one already claimed').toEqual(jobs.slice(3));
    await expectClaimedOnce(sql, rest, () => 'w2');
    expect(await claimMany(sql, { workerId: 'w3', leaseMs: LEASE_MS, roles: [role], limit: 10 }), 'nothing is left').toEqual([]);
    expect(await claimNext(sql, { workerId: 'w3', leaseMs: LEASE_MS, roles: [role] })).toBeNull();
    // Other roles' tasks are not taken by a role-filtered claim.
    expect(await claimMany(sql, { workerId: 'w3', leaseMs: LEASE_MS, roles: ['no-such-role'], limit: 10 })).toEqual([]);
  });

  it('claimMany calls running at once never hand out the same task twice', async () => {
    const sql = database.db.sql;
    const role = 'claim-race';
    const keys = Array.from({ length: 24 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    const jobIds = await withSubmitter(async (engine) => [
      await engine.submit(workflowOf(role, keys.slice(0, 12))),
      await engine.submit(workflowOf(role, keys.slice(12))),
    ]);
    const all = Object.values({ ...(await taskIdsOf(sql, jobIds[0] as string)), ...(await taskIdsOf(sql, jobIds[1] as string)) });
    expect(all).toHaveLength(24);
    const limit = 5;
    const claim = (i: number) => claimMany(sql, { workerId: `racer-${i}`, leaseMs: LEASE_MS, roles: [role], limit });
    let rounds: ClaimedTask[][];
    if (backend === 'postgres') {
      // Several connections: the claims really overlap (FOR UPDATE SKIP LOCKED).
      rounds = await Promise.all(Array.from({ length: 8 }, (_, i) => claim(i)));
    } else {
      // PGlite is one connection: the same calls, one after another.
      rounds = [];
      for (let i = 0; i < 8; i += 1) rounds.push(await claim(i));
    }
    for (const round of rounds) expect(round.length, 'no claim returns more than its limit').toBeLessThanOrEqual(limit);
    const sweep = await claimMany(sql, { workerId: 'sweeper', leaseMs: LEASE_MS, roles: [role], limit: 100 });
    const claimedIds = [...rounds.flat(), ...sweep].map((t) => t.id);
    expect(duplicates(claimedIds), 'a task handed to two claims').toEqual([]);
    expect([...claimedIds].sort(), 'every ready task was claimed by exactly one claim').toEqual([...all].sort());
    const worker = new Map<string, string>();
    rounds.forEach((round, i) => round.forEach((t) => worker.set(t.id, `racer-${i}`)));
    sweep.forEach((t) => worker.set(t.id, 'sweeper'));
    await expectClaimedOnce(sql, [...rounds.flat(), ...sweep], (t) => worker.get(t.id) as string);
  });

  it('claimMany with task ids claims only the named tasks that are ready, each once', async () => {
    const sql = database.db.sql;
    const role = 'claim-named';
    // b waits for a (pending); `later` is ready but not yet runnable.
    const jobId = await withSubmitter((engine) => engine.submit(workflowOf(role, ['a', 'b', 'c', 'd', 'later'], [['a', 'b']])));
    await sql.query(`UPDATE engine_v2.job_tasks SET run_after = now() + interval '1 hour' WHERE job_id = $1 AND task_key = 'later'`, [jobId]);
    const ids = await taskIdsOf(sql, jobId);
    const { a, b, c, d, later } = ids as Record<'a' | 'b' | 'c' | 'd' | 'later', string>;

    const held = await claimTask(sql, c, { workerId: 'other', leaseMs: LEASE_MS });
    expect(held?.id, 'c is claimed first by another worker').toBe(c);
    const missing = randomUUID();
    const claimed = await claimMany(sql, { workerId: 'named', leaseMs: LEASE_MS, taskIds: [a, b, c, missing, a, d, later] });
    expect(claimed.map((t) => t.task_key).sort(), 'only the ready, runnable named tasks (a pending, a held, an unknown and a future task are left out)').toEqual(['a', 'd']);
    expect(duplicates(claimed.map((t) => t.id)), 'a task named twice is claimed once').toEqual([]);
    await expectClaimedOnce(sql, claimed, () => 'named');
    await expectClaimedOnce(sql, [held as ClaimedTask], () => 'other');

    const untouched = await taskRows(sql, [b, later]);
    expect(untouched.get(b)).toMatchObject({ status: 'pending', attempt_count: 0 });
    expect(untouched.get(later)).toMatchObject({ status: 'ready', attempt_count: 0 });
    expect(await attemptRows(sql, [b, later]), 'no attempt for the omitted tasks').toEqual([]);
    expect((await eventCounts(sql, [b, later], 'taskStarted')).size, 'no taskStarted for the omitted tasks').toBe(0);

    expect(await claimTask(sql, a, { workerId: 'again', leaseMs: LEASE_MS }), 'a running task cannot be claimed again').toBeNull();
    expect(await claimTask(sql, later, { workerId: 'again', leaseMs: LEASE_MS }), 'a task whose run_after is ahead is not claimed').toBeNull();
    expect(await claimTask(sql, missing, { workerId: 'again', leaseMs: LEASE_MS })).toBeNull();
    expect(await claimMany(sql, { workerId: 'again', leaseMs: LEASE_MS, taskIds: [] }), 'no ids, no claim').toEqual([]);
  });

  it('completeSuccessMany records a group across jobs in interleaved order, promotes once, answers in input order and isolates stale items', async () => {
    const sql = database.db.sql;
    const role = 'complete-many';
    // a, b and e are roots; c waits for a and b; d waits for a.
    const workflow = workflowOf(role, ['a', 'b', 'c', 'd', 'e'], [['a', 'c'], ['b', 'c'], ['a', 'd']]);
    await withSubmitter(async (engine) => {
      const j1 = await engine.submit(workflow);
      const j2 = await engine.submit(workflow);
      const ids1 = await taskIdsOf(sql, j1);
      const ids2 = await taskIdsOf(sql, j2);
      const claimed = await claimMany(sql, { workerId: 'cm', leaseMs: LEASE_MS, roles: [role], limit: 10 });
      expect(claimed.map((t) => `${t.job_id === j1 ? 'j1' : 'j2'}.${t.task_key}`).sort()).toEqual(['j1.a', 'j1.b', 'j1.e', 'j2.a', 'j2.b', 'j2.e']);
      const task = (job: string, key: string) => claimed.find((t) => t.job_id === job && t.task_key === key) as ClaimedTask;

      // j1.e loses its task: attempt 1 fails, the task is retried and claimed again (attempt 2).
      const lost = task(j1, 'e');
      const failed = await completeFailure(engine.ctx, refOf(lost), { code: 'boom', message: 'first try failed' }, 1);
      expect(failed.applied).toBe(true);
      let second: ClaimedTask | null = null;
      for (let i = 0; i < 100 && !second; i += 1) {
        second = await claimTask(sql, lost.id, { workerId: 'cm-2', leaseMs: LEASE_MS });
        if (!second) await new Promise((r) => setTimeout(r, 5));
      }
      expect(second?.attempt_count, 'j1.e is on its second attempt').toBe(2);

      const items: SuccessItem[] = [
        { ...success(task(j1, 'a')), result: { output: { from: 'j1.a' }, usage: { tokensIn: 7, tokensOut: 3, costUsd: 0.5 } } },
        success(task(j2, 'b'), { from: 'j2.b' }),
        success(task(j1, 'b'), { from: 'j1.b' }),
        success(lost, { from: 'stale' }), // attempt 1 of a task now on attempt 2
        success(task(j2, 'a'), { from: 'j2.a' }),
        { attempt: { taskId: randomUUID(), jobId: j1, taskKey: 'ghost', attemptNo: 1, attemptId: randomUUID() }, result: { output: null }, latencyMs: 1 },
      ];
      const results = await completeSuccessMany(engine.ctx, items);
      expect(results.map((r) => r.applied), 'applied, aligned with the input order').toEqual([true, true, true, false, true, false]);
      // Per job, in input order: j1.a frees d (c still waits for b), j1.b frees c; j2.b frees
      // nothing, j2.a frees c and d. Each made-ready task is reported once, on an item of its job.
      const readyIds = results.flatMap((r) => r.ready.map((t) => t.id));
      expect(duplicates(readyIds), 'a task reported ready twice').toEqual([]);
      expect([...readyIds].sort(), 'exactly the successors whose predecessors all succeeded').toEqual([ids1.c, ids1.d, ids2.c, ids2.d].sort());
      for (const [i, r] of results.entries()) {
        const job = items[i]?.attempt.jobId;
        if (!r.applied) expect(r.ready, `stale item ${i} makes nothing ready`).toEqual([]);
        for (const t of r.ready) {
          expect(t, `ready task of item ${i} belongs to that item's job`).toMatchObject({ jobId: job, role, attempt: 0 });
          expect(Object.values(job === j1 ? ids1 : ids2), `ready task of item ${i} is a task of job ${job}`).toContain(t.id);
        }
      }
      const done = [task(j1, 'a'), task(j2, 'b'), task(j1, 'b'), task(j2, 'a')];
      const rows = await taskRows(sql, [...Object.values(ids1), ...Object.values(ids2)]);
      for (const t of done) {
        expect(rows.get(t.id), `${t.task_key} of its job succeeded with its own output`).toMatchObject({
          status: 'succeeded',
          output: { from: `${t.job_id === j1 ? 'j1' : 'j2'}.${t.task_key}` },
        });
      }
      for (const key of ['c', 'd']) {
        expect(rows.get(ids1[key] as string)?.status, `j1.${key} promoted`).toBe('ready');
        expect(rows.get(ids2[key] as string)?.status, `j2.${key} promoted`).toBe('ready');
      }
      expect(rows.get(lost.id), 'the stale item changed nothing: j1.e stays on attempt 2').toMatchObject({ status: 'running', attempt_count: 2, worker_id: 'cm-2' });
      expect(rows.get(ids2.e as string), 'j2.e (not in the group) is untouched').toMatchObject({ status: 'running', attempt_count: 1 });

      const attempts = await attemptRows(sql, done.map((t) => t.id));
      expect(attempts.map((a) => [a.id, a.status]), 'each attempt recorded succeeded').toEqual(
        expect.arrayContaining(done.map((t) => [t.attempt_id, 'succeeded'])),
      );
      expect(attempts).toHaveLength(done.length);
      expect(attempts.every((a) => a.latency_ms === 5)).toBe(true);
      const usage = await sql.query<{ tokens_in: number; tokens_out: number; cost_usd: string }>('SELECT tokens_in, tokens_out, cost_usd FROM engine_v2.job_task_attempts WHERE id = $1', [task(j1, 'a').attempt_id]);
      expect(usage.rows[0]).toMatchObject({ tokens_in: 7, tokens_out: 3 });
      expect(Number(usage.rows[0]?.cost_usd)).toBeCloseTo(0.5);
      expect((await attemptRows(sql, [lost.id])).map((a) => [a.attempt_no, a.status]), 'stale attempt 1 stays failed, attempt 2 keeps running').toEqual([
        [1, 'failed'],
        [2, 'running'],
      ]);
      const doneEvents = await eventCounts(sql, [...done.map((t) => t.id), lost.id], 'taskDone');
      expect(done.map((t) => doneEvents.get(t.id)), 'one taskDone per completed task').toEqual([1, 1, 1, 1]);
      expect(doneEvents.get(lost.id), 'no taskDone for the stale item').toBeUndefined();

      // The same group again (a duplicate report): nothing applies, nothing is promoted twice.
      const replay = await completeSuccessMany(engine.ctx, items);
      expect(replay.map((r) => r.applied)).toEqual([false, false, false, false, false, false]);
      expect(replay.flatMap((r) => r.ready)).toEqual([]);
      expect((await eventCounts(sql, done.map((t) => t.id), 'taskDone')).size).toBe(4);
      expect([...(await eventCounts(sql, done.map((t) => t.id), 'taskDone')).values()]).toEqual([1, 1, 1, 1]);

      // The promoted tasks can be claimed exactly once each.
      const next = await claimMany(sql, { workerId: 'cm-3', leaseMs: LEASE_MS, roles: [role], limit: 10 });
      expect(next.map((t) => t.id).sort()).toEqual([ids1.c, ids1.d, ids2.c, ids2.d].sort());
      const c1 = next.find((t) => t.id === ids1.c);
      expect(c1?.upstream, 'a successor sees its predecessors’ outputs').toEqual({ a: { from: 'j1.a' }, b: { from: 'j1.b' } });
    });
  });

  it('completeSuccessMany applies an attempt listed twice in one group once', async () => {
    const sql = database.db.sql;
    const role = 'complete-dup';
    await withSubmitter(async (engine) => {
      const jobId = await engine.submit(workflowOf(role, ['a', 'b', 'c'], [['a', 'c'], ['b', 'c']]));
      const ids = await taskIdsOf(sql, jobId);
      const claimed = await claimMany(sql, { workerId: 'dup', leaseMs: LEASE_MS, roles: [role], limit: 10 });
      const a = claimed.find((t) => t.task_key === 'a') as ClaimedTask;
      const b = claimed.find((t) => t.task_key === 'b') as ClaimedTask;
      const results = await completeSuccessMany(engine.ctx, [success(a), success(a), success(b)]);
      expect(results.map((r) => r.applied), 'the second report of a is stale, as it would be on its own').toEqual([true, false, true]);
      expect(results.flatMap((r) => r.ready.map((t) => t.id)), 'c made ready once').toEqual([ids.c]);
      expect([...(await eventCounts(sql, [a.id, b.id], 'taskDone')).entries()].sort(), 'one taskDone per task').toEqual(
        [[a.id, 1], [b.id, 1]].sort(),
      );
      expect((await attemptRows(sql, [a.id])).map((r) => [r.attempt_no, r.status])).toEqual([[1, 'succeeded']]);
    });
  });

  it('the BullMQ pool claims a group once and returns a duplicate delivery to its first caller only', async () => {
    const sql = database.db.sql;
    const role = 'bullmq-dup';
    await withSubmitter(async (engine) => {
      const jobId = await engine.submit(workflowOf(role, ['x', 'y']));
      const ids = await taskIdsOf(sql, jobId);
      // No roles: the pool starts no BullMQ worker and never connects to Redis.
      const transport = new BullmqTransport({ url: REDIS_URL, prefix: uniquePrefix('batches'), logger: engine.ctx.logger });
      const pool = transport.startWorkers(engine.ctx, { concurrency: 4, roles: [] });
      try {
        const { claims } = pool as unknown as { claims: GroupCommit<string, ClaimedTask | null> };
        const answers = await Promise.all([ids.x, ids.x, ids.y, ids.x].map((id) => claims.submit(id as string)));
        expect(answers.map((t) => t?.task_key ?? null), 'the first delivery of x runs it; the duplicates get nothing').toEqual(['x', null, 'y', null]);
        expect(claims.stats, 'all four deliveries went out as one group').toMatchObject({ groups: 1, items: 4, splits: 0 });
        await expectClaimedOnce(sql, answers.filter((t): t is ClaimedTask => t !== null), () => engine.ctx.options.workerId);
        expect(await claims.submit(ids.x as string), 'a later duplicate finds the task claimed').toBeNull();
      } finally {
        await pool.stop();
        await transport.close();
      }
    });
  });

  it('concurrent submits share a transaction, each gets its own job, and a bad one fails alone', () => withSubmitter(async (engine) => {
    const role = `submit-${randomUUID().slice(0, 8)}`;
    const workflow = workflowOf(role, ['a', 'b', 'c'], [['a', 'c'], ['b', 'c']]);
    const before = engine.ctx.submissions.stats.groups;
    const orphan = randomUUID(); // no such row in engine_v2.jobs: the run's foreign key refuses it
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => engine.submit(workflow, i === 3 ? { jobId: orphan } : { input: { i }, actor: `actor-${i}` })),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(((outcomes[3] as PromiseRejectedResult).reason as { details?: { pgCode?: string } }).details?.pgCode).toBe('23503');
    const jobIds = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    expect(new Set(jobIds).size).toBe(7);
    // Fewer transactions than submits: they went out in groups.
    expect(engine.ctx.submissions.stats.groups - before).toBeLessThan(8);
    const sql = database.db.sql;
    const runs = await sql.query<{ job_id: string; input: { i: number }; actor: string }>(
      'SELECT job_id, input, actor FROM engine_v2.job_runs WHERE job_id = ANY ($1::uuid[]) ORDER BY (input ->> \'i\')::int',
      [jobIds],
    );
    expect(runs.rows.map((r) => [r.input.i, r.actor])).toEqual([0, 1, 2, 4, 5, 6, 7].map((i) => [i, `actor-${i}`]));
    const tasks = await sql.query<{ job_id: string; task_key: string; status: string }>(
      'SELECT job_id, task_key, status FROM engine_v2.job_tasks WHERE job_id = ANY ($1::uuid[]) ORDER BY task_key',
      [jobIds],
    );
    for (const jobId of jobIds) {
      expect(tasks.rows.filter((t) => t.job_id === jobId).map((t) => [t.task_key, t.status])).toEqual([['a', 'ready'], ['b', 'ready'], ['c', 'pending']]);
    }
    const orphanRows = await sql.query('SELECT 1 FROM engine_v2.job_tasks WHERE job_id = $1', [orphan]);
    expect(orphanRows.rows).toEqual([]);
  }));

  // On PGlite (one connection) the groups run one after another; the results must be the same.
  it('concurrent completeSuccessMany groups over the same jobs in opposite orders do not deadlock', async () => {
    const sql = database.db.sql;
    const role = 'complete-deadlock';
    const fan = Array.from({ length: 12 }, (_, i) => `f${String(i).padStart(2, '0')}`);
    const workflow = workflowOf(role, [...fan, 'end'], fan.map((f) => [f, 'end'] as [string, string]));
    await withSubmitter(async (engine) => {
      for (let round = 0; round < 8; round += 1) {
        const j1 = await engine.submit(workflow);
        const j2 = await engine.submit(workflow);
        const claimed = await claimMany(sql, { workerId: `dl-${round}`, leaseMs: LEASE_MS, roles: [role], limit: 100 });
        expect(claimed, 'all 24 fan-out tasks are running').toHaveLength(24);
        const of = (job: string) => claimed.filter((t) => t.job_id === job).sort((x, y) => x.task_key.localeCompare(y.task_key));
        const [tasks1, tasks2] = [of(j1), of(j2)];
        // Four groups of six, each with three tasks of each job; even groups list j1 first, odd ones j2 first.
        const groups = [0, 1, 2, 3].map((g) => {
          const part1 = tasks1.slice(g * 3, g * 3 + 3).map((t) => success(t));
          const part2 = tasks2.slice(g * 3, g * 3 + 3).map((t) => success(t));
          return g % 2 === 0 ? [...part1, ...part2] : [...part2, ...part1];
        });
        const settled = await Promise.allSettled(groups.map((items) => completeSuccessMany(engine.ctx, items)));
        const errors = settled.flatMap((s) => (s.status === 'rejected' ? [String((s.reason as Error).message)] : []));
        expect(errors, `round ${round}: every group commits (no deadlock)`).toEqual([]);
        const results = settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : []));
        expect(results.every((r) => r.applied), 'every item applied').toBe(true);
        const ends = await Promise.all([j1, j2].map(async (job) => (await taskIdsOf(sql, job)).end as string));
        const promoted = results.flatMap((r) => r.ready.map((t) => t.id));
        expect([...promoted].sort(), `round ${round}: each job's end promoted exactly once`).toEqual([...ends].sort());
        const finals = await claimMany(sql, { workerId: `dl-${round}`, leaseMs: LEASE_MS, roles: [role], limit: 10 });
        expect(finals.map((t) => t.id).sort()).toEqual([...ends].sort());
        const last = await completeSuccessMany(engine.ctx, [...finals].reverse().map((t) => success(t)));
        expect(last.map((r) => r.applied)).toEqual([true, true]);
        for (const job of [j1, j2]) expect((await engine.status(job)).status, `round ${round}: job finished`).toBe('succeeded');
      }
    });
  });
});
