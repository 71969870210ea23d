/**
 * Values PostgreSQL cannot hold, produced by a lane's agents: a U+0000 in a task's
 * instructions, in its test output (a finding's evidence) or anywhere in an event must
 * be stored (as U+FFFD), and nothing a buffer holds may block the lane's event sync for
 * good: a line the database still refuses is quarantined and later events sync.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testBackends, type TestDatabase } from '../../../test/support/backends.js';
import { eventId, EVENTS_FILE, lanePaths, laneStatus, loadLaneFile, localDate, migrateLane, runLane, syncLaneRecords, writeSummary } from '../src/index.js';
import { FIX_ADD, lane, task, useLaneRepos } from './support/lane-repo.js';

const R = '\uFFFD';

/** The agent's test prints a NUL and fails: the tests finding's evidence holds it. */
const NUL_TEST_OUTPUT = `cat > test/check.mjs <<'JS'
process.stdout.write('bad\\u0000output\\n');
process.exit(1);
JS`;

describe('security: storage', () => {
  describe.each(testBackends())('lane records on %s', (backend) => {
    const newRepo = useLaneRepos();
    let db: TestDatabase;

    beforeAll(async () => {
      db = await createTestDatabase(backend);
      await migrateLane(db.sql);
    });
    afterAll(async () => {
      await db?.dispose();
    });

    it('refuses a lane file whose instructions hold U+0000 with LANE_FILE_INVALID, naming the field', () => {
      const r = newRepo();
      const file = r.laneFile(lane([task('nul', r.agent('nul', FIX_ADD), { instructions: 'Do\u0000it.' })]));
      expect(() => loadLaneFile(file)).toThrow(expect.objectContaining({ code: 'LANE_FILE_INVALID', message: expect.stringContaining('NUL character') }));
    });

    it('syncs a run whose test output (a finding\'s evidence) holds U+0000, and the next run syncs too', async () => {
      const r = newRepo();
      const first = await runLane({
        lane: loadLaneFile(r.laneFile(lane([task('nul', r.agent('nul', NUL_TEST_OUTPUT))]))),
        repoRoot: r.root,
        home: r.home,
        sql: db.sql,
        unattended: true,
      });
      expect(first.synced).toBe(true);
      const { rows } = await db.sql.query<{ status: string }>('SELECT status FROM lane.microtasks WHERE run_id = $1', [first.runId]);
      expect(rows).toEqual([{ status: 'failed' }]);
      const evidence = await db.sql.query<{ findings: { evidence?: string }[] }>('SELECT findings FROM lane.attempts WHERE run_id = $1 AND attempt = 1', [first.runId]);
      expect(evidence.rows[0]?.findings.some((f) => f.evidence?.includes(`bad${R}output`))).toBe(true);

      const second = await runLane({ lane: loadLaneFile(r.laneFile(lane([task('ok', r.agent('ok', FIX_ADD))]), 'ok.yaml')), repoRoot: r.root, home: r.home, sql: db.sql });
      expect(second.synced).toBe(true);
      const sync = await syncLaneRecords(db.sql, r.home);
      expect(sync.synced.map((b) => [b.inserted, b.quarantined.length])).toEqual(sync.synced.map(() => [0, 0]));
      const status = await laneStatus(db.sql);
      expect(status).toBeTruthy();
      const summary = await writeSummary(db.sql, r.root, localDate());
      expect(fs.readFileSync(summary.file, 'utf8')).toContain(`bad${R}output`);
    });

    it('quarantines a buffered event the database refuses, syncs the ones after it, and every later sync succeeds', async () => {
      const r = newRepo();
      const runId = '0e6f5a3c-1b7e-4c5e-9a53-3f1d2f0c9b11';
      const dir = path.join(lanePaths(r.home).runs, runId);
      fs.mkdirSync(dir, { recursive: true });
      const at = new Date().toISOString();
      const event = (seq: number, type: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
        JSON.stringify({ id: eventId(runId, seq), runId, seq, at, type, taskId: null, attempt: null, data, ...extra });
      const runStarted = {
        lane: 'poisoned', laneFile: 'lane.yaml', repoRoot: r.root, base: 'main', baseCommit: 'c0', branch: 'lane/poisoned', startCommit: 'c0',
        sandbox: 'worktree', sandboxWarning: null, unattended: true, pid: 1,
        settings: { checkpointEvery: 2, stopAfterFailures: 2, limits: {}, test: [] },
        tasks: [{ id: 't\u0000', kind: 'fix', position: 0, instructions: 'x\u0000', dependsOn: [], allowedPaths: ['src/**'] }],
      };
      const lines = [
        event(1, 'run_started', runStarted),
        // What an old lane (or a bug) may have written: a NUL in a finding, a time the database cannot read,
        // an event whose data does not have its type's shape, and lines that are JSON but not events.
        event(2, 'task_finished', { outcome: 'failed', attempts: 1, commit: null, failure: [{ validator: 'tests', rule: 'failed', severity: 'stop', message: 'm\u0000', evidence: '\u0000' }] }, { taskId: 't\u0000' }),
        event(3, 'task_skipped', { reason: 'x' }, { at: 'not a time' }),
        event(4, 'lane_stopped', { reason: 'r' }),
        'null',
        '42',
        event(5, 'run_finished', { status: 'completed', head: 'c1', succeeded: 0, failed: 1, skipped: 0, pending: 0 }),
      ];
      fs.writeFileSync(path.join(dir, EVENTS_FILE), `${lines.join('\n')}\n`);

      const sync = await syncLaneRecords(db.sql, r.home);
      const buffer = sync.synced.find((s) => s.runId === runId);
      expect(buffer).toMatchObject({ total: 5, corrupt: 2, complete: true });
      expect(buffer?.quarantined.map((q) => [q.seq, q.code])).toEqual([[3, 'LANE_EVENT_QUARANTINED'], [4, 'LANE_EVENT_QUARANTINED']]);
      const run = await db.sql.query<{ status: string }>('SELECT status FROM lane.runs WHERE id = $1', [runId]);
      expect(run.rows[0]?.status).toBe('completed');
      const task = await db.sql.query<{ id: string; status: string; failure: { message: string }[] }>('SELECT id, status, failure FROM lane.microtasks WHERE run_id = $1', [runId]);
      expect(task.rows).toEqual([{ id: `t${R}`, status: 'failed', failure: [expect.objectContaining({ message: `m${R}` })] }]);
      const events = await db.sql.query<{ seq: number; type: string; data: { code?: string } }>('SELECT seq, type, data FROM lane.events WHERE run_id = $1 ORDER BY seq', [runId]);
      expect(events.rows.map((e) => `${e.seq}:${e.type}`)).toEqual(['1:run_started', '2:task_finished', '3:quarantined', '4:quarantined', '5:run_finished']);
      expect(events.rows[2]?.data.code).toBe('LANE_EVENT_QUARANTINED');

      // Nothing is left to block: the next commands sync and read normally.
      expect((await syncLaneRecords(db.sql, r.home)).synced).toEqual([]);
      await expect(laneStatus(db.sql)).resolves.toBeTruthy();
    });
  });
});
