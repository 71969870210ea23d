import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, migrateEngine, parseWorkflow } from '@agentlane/engine';
import { createTestDatabase, testBackends, type TestDatabase } from '../../../test/support/backends.js';
import { clearRedisPrefix, uniquePrefix } from '../../../packages/engine/test/support/engine.js';
import { runCli, startCli } from './support/cli.js';

const REDIS_URL = process.env.AGENTLANE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function workdir(files: Record<string, unknown> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-engine-cli-'));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return dir;
}

const CYCLE = 'tasks:\n  - {key: a, role: r, agent: noop}\n  - {key: b, role: r, agent: noop}\ndependencies:\n  - [a, b]\n  - [b, a]\n';
const FAILING = { name: 'failing', tasks: [{ key: 'bad', role: 'r', agent: 'exec', max_attempts: 1, command: [process.execPath, '-e', 'console.error("broken on purpose"); process.exit(4)'] }] };

describe('agentlane engine on the embedded database (PGlite)', () => {
  it('runs the built-in workflow, then shows it with engine status', async () => {
    const dir = workdir();
    const env = { AGENTLANE_HOME: path.join(dir, 'home'), ENGINE_V2_STAGING_DIR: path.join(dir, 'staging') };
    const run = await runCli(['engine', 'run', '--workflow', 'builtin:default', '--input', '{"qa_issues": 0}', '--json', '--repo', dir], { env });
    expect(run.code, run.stderr).toBe(0);
    const job = JSON.parse(run.stdout) as { jobId: string; status: string; tasks: { key: string; status: string }[] };
    expect(job.status).toBe('succeeded');
    expect(job.tasks.find((t) => t.key === 'fix')?.status).toBe('skipped');
    const status = await runCli(['engine', 'status', job.jobId, '--repo', dir], { env });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`Job ${job.jobId} (default, direct): succeeded`);
    expect(status.stdout).toMatch(/fix\s+builder\s+skipped\s+0\/2\s+skip_if qa_review.issues == 0/);
  });
});

const backend = testBackends().includes('postgres') ? 'postgres' : 'pglite';

describe(`agentlane engine commands (${backend})`, () => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const db of databases) await db.dispose();
  });

  async function setup(): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
    const dir = workdir({ 'cycle.yaml': CYCLE, 'failing.json': FAILING });
    const env: NodeJS.ProcessEnv = { AGENTLANE_HOME: path.join(dir, 'home'), ENGINE_V2_STAGING_DIR: path.join(dir, 'staging') };
    if (backend === 'postgres') {
      const db = await createTestDatabase('postgres');
      databases.push(db);
      env.DATABASE_URL = db.url;
    }
    return { dir, env };
  }

  it('rejects a cyclic workflow at submit (exit 2, the cycle named) and reports a failed run (exit 1)', async () => {
    const { dir, env } = await setup();
    const cyclic = await runCli(['engine', 'run', '--workflow', path.join(dir, 'cycle.yaml'), '--repo', dir], { env });
    expect(cyclic.code).toBe(2);
    expect(cyclic.stderr).toContain('ENGINE_WORKFLOW_CYCLE');
    expect(cyclic.stderr).toContain('a → b → a');

    const failed = await runCli(['engine', 'run', '--workflow', path.join(dir, 'failing.json'), '--repo', dir], { env });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/bad\s+r\s+failed\s+1\/1\s+exec_failed: .*exited with code 4: broken on purpose/);
    expect(failed.stderr).toContain('ENGINE_JOB_FAILED');

    const json = await runCli(['engine', 'run', '--workflow', path.join(dir, 'failing.json'), '--json', '--repo', dir], { env });
    expect(json.code).toBe(1);
    const body = JSON.parse(json.stdout) as { error: { code: string; details: { job: { status: string; errorCode: string } } } };
    expect(body.error.code).toBe('ENGINE_JOB_FAILED');
    expect(body.error.details.job).toMatchObject({ status: 'failed', errorCode: 'v2_task_failed' });

    const missing = await runCli(['engine', 'status', '00000000-0000-4000-8000-000000000000', '--repo', dir], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('ENGINE_JOB_NOT_FOUND');
    expect((await runCli(['engine', 'run', '--workflow', 'builtin:default', '--input', '{not json', '--repo', dir], { env })).code).toBe(2);
  });

  it('gates: fail without evidence, pass after a drill with relaxed thresholds; teardown only after confirmation', async () => {
    const { dir, env } = await setup();
    const gate = await runCli(['engine', 'gate', '--repo', dir], { env });
    expect(gate.code).toBe(1);
    expect(gate.stdout).toMatch(/v2_success_rate\s+n\/a\s+≥ 0.9\s+FAIL/);
    expect(gate.stdout).toMatch(/killswitch_drill\s+n\/a\s+latest drill passed\s+FAIL/);
    expect(gate.stderr).toContain('ENGINE_GATE_FAILED');
    expect(fs.existsSync(path.join(dir, 'reports/engine/gate.json'))).toBe(true);

    const drill = await runCli(['engine', 'killswitch', '--drill', '--repo', dir], { env });
    expect(drill.code, drill.stderr).toBe(0);
    expect(drill.stdout).toContain('Kill-switch drill passed');
    expect(drill.stdout).toMatch(/running_reach_zero\s+pass/);

    const relaxed = await runCli(['engine', 'gate', '--min-runs', '0', '--json', '--out', 'g.json', '--repo', dir], { env });
    expect(relaxed.code, relaxed.stdout).toBe(0);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'g.json'), 'utf8')) as { passed: boolean; gates: { name: string; passed: boolean }[] };
    expect(report.passed).toBe(true);
    expect(report.gates.find((g) => g.name === 'killswitch_drill')?.passed).toBe(true);
    expect((await runCli(['engine', 'gate', '--v2-success-rate', '1.5'], { env })).code).toBe(2);

    const refused = await runCli(['engine', 'teardown', '--repo', dir], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    const dropped = await runCli(['engine', 'teardown', '--yes', '--repo', dir], { env });
    expect(dropped.code, dropped.stderr).toBe(0);
    expect(dropped.stdout).toContain('Dropped schema engine_v2');
    expect((await runCli(['engine', 'teardown', '--yes', '--repo', dir], { env })).stdout).toContain('did not exist');
  });

  it('refuses `worker` on the single-process embedded database', async () => {
    const dir = workdir();
    const result = await runCli(['worker', '--repo', dir], { env: { AGENTLANE_HOME: path.join(dir, 'home') } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('REDIS_URL');
  });
});

describe.runIf(testBackends().includes('postgres'))('a killed `agentlane worker` process (postgres + Redis)', () => {
  let db: TestDatabase | undefined;
  const prefix = uniquePrefix('kill');
  afterAll(async () => {
    await db?.dispose();
    await clearRedisPrefix(REDIS_URL, prefix);
  });

  it('loses nothing: its task is re-claimed by another worker after the lease expires and the job finishes', async () => {
    db = await createTestDatabase('postgres');
    await migrateEngine(db.sql);
    const dir = workdir();
    const env = { DATABASE_URL: db.url, REDIS_URL, ENGINE_V2_QUEUE_PREFIX: prefix, ENGINE_V2_LEASE_MS: '2000', ENGINE_V2_STAGING_DIR: path.join(dir, 'staging') };
    const workers = [0, 1].map(() => startCli(['worker', '--roles', 'kill', '--concurrency', '1', '--repo', dir], { env }));
    const submitter = createEngine({ sql: db.sql, workers: 0, transport: { kind: 'bullmq', url: REDIS_URL, prefix }, pollIntervalMs: 50 });
    try {
      const jobId = await submitter.submit(
        parseWorkflow({
          tasks: [
            { key: 'long', role: 'kill', agent: 'exec', max_attempts: 2, command: [process.execPath, '-e', 'setTimeout(() => console.log(JSON.stringify({ done: process.env.AGENTLANE_TASK_ATTEMPT })), 2500)'] },
            { key: 'after', role: 'kill', agent: 'noop' },
          ],
          dependencies: [['long', 'after']],
        }),
      );
      let holder: string | null = null;
      for (let i = 0; i < 200 && !holder; i += 1) {
        const { rows } = await db.sql.query<{ worker_id: string | null }>(`SELECT worker_id FROM engine_v2.job_tasks WHERE job_id = $1 AND task_key = 'long' AND status = 'running'`, [jobId]);
        holder = rows[0]?.worker_id ?? null;
        if (!holder) await new Promise((r) => setTimeout(r, 50));
      }
      expect(holder).not.toBeNull();
      const pid = Number((holder as string).split(':').at(-2));
      const victim = workers.find((w) => w.child.pid === pid);
      expect(victim, `worker ${holder} is one of ours`).toBeDefined();
      victim?.child.kill('SIGKILL');
      expect((await victim?.result)?.signal).toBe('SIGKILL');

      const result = await submitter.wait(jobId);
      expect(result.status).toBe('succeeded');
      expect(result.output).toEqual({});
      const attempts = await db.sql.query<{ attempt_no: number; status: string; worker_id: string; error: { code: string } | null }>(
        `SELECT a.attempt_no, a.status, a.worker_id, a.error FROM engine_v2.job_task_attempts a
         JOIN engine_v2.job_tasks t ON t.id = a.task_id WHERE t.job_id = $1 AND t.task_key = 'long' ORDER BY a.attempt_no`,
        [jobId],
      );
      expect(attempts.rows.map((a) => [a.attempt_no, a.status, a.error?.code ?? null])).toEqual([[1, 'failed', 'lease_expired'], [2, 'succeeded', null]]);
      expect(attempts.rows[0]?.worker_id).toBe(holder);
      expect(attempts.rows[1]?.worker_id).not.toBe(holder);
      const long = await db.sql.query<{ output: { done: string } }>(`SELECT output FROM engine_v2.job_tasks WHERE job_id = $1 AND task_key = 'long'`, [jobId]);
      expect(long.rows[0]?.output).toEqual({ done: '2' });
    } finally {
      await submitter.close();
      const survivors = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
      for (const w of survivors) w.child.kill('SIGTERM');
      for (const w of survivors) expect((await w.result).code).toBe(0);
    }
  });
});
