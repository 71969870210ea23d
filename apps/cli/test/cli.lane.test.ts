/**
 * `agentlane lane …` as a real process: exit codes, --json, the report file, and
 * a crash in the middle of a microtask (the process is SIGKILLed) that loses no
 * event: the next lane command syncs the whole JSONL buffer to the database.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite, type Sql } from '@agentlane/store';
import { EVENTS_FILE, lanePaths, readEvents } from '@agentlane/lane';
import { createTestDatabase, testBackends, type TestDatabase } from '../../../test/support/backends.js';
import { FIX_ADD, lane, task, useLaneRepos } from '../../../packages/lane/test/support/lane-repo.js';
import { runCli, startCli } from './support/cli.js';
import { alive } from '../../../test/support/process.js';

const repo = useLaneRepos();

describe('agentlane lane', () => {
  it('has help for every command', async () => {
    const help = await runCli(['lane', '--help']);
    expect(help.code).toBe(0);
    for (const name of ['run', 'status', 'summary', 'clean']) expect(help.stdout).toContain(name);
    const run = await runCli(['lane', 'run', '--help']);
    expect(run.stdout).toContain('--json');
    expect(run.stdout).toContain('<lane-file>');
  });

  it('exits 2 with a stable code for a bad lane file, a missing one, a bad date or no repository', async () => {
    const r = repo();
    const env = { AGENTLANE_HOME: path.join(r.home, 'x') };
    const bad = r.laneFile({ name: 'n', test: ['t'], microtasks: [{ id: 'a', kind: 'chore', instructions: 'x', agent: ['a'], allowed_paths: ['**'] }] });
    const invalid = await runCli(['lane', 'run', bad, '--repo', r.root, '--json'], { env });
    expect(invalid.code).toBe(2);
    expect(JSON.parse(invalid.stdout).error).toMatchObject({ code: 'LANE_FILE_INVALID', details: { problems: [expect.stringContaining('microtasks.0.kind')] } });
    const missing = await runCli(['lane', 'run', path.join(r.scratch, 'none.yaml'), '--repo', r.root], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('LANE_FILE_NOT_FOUND');
    const date = await runCli(['lane', 'summary', '--repo', r.root, '--date', '21-11-2026'], { env });
    expect(date.code).toBe(2);
    expect(date.stderr).toContain('YYYY-MM-DD');
    const notRepo = await runCli(['lane', 'status', '--repo', r.scratch], { env });
    expect(notRepo.code).toBe(2);
    expect(notRepo.stderr).toContain('LANE_NOT_A_REPOSITORY');
  });

  it('runs a lane (exit 0, JSON result), fails with exit 1 when a microtask fails, and writes the summary', async () => {
    const r = repo();
    const good = await runCli(['lane', 'run', r.laneFile(lane([task('fix-add', r.agent('fix', FIX_ADD))])), '--repo', r.root, '--json']);
    expect(good.code, good.stderr).toBe(0);
    const result = JSON.parse(good.stdout);
    expect(result).toMatchObject({ status: 'completed', branch: 'lane/nightly', tasks: [{ id: 'fix-add', status: 'succeeded' }] });
    expect(r.git('rev-parse', 'lane/nightly').trim()).toBe(result.head);
    // The embedded database lives under the repository's .agentlane, ignored by git.
    expect(fs.existsSync(path.join(r.root, '.agentlane', 'db'))).toBe(true);
    expect(r.git('status', '--porcelain')).toBe('');

    const bad = await runCli(['lane', 'run', r.laneFile(lane([task('cp', r.agent('cp', "echo \"import cp from 'child_process';\" > src/cp.ts"))]), 'l2.yaml'), '--repo', r.root]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/✘ \[1\/1\] cp failed after 2 attempts: \[imports\/denied_import\] src\/cp\.ts:1 imports child_process/);
    expect(bad.stderr).toContain('LANE_TASKS_FAILED');

    const summary = await runCli(['lane', 'summary', '--repo', r.root, '--json']);
    expect(summary.code, summary.stderr).toBe(0);
    const report = JSON.parse(summary.stdout);
    expect(report.file).toMatch(/reports\/lane\/\d{4}-\d{2}-\d{2}\.md$/);
    expect(report.top[0].headline).toContain('cp (fix) failed after 2 attempt(s): [imports/denied_import]');
    expect(fs.readFileSync(report.file, 'utf8')).toContain('## Top 3');

    const status = JSON.parse((await runCli(['lane', 'status', '--repo', r.root, '--json'])).stdout);
    expect(status.criteria.find((c: { name: string }) => c.name === 'real_tasks_succeeded').value).toBe(1);
  });
});

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.each(testBackends())('a lane killed mid-task (%s)', (backend) => {
  let db: TestDatabase | undefined;
  afterAll(async () => db?.dispose());

  it('loses no event: the next lane command syncs the buffer and records the crash', async () => {
    const r = repo();
    const env: NodeJS.ProcessEnv = { AGENTLANE_HOME: r.home };
    if (backend === 'postgres') {
      db = await createTestDatabase('postgres');
      env.DATABASE_URL = db.url;
    }
    // On PostgreSQL the agent runs without bwrap (its supervisor takes it down with the lane, and recovery
    // kills it if it is still there); on PGlite it runs under bwrap (where usable), which takes it down with the lane.
    const sandbox = backend === 'postgres' ? 'worktree' : 'auto';
    const laneFile = r.laneFile(
      lane([task('first', r.agent('fix', FIX_ADD)), task('slow', r.agent('slow', `echo 'export const s = 1;' > src/slow.mjs\nsleep 60`), { limits: { wall_time_s: 120 } })], { sandbox }),
    );
    const { child, result } = startCli(['lane', 'run', laneFile, '--repo', r.root], { env });
    const runs = lanePaths(r.home).runs;
    const bufferOf = () => {
      const names = fs.existsSync(runs) ? fs.readdirSync(runs) : [];
      return names.length === 1 ? path.join(runs, names[0] as string, EVENTS_FILE) : undefined;
    };
    const buffer = await waitFor('the run buffer', bufferOf);
    const agentPid = await waitFor('the slow agent to start', () => {
      const started = readEvents(buffer).events.find((e) => e.type === 'agent_started' && e.taskId === 'slow');
      return started ? (started.data as { pid: number }).pid : undefined;
    });
    child.kill('SIGKILL');
    const killed = await result;
    expect(killed.signal).toBe('SIGKILL');
    const before = readEvents(buffer).events;
    expect(before.at(-1)?.type).toBe('agent_started');

    // Restart: any lane command recovers. The crashed run's agent does not survive it.
    const status = await runCli(['lane', 'status', '--repo', r.root, '--json'], { env });
    expect(status.code, status.stderr).toBe(0);
    const runId = before[0]?.runId as string;
    const recovered = JSON.parse(status.stdout).recovered;
    expect(recovered).toEqual([{ runId, lastSeq: before.length, killedAgent: sandbox === 'worktree' && recovered[0]?.killedAgent !== null ? agentPid : null }]);
    await waitFor('the agent to be gone', () => (alive(agentPid) ? undefined : true), 5000);
    const after = readEvents(buffer).events;
    expect(after.map((e) => e.seq)).toEqual([...before.map((e) => e.seq), before.length + 1]);
    expect(after.at(-1)?.type).toBe('run_crashed');

    let sql: Sql;
    if (db) sql = db.sql;
    else sql = await openPglite({ dataDir: path.join(r.home, 'db') });
    try {
      const stored = await sql.query<{ id: string; seq: number }>('SELECT id, seq FROM lane.events WHERE run_id = $1 ORDER BY seq', [runId]);
      expect(stored.rows.map((e) => e.id)).toEqual(after.map((e) => e.id));
      expect((await sql.query<{ status: string }>('SELECT status FROM lane.runs WHERE id = $1', [runId])).rows[0]?.status).toBe('crashed');
      const tasks = await sql.query<{ id: string; status: string }>('SELECT id, status FROM lane.microtasks WHERE run_id = $1 ORDER BY position', [runId]);
      expect(tasks.rows).toEqual([{ id: 'first', status: 'succeeded' }, { id: 'slow', status: 'interrupted' }]);
    } finally {
      if (!db) await sql.close();
    }

    // The crashed run's worktree is swept by `lane clean`; the committed first task stays.
    const clean = await runCli(['lane', 'clean', '--repo', r.root, '--json'], { env });
    expect(clean.code, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout).worktrees).toHaveLength(1);
    expect(r.git('worktree', 'list').trim().split('\n')).toHaveLength(1);
    expect(r.git('show', 'lane/nightly:src/math.mjs')).toContain('a + b');
  });
});
