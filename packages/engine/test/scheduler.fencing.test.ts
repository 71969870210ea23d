import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Sql } from '@agentlane/store';
import { createAgentRegistry, createEngine, parseWorkflow, type Agent, type Engine, type Json } from '../src/index.js';
import { claimNext, claimTask, type ClaimedTask } from '../src/scheduler/claim.js';
import { completeFailure, completeSuccessMany, type AttemptRef, type SuccessItem } from '../src/scheduler/complete.js';
import { fencedWrite } from '../src/scheduler/fence.js';
import { reapExpiredLeases, renewLease } from '../src/scheduler/lease.js';
import { recordPartialResult } from '../src/progress.js';
import { testBackends } from '../../../test/support/backends.js';
import { FAST, tempDir, useEngineDatabase, withEngine } from './support/engine.js';

/**
 * Fencing (issue 11, item 6): once a task is re-claimed, every write of the attempt that
 * held it before (completion, failure, artifacts, events, lease renewal) is refused with
 * ENGINE_ATTEMPT_FENCED and changes nothing; the job reflects only the new attempt.
 */

const refOf = (task: ClaimedTask): AttemptRef => ({ taskId: task.id, jobId: task.job_id, taskKey: task.task_key, attemptNo: task.attempt_count, attemptId: task.attempt_id });

const success = (task: ClaimedTask, output: unknown, artifact: string): SuccessItem => ({
  attempt: refOf(task),
  result: { output: output as never, artifacts: [{ kind: 'note', content: { by: artifact } }] },
  latencyMs: 3,
});

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Claim with a short lease, let it expire, reap it, and claim the task again: [old, new]. */
async function reclaimed(engine: Engine, sql: Sql, role: string): Promise<[ClaimedTask, ClaimedTask]> {
  const old = await claimNext(sql, { workerId: 'old-worker', leaseMs: 30, roles: [role] });
  if (!old) throw new Error('nothing to claim');
  let fresh: ClaimedTask | null = null;
  for (let i = 0; i < 200 && !fresh; i += 1) {
    await sleep(10);
    await reapExpiredLeases(engine.ctx);
    fresh = await claimTask(sql, old.id, { workerId: 'new-worker', leaseMs: 60_000 });
  }
  if (!fresh) throw new Error('the task was not re-claimed');
  return [old, fresh];
}

async function outputOf(sql: Sql, taskId: string): Promise<unknown> {
  const { rows } = await sql.query<{ output: unknown }>('SELECT output FROM engine_v2.job_tasks WHERE id = $1', [taskId]);
  return rows[0]?.output;
}

async function counts(sql: Sql, taskId: string): Promise<{ events: Record<string, number>; artifacts: string[] }> {
  const events = await sql.query<{ event_type: string; n: number }>(
    'SELECT event_type, count(*)::int AS n FROM engine_v2.job_task_events WHERE task_id = $1 GROUP BY event_type',
    [taskId],
  );
  const artifacts = await sql.query<{ by: string }>("SELECT content ->> 'by' AS by FROM engine_v2.job_task_artifacts WHERE task_id = $1 ORDER BY id", [taskId]);
  return { events: Object.fromEntries(events.rows.map((r) => [r.event_type, r.n])), artifacts: artifacts.rows.map((r) => r.by) };
}

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The same database, except that lease renewals fail (as when the database cannot be reached from this worker). */
function withoutRenewals(sql: Sql): Sql {
  return {
    dialect: sql.dialect,
    query: <Row extends object>(text: string, params?: readonly unknown[]) =>
      text.includes('SET heartbeat_at') ? Promise.reject(new Error('renewal blocked by the test')) : sql.query<Row>(text, params),
    exec: (text) => sql.exec(text),
    copyFrom: (table, columns, csv) => sql.copyFrom(table, columns, csv),
    transaction: (fn) => sql.transaction(fn),
    close: async () => undefined,
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) [ZX] /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe.each(testBackends())('attempt fencing on %s', (backend) => {
  const database = useEngineDatabase(backend);

  it('refuses every write of the old attempt after a re-claim; the job reflects only the new one', async () => {
    const sql = database.db.sql;
    const engine = createEngine({ sql, workers: 0, stagingRoot: tempDir('fence'), ...FAST });
    try {
      const role = 'fence-all';
      const jobId = await engine.submit(parseWorkflow({ tasks: [{ key: 'only', role, agent: 'noop', max_attempts: 3 }] }));
      const [old, fresh] = await reclaimed(engine, sql, role);
      expect([old.attempt_count, fresh.attempt_count]).toEqual([1, 2]);
      const before = await counts(sql, old.id);

      // The old attempt tries every write an attempt can make.
      const [done] = await completeSuccessMany(engine.ctx, [success(old, { from: 'old' }, 'old')]);
      expect(done).toMatchObject({ applied: false, refused: 'ENGINE_ATTEMPT_FENCED', ready: [] });
      const grouped = await engine.ctx.successes.submit(success(old, { from: 'old' }, 'old'));
      expect(grouped).toMatchObject({ applied: false, refused: 'ENGINE_ATTEMPT_FENCED' });
      const failed = await completeFailure(engine.ctx, refOf(old), { code: 'boom', message: 'old attempt failed' }, 1);
      expect(failed).toMatchObject({ applied: false, refused: 'ENGINE_ATTEMPT_FENCED', ready: [] });
      expect(await renewLease(sql, old.id, old.attempt_count, 'old-worker', 60_000), 'the old lease cannot be renewed').toBe(false);
      for (const data of [{ step: 'old' }, { blob: 'x'.repeat(70 * 1024) }] as Json[]) {
        const partial = await fencedWrite(sql, refOf(old), 'a partial result', (tx) => recordPartialResult(tx, old.job_id, old.id, old.task_key, data)).catch((e: unknown) => e);
        expect((partial as { code?: string }).code, 'partial results (inline and as an artifact) are refused').toBe('ENGINE_ATTEMPT_FENCED');
      }

      expect(await counts(sql, old.id), 'no event and no artifact from the old attempt').toEqual(before);
      const status = await engine.status(jobId);
      expect(status.tasks[0]).toMatchObject({ status: 'running', attempts: 2 });

      // The new attempt's writes go through.
      await fencedWrite(sql, refOf(fresh), 'a partial result', (tx) => recordPartialResult(tx, fresh.job_id, fresh.id, fresh.task_key, { step: 'new' }));
      expect(await renewLease(sql, fresh.id, fresh.attempt_count, 'new-worker', 60_000)).toBe(true);
      const [applied] = await completeSuccessMany(engine.ctx, [success(fresh, { from: 'new' }, 'new')]);
      expect(applied?.applied).toBe(true);
      expect(applied?.refused).toBeUndefined();
      const final = await engine.status(jobId);
      expect(final.status).toBe('succeeded');
      expect(final.tasks[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(await outputOf(sql, old.id)).toEqual({ from: 'new' });
      const after = await counts(sql, old.id);
      expect(after.artifacts, 'artifacts of the new attempt only').toEqual(['new']);
      expect(after.events.partialResult).toBe(1);
      expect(after.events.taskDone).toBe(1);
      const attempts = await sql.query<{ attempt_no: number; status: string }>('SELECT attempt_no, status FROM engine_v2.job_task_attempts WHERE task_id = $1 ORDER BY attempt_no', [old.id]);
      expect(attempts.rows).toEqual([{ attempt_no: 1, status: 'failed' }, { attempt_no: 2, status: 'succeeded' }]);

      // And after the end, even the new attempt's late writes are refused.
      const late = await fencedWrite(sql, refOf(fresh), 'a partial result', async () => undefined).catch((e: unknown) => e);
      expect((late as { code?: string }).code).toBe('ENGINE_ATTEMPT_FENCED');
    } finally {
      await engine.close();
    }
  });

  it('property: old and new attempts completing at once, in any order and grouping, commit the new attempt only', async () => {
    const sql = database.db.sql;
    const engine = createEngine({ sql, workers: 0, stagingRoot: tempDir('fence'), ...FAST });
    try {
      for (let seed = 1; seed <= 6; seed += 1) {
        const random = mulberry32(seed);
        const role = `fence-prop-${seed}`;
        const tasks = Array.from({ length: 4 }, (_, i) => ({ key: `t${i}`, role, agent: 'noop', max_attempts: 3 }));
        const jobId = await engine.submit(parseWorkflow({ tasks }));
        const pairs: [ClaimedTask, ClaimedTask][] = [];
        for (let i = 0; i < tasks.length; i += 1) pairs.push(await reclaimed(engine, sql, role));
        // Every old attempt reports (a success or a failure), every new one succeeds; all at once, shuffled.
        const writes: (() => Promise<{ applied: boolean }>)[] = [];
        for (const [old, fresh] of pairs) {
          writes.push(random() < 0.5
            ? () => engine.ctx.successes.submit(success(old, { from: 'old' }, `old-${old.task_key}`))
            : () => completeFailure(engine.ctx, refOf(old), { code: 'boom', message: 'old' }, 1));
          writes.push(() => engine.ctx.successes.submit(success(fresh, { from: 'new' }, `new-${fresh.task_key}`)));
        }
        for (let i = writes.length - 1; i > 0; i -= 1) {
          const j = Math.floor(random() * (i + 1));
          [writes[i], writes[j]] = [writes[j] as () => Promise<{ applied: boolean }>, writes[i] as () => Promise<{ applied: boolean }>];
        }
        const results = await Promise.all(writes.map((write) => write()));
        expect(results.filter((r) => r.applied), `seed ${seed}: one applied write per task`).toHaveLength(tasks.length);
        const status = await engine.status(jobId);
        expect(status.status, `seed ${seed}`).toBe('succeeded');
        for (const task of status.tasks) expect(task, `seed ${seed}`).toMatchObject({ status: 'succeeded', attempts: 2 });
        for (const [old] of pairs) {
          expect(await outputOf(sql, old.id), `seed ${seed}: output of ${old.task_key}`).toEqual({ from: 'new' });
          const seen = await counts(sql, old.id);
          expect(seen.artifacts, `seed ${seed}: artifacts of ${old.task_key}`).toEqual([`new-${old.task_key}`]);
          expect(seen.events.taskDone, `seed ${seed}: one taskDone for ${old.task_key}`).toBe(1);
        }
      }
    } finally {
      await engine.close();
    }
  });

  it('an agent still running after its task was re-claimed cannot write a partial result or its output', async () => {
    const sql = database.db.sql;
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let lateWrite: unknown = 'not tried';
    const agent: Agent = {
      name: 'slow-then-late',
      async run({ attempt, partial }) {
        if (attempt > 1) return { output: { from: `attempt ${attempt}` } };
        await released; // a stalled worker: it ignores the abort and carries on later
        lateWrite = await partial({ from: 'attempt 1' }).then(() => 'written', (e: unknown) => (e as { code?: string }).code);
        return { output: { from: 'attempt 1' } };
      },
    };
    // Long heartbeats: the first attempt's worker does not notice it lost the task.
    await withEngine({ sql, workers: 2, roles: ['fence-late'], agents: createAgentRegistry([agent]), heartbeatMs: 60_000, leaseMs: 120_000 }, async (engine) => {
      const jobId = await engine.submit(parseWorkflow({ tasks: [{ key: 'only', role: 'fence-late', agent: 'slow-then-late', max_attempts: 3 }] }));
      for (let i = 0; i < 500; i += 1) {
        const { rows } = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM engine_v2.job_task_attempts a JOIN engine_v2.job_tasks t ON t.id = a.task_id WHERE t.job_id = $1", [jobId]);
        if ((rows[0]?.n ?? 0) > 0) break;
        await sleep(10);
      }
      // The lease runs out (as if the worker had stalled): the reaper fails attempt 1, attempt 2 runs and succeeds.
      await sql.query("UPDATE engine_v2.job_tasks SET lease_expires_at = now() - interval '1 second' WHERE job_id = $1", [jobId]);
      const status = await engine.wait(jobId);
      expect(status.tasks[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
      release();
      for (let i = 0; i < 200 && lateWrite === 'not tried'; i += 1) await sleep(10);
      expect(lateWrite).toBe('ENGINE_ATTEMPT_FENCED');
    });
    const { rows } = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM engine_v2.job_task_events WHERE event_type = 'partialResult' AND data -> 'data' ->> 'from' = 'attempt 1'");
    expect(rows[0]?.n, 'no partial result of the stale attempt').toBe(0);
    const outputs = await sql.query<{ output: unknown }>("SELECT t.output FROM engine_v2.job_tasks t WHERE t.task_key = 'only' AND t.agent_role = 'fence-late'");
    expect(outputs.rows[0]?.output).toEqual({ from: 'attempt 2' });
  });

  it('stops its agent before an unrenewed lease can expire, so a re-claim never runs beside it', async () => {
    const staging = tempDir('fence-watchdog');
    const leaseMs = 1500;
    await withEngine({ sql: withoutRenewals(database.db.sql), stagingRoot: staging, workers: 1, roles: ['fence-watchdog'], leaseMs, heartbeatMs: 300 }, async (engine) => {
      const started = Date.now();
      const status = await engine.run(parseWorkflow({ tasks: [{ key: 'long', role: 'fence-watchdog', agent: 'exec', max_attempts: 1, command: ['sh', '-c', 'echo $$ > pid; sleep 30 & wait'] }] }));
      const elapsed = Date.now() - started;
      expect(status.tasks[0]).toMatchObject({ status: 'failed', errorCode: 'lease_unconfirmed' });
      expect(elapsed, 'stopped before the lease ran out').toBeLessThan(leaseMs + 1000);
      const pid = Number(fs.readFileSync(path.join(staging, status.jobId, 'pid'), 'utf8'));
      expect(alive(pid)).toBe(false);
      const { rows } = await database.db.sql.query<{ latency_ms: number }>(
        'SELECT a.latency_ms FROM engine_v2.job_task_attempts a JOIN engine_v2.job_tasks t ON t.id = a.task_id WHERE t.job_id = $1',
        [status.jobId],
      );
      expect(rows[0]?.latency_ms, 'the agent was gone within the lease').toBeLessThan(leaseMs);
    });
  });
});
