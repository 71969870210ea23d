/**
 * Records on both backends: events projected into the `lane` tables, an
 * idempotent sync, a restart syncing what a down database or a crash left in the
 * JSONL buffer, the phase criteria and the morning summary.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '@agentlane/store';
import { createTestDatabase, testBackends, type TestDatabase } from '../../../test/support/backends.js';
import {
  EVENTS_FILE,
  EventLog,
  type LaneEvent,
  lanePaths,
  laneStatus,
  loadLaneFile,
  localDate,
  migrateLane,
  readEvents,
  recoverCrashedRuns,
  renderSummary,
  laneSummary,
  runLane,
  syncPendingRuns,
  syncRunBuffer,
  writeSummary,
} from '../src/index.js';
import { FIX_ADD, createLaneRepo, lane, task, type LaneRepo } from './support/lane-repo.js';

/** A Sql whose event inserts fail: the database is "down" for the lane's syncs. */
function eventsDown(sql: Sql): Sql {
  const refuse = (text: string) => {
    if (text.includes('INSERT INTO lane.events')) throw new Error('connection refused (simulated)');
  };
  const wrap = (inner: Sql): Sql => ({
    dialect: inner.dialect,
    query: async (text, params) => {
      refuse(text);
      return inner.query(text, params);
    },
    exec: (text) => inner.exec(text),
    copyFrom: (t, c, csv) => inner.copyFrom(t, c, csv),
    transaction: (fn) => inner.transaction((tx) => fn(wrap(tx))),
    close: () => inner.close(),
  });
  return wrap(sql);
}

async function count(sql: Sql, table: string, where = 'true', params: unknown[] = []): Promise<number> {
  return (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM lane.${table} WHERE ${where}`, params)).rows[0]?.n ?? -1;
}

describe.each(testBackends())('lane records on %s', (backend) => {
  let db: TestDatabase;
  let r: LaneRepo;
  const runIds: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(backend);
    r = createLaneRepo();
  });
  afterAll(async () => {
    await db?.dispose();
    r?.dispose();
  });

  const write = (name: string, file = `src/${name}.mjs`) => r.agent(name, `echo 'export const ${name} = 1;' > ${file}`);

  it('projects a run into runs, microtasks, attempts, checkpoints and events', async () => {
    const laneFile = loadLaneFile(
      r.laneFile(
        lane(
          [
            task('g1', r.agent('g1', FIX_ADD)),
            task('g2', write('g2'), { kind: 'feature' }),
            task('g3', write('g3', 'test/extra.test.mjs'), { kind: 'test' }),
            task('g4', write('g4'), { kind: 'refactor' }),
            task('g5', write('g5'), { kind: 'deps' }),
            task('b-eval', r.agent('beval', "echo 'eval(process.argv[2]);' > src/e.mjs")),
            task('b-tests', r.agent('btests', "sed -i 's/return a + b/return a * b/' src/math.mjs")),
            task('never', write('never')),
          ],
          { checkpoint_every: 2 },
        ),
      ),
    );
    const result = await runLane({ lane: laneFile, repoRoot: r.root, home: r.home, sql: db.sql, unattended: true });
    runIds.push(result.runId);
    expect(result.status).toBe('stopped');
    expect(result.synced).toBe(true);
    const run = (await db.sql.query<Record<string, unknown>>('SELECT * FROM lane.runs WHERE id = $1', [result.runId])).rows[0];
    expect(run).toMatchObject({ lane_name: 'nightly', status: 'stopped', unattended: true, sandbox: result.sandbox.kind, head_commit: result.head, branch: 'lane/nightly' });
    expect(run?.stop_reason).toContain('2 microtasks failed in a row');
    const tasks = (await db.sql.query<{ id: string; status: string; attempts: number; commit_sha: string | null }>('SELECT id, status, attempts, commit_sha FROM lane.microtasks WHERE run_id = $1 ORDER BY position', [result.runId])).rows;
    expect(tasks.map((t) => `${t.id}:${t.status}:${t.attempts}`)).toEqual(['g1:succeeded:1', 'g2:succeeded:1', 'g3:succeeded:1', 'g4:succeeded:1', 'g5:reverted:1', 'b-eval:failed:2', 'b-tests:failed:2', 'never:pending:0']);
    const attempts = (await db.sql.query<{ microtask_id: string; attempt: number; status: string; stopped_by: string | null; rollback_ok: boolean | null; retry_context: string | null }>(
      `SELECT microtask_id, attempt, status, stopped_by, rollback_ok, retry_context FROM lane.attempts WHERE run_id = $1 AND status = 'failed' ORDER BY microtask_id, attempt`,
      [result.runId],
    )).rows;
    expect(attempts.map((a) => `${a.microtask_id}#${a.attempt}:${a.stopped_by}:${a.rollback_ok}`)).toEqual(['b-eval#1:symbols:true', 'b-eval#2:symbols:true', 'b-tests#1:tests:true', 'b-tests#2:tests:true']);
    expect(attempts.find((a) => a.microtask_id === 'b-tests' && a.attempt === 2)?.retry_context).toContain('add(2, 3) is 6');
    expect((await db.sql.query<{ seq: number }>('SELECT seq FROM lane.checkpoints WHERE run_id = $1 ORDER BY seq', [result.runId])).rows.map((c) => c.seq)).toEqual([0, 1, 2]);
    const buffer = readEvents(path.join(lanePaths(r.home).runs, result.runId, EVENTS_FILE)).events;
    expect(await count(db.sql, 'events', 'run_id = $1', [result.runId])).toBe(buffer.length);
  });

  it('syncs idempotently: a second sync inserts and changes nothing', async () => {
    const dir = path.join(lanePaths(r.home).runs, runIds[0] as string);
    const before = await count(db.sql, 'attempts');
    const again = await syncRunBuffer(db.sql, dir);
    expect(again).toMatchObject({ inserted: 0, complete: true });
    expect(await count(db.sql, 'attempts')).toBe(before);
  });

  it('keeps events in the buffer while the database is down, and a restart syncs them', async () => {
    const laneFile = loadLaneFile(r.laneFile(lane([task('d1', r.agent('d1', "echo 'export const d = 1;' > src/d1.mjs")), task('b-imp', r.agent('bimp', "echo 'import socket' > src/s.py"))])));
    const result = await runLane({ lane: laneFile, repoRoot: r.root, home: r.home, sql: eventsDown(db.sql) });
    runIds.push(result.runId);
    expect(result.synced).toBe(false);
    expect(await count(db.sql, 'runs', 'id = $1', [result.runId])).toBe(0);
    // The next start (prepareLane, here called directly) syncs what was left.
    const synced = await syncPendingRuns(db.sql, lanePaths(r.home));
    expect(synced.map((s) => s.runId)).toEqual([result.runId]);
    const buffer = readEvents(path.join(lanePaths(r.home).runs, result.runId, EVENTS_FILE)).events;
    expect(synced[0]).toMatchObject({ inserted: buffer.length, total: buffer.length, complete: true });
    expect((await db.sql.query<{ status: string }>('SELECT status FROM lane.runs WHERE id = $1', [result.runId])).rows[0]?.status).toBe('completed');
    expect(await count(db.sql, 'attempts', `run_id = $1 AND microtask_id = 'b-imp' AND stopped_by = 'imports'`, [result.runId])).toBe(2);
  });

  it('records a crashed run from its buffer: a torn last line dropped, running work interrupted', async () => {
    const paths = lanePaths(r.home);
    const runId = '00000000-0000-4000-8000-00000000c0de';
    const log = EventLog.create(path.join(paths.runs, runId), runId);
    const template = readEvents(path.join(paths.runs, runIds[0] as string, EVENTS_FILE)).events[0] as LaneEvent<'run_started'>;
    log.append('run_started', { ...template.data, tasks: [{ id: 't', kind: 'fix', position: 0, instructions: 'x', dependsOn: [], allowedPaths: ['**'] }] });
    log.append('task_started', { worktree: '/nowhere', base: 'abc' }, { taskId: 't' });
    log.append('attempt_started', { retryContext: null }, { taskId: 't', attempt: 1 });
    log.close();
    fs.appendFileSync(path.join(paths.runs, runId, EVENTS_FILE), '{"id":"torn mid-wri');
    const recovered = recoverCrashedRuns(paths);
    expect(recovered).toEqual([{ runId, lastSeq: 3, killedAgent: null }]);
    const { events, corrupt } = readEvents(path.join(paths.runs, runId, EVENTS_FILE));
    expect(corrupt).toBe(0);
    expect(events.map((e) => `${e.seq}:${e.type}`)).toEqual(['1:run_started', '2:task_started', '3:attempt_started', '4:run_crashed']);
    await syncPendingRuns(db.sql, paths);
    expect((await db.sql.query<{ status: string }>('SELECT status FROM lane.runs WHERE id = $1', [runId])).rows[0]?.status).toBe('crashed');
    expect((await db.sql.query<{ status: string }>('SELECT status FROM lane.microtasks WHERE run_id = $1', [runId])).rows[0]?.status).toBe('interrupted');
    expect((await db.sql.query<{ status: string }>('SELECT status FROM lane.attempts WHERE run_id = $1', [runId])).rows[0]?.status).toBe('interrupted');
    expect(await count(db.sql, 'events', 'run_id = $1', [runId])).toBe(4);
    // Recovering again finds nothing: the run is complete.
    expect(recoverCrashedRuns(paths)).toEqual([]);
  });

  it('shows the seed phase criteria from the records', async () => {
    const status = await laneStatus(db.sql);
    const c = Object.fromEntries(status.criteria.map((x) => [x.name, x]));
    expect(c.real_tasks_succeeded).toMatchObject({ value: 5, met: true });
    expect(c.kinds_covered).toMatchObject({ value: 4, met: true, detail: 'feature, fix, refactor, test' });
    expect(c.failure_paths_passed).toMatchObject({ value: 4, met: true });
    expect(c.unattended_runs).toMatchObject({ value: 1, met: false });
    // Last 20 finished: g1-g4, g5 (reverted: it passed), d1 succeeded; b-eval, b-tests, b-imp failed.
    expect(c.success_rate_last_20).toMatchObject({ value: 66.7, met: false, detail: '6 of 9 succeeded (only 9 finished so far)' });
    expect(c.resource_limit_hits).toMatchObject({ value: 0, met: true });
    expect(c.rollback_failures).toMatchObject({ value: 0, met: true });
    expect(c.crashed_runs).toMatchObject({ value: 1, met: false });
    expect(status.met).toBe(false);
    expect(status.runs.total).toBe(3);
  });

  it('writes the morning summary with the top 3 first', async () => {
    const date = localDate();
    const { file, summary } = await writeSummary(db.sql, r.scratch, date);
    expect(file).toBe(path.join(r.scratch, 'reports', 'lane', `${date}.md`));
    const text = fs.readFileSync(file, 'utf8');
    expect(text.startsWith(`# Lane summary ${date}\n`)).toBe(true);
    const top = text.indexOf('## Top 3');
    expect(top).toBeGreaterThan(0);
    expect(top).toBeLessThan(text.indexOf('## Runs'));
    expect(summary.top).toHaveLength(3);
    expect(summary.top[0]?.headline).toMatch(/^Lane nightly stopped itself: 2 microtasks failed in a row/);
    expect(summary.top.slice(1).map((i) => i.headline)).toEqual(
      expect.arrayContaining([expect.stringMatching(/run 00000000 crashed|b-eval \(fix\) failed after 2 attempt\(s\): \[symbols\/eval\]|b-imp \(fix\) failed after 2 attempt\(s\): \[imports\/denied_import\]/)]),
    );
    expect(text).toContain('### b-tests (fix)');
    expect(text).toContain('add(2, 3) is 6, expected 5');
    expect(text).toContain('### g1 (fix)');
    expect(text).toContain('+  return a + b;');
    expect(text).toContain('— reverted when the lane stopped');
    expect(text).toContain('## Next actions');
    expect(text).toMatch(/never \(fix\): pending/);
    expect(renderSummary(await laneSummary(db.sql, '2001-01-01'))).toContain('No lane runs on this day.');
    await expect(laneSummary(db.sql, '2001-13-45')).rejects.toMatchObject({ code: 'CLI_USAGE' });
  });

  it('migrates idempotently', async () => {
    expect((await migrateLane(db.sql)).applied).toEqual([]);
  });
});
