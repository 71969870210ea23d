import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '@agentlane/engine';
import { openPostgres } from '@agentlane/store';
import { ADMIN_DATABASE_URL, createTestDatabase, testBackends, type TestDatabase } from '../../../test/support/backends.js';
import { runCli, startCli } from './support/cli.js';

function workdir(files: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-engine-sec-'));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  return dir;
}

const DEPTH = 5000;
const WORKFLOW = '{"name":"w","tasks":[{"key":"a","role":"remote-r","agent":"noop"}]}';

describe('security: engine', () => {
  it('engine run with a 5,000-deep JSON workflow exits 2 (ENGINE_WORKFLOW_INVALID), not 70', async () => {
    const deep = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;
    const dir = workdir({ 'deep.json': `{"tasks":[{"key":"a","role":"r","agent":"noop","with":{"x":${deep}}}]}` });
    const run = await runCli(['engine', 'run', '--workflow', path.join(dir, 'deep.json'), '--repo', dir], { env: { AGENTLANE_HOME: path.join(dir, 'home') } });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('ENGINE_WORKFLOW_INVALID');
  });

  it('engine run with a 5,000-deep --input exits 2, not 70', async () => {
    const dir = workdir({ 'w.json': WORKFLOW });
    const input = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;
    const run = await runCli(['engine', 'run', '--workflow', path.join(dir, 'w.json'), '--input', input, '--repo', dir], { env: { AGENTLANE_HOME: path.join(dir, 'home') } });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/nests deeper than \d+ levels/);
  });
});

/** What a PostgreSQL restart looks like to one database: its connections cut, new ones refused. */
async function refuseConnections(database: string, refuse: boolean): Promise<void> {
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS ${refuse ? 'false' : 'true'}`);
    if (refuse) await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
  } finally {
    await admin.end();
  }
}

async function submitted(stderr: () => string): Promise<string> {
  for (let i = 0; i < 600; i += 1) {
    const id = /job (\S+): /.exec(stderr())?.[1];
    if (id) return id;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the job was not submitted: ${stderr()}`);
}

describe('security: engine', () => {
  describe.runIf(testBackends().includes('postgres'))('a PostgreSQL restart during engine run --remote', () => {
    const databases: TestDatabase[] = [];
    afterAll(async () => {
      for (const db of databases) await db.dispose();
    });

    async function setup(): Promise<{ dir: string; env: NodeJS.ProcessEnv; db: TestDatabase; name: string }> {
      const dir = workdir({ 'w.json': WORKFLOW });
      const db = await createTestDatabase('postgres');
      databases.push(db);
      const name = new URL(db.url as string).pathname.slice(1);
      return { dir, db, name, env: { AGENTLANE_HOME: path.join(dir, 'home'), DATABASE_URL: db.url, ENGINE_V2_STAGING_DIR: path.join(dir, 'staging') } };
    }

    it('engine run --remote whose database stays down exits 3 (DB_CONNECT_FAILED), not 70', async () => {
      const { dir, env, name } = await setup();
      let stderr = '';
      const { child, result } = startCli(['engine', 'run', '--remote', '--workflow', path.join(dir, 'w.json'), '--repo', dir], { env });
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      await submitted(() => stderr);
      await refuseConnections(name, true);
      try {
        const run = await result;
        expect(run.code, run.stderr).toBe(3);
        expect(run.stderr).toContain('DB_CONNECT_FAILED');
        expect(run.stderr).not.toContain('postgres://');
      } finally {
        await refuseConnections(name, false);
      }
    }, 60_000);

    it('engine run --remote rides out a short restart and reports the job once a worker ran it (exit 0)', async () => {
      const { dir, env, name, db } = await setup();
      let stderr = '';
      const { child, result } = startCli(['engine', 'run', '--remote', '--workflow', path.join(dir, 'w.json'), '--repo', dir], { env });
      child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      await submitted(() => stderr);
      await refuseConnections(name, true);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await refuseConnections(name, false);
      // A worker comes up after the restart and runs the task.
      const sql = await openPostgres({ connectionString: db.url as string, maxConnections: 2 });
      const worker = createEngine({ sql, workers: 1, roles: ['remote-r'], stagingRoot: path.join(dir, 'staging'), pollIntervalMs: 20 });
      try {
        const run = await result;
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout).toMatch(/Job \S+ \(w, direct\): succeeded/);
      } finally {
        await worker.close();
        await sql.close();
      }
    }, 60_000);
  });
});
