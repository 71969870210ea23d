import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type Sql } from '@agentlane/store';
import { createTestDatabase, testBackends, type TestDatabase } from '../../../test/support/backends.js';
import { editFile, writeRepo } from '../../../test/support/repo.js';
import { runCli, startCli } from './support/cli.js';

const FILES = 200;

/** Enough Python that a full index takes a few seconds: time to kill it mid-run. */
function corpus(): string {
  const files: Record<string, string> = {};
  for (let f = 0; f < FILES; f += 1) {
    const defs = Array.from(
      { length: 40 },
      (_, i) => `class C${i}(Base):\n    x: int = ${i}\n\n    def m${i}(self, a: int, b: str = "") -> int:\n        return helper(a) + self.m${(i + 1) % 40}(a)\n`,
    );
    files[`pkg/mod${f}.py`] = `from .base import Base, helper\n\n\n${defs.join('\n\n')}`;
  }
  files['pkg/__init__.py'] = '';
  files['pkg/base.py'] = 'class Base:\n    pass\n\n\ndef helper(a: int) -> int:\n    return a\n';
  return writeRepo(files);
}

async function snapshot(sql: Sql) {
  const objects = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM kg.objects');
  const relations = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM kg.relations');
  const files = await sql.query<{ path: string; sha256: string }>('SELECT path, sha256 FROM kg.files ORDER BY path');
  const runs = await sql.query<{ id: string; status: string }>('SELECT id, status FROM kg.index_runs ORDER BY started_at');
  return { objects: objects.rows[0]?.n, relations: relations.rows[0]?.n, files: files.rows, runs: runs.rows };
}

describe.each(testBackends())('a killed index run on %s', (backend) => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const db of databases) await db.dispose();
  });

  it('loses nothing: the previous complete index stays readable and the next run recovers', async () => {
    const root = corpus();
    let env: NodeJS.ProcessEnv = {};
    if (backend === 'postgres') {
      const db = await createTestDatabase('postgres');
      databases.push(db);
      env = { DATABASE_URL: db.url };
    }
    const open = () => openStore({ config: { databaseUrl: env.DATABASE_URL, home: undefined }, repoRoot: root });

    const first = await runCli(['kg', 'index', root, '--workers', '1'], { env });
    expect(first.code, first.stderr).toBe(0);
    let sql = await open();
    const before = await snapshot(sql);
    await sql.close();
    expect(before.runs.map((r) => r.status)).toEqual(['succeeded']);

    // Change every file, start a full re-index, and kill it while it parses.
    for (let f = 0; f < FILES; f += 1) {
      const rel = `pkg/mod${f}.py`;
      editFile(root, rel, `${fs.readFileSync(path.join(root, rel), 'utf8')}\n\ndef added_${f}() -> None:\n    pass\n`);
    }
    const run = startCli(['kg', 'index', root, '--full', '--workers', '1'], { env: { ...env, LOG_LEVEL: 'debug' } });
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      run.child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('"msg":"parsing"')) resolve();
      });
      run.child.on('close', () => reject(new Error(`index finished before it could be killed: ${stderr}`)));
    });
    await new Promise((r) => setTimeout(r, 300));
    run.child.kill('SIGKILL');
    const killed = await run.result;
    expect(killed.signal).toBe('SIGKILL');

    sql = await open();
    const after = await snapshot(sql);
    await sql.close();
    expect(after.objects).toBe(before.objects);
    expect(after.relations).toBe(before.relations);
    expect(after.files).toEqual(before.files);
    expect(after.runs.map((r) => r.status)).toEqual(['succeeded', 'running']);

    // Its process is gone: `kg stats` says the run was interrupted, and still answers from the complete index.
    const stats = await runCli(['kg', 'stats', root, '--json'], { env });
    expect(stats.code, stats.stderr).toBe(0);
    const shown = JSON.parse(stats.stdout);
    expect(shown.latestRun).toMatchObject({ id: after.runs[1]?.id, status: 'interrupted' });
    expect(shown.lastRun).toMatchObject({ id: before.runs[0]?.id, status: 'succeeded' });
    expect(JSON.stringify(shown)).not.toContain('"running"');
    expect(shown.interruptedRuns).toBe(1);

    const next = await runCli(['kg', 'index', root, '--json'], { env });
    expect(next.code, next.stderr).toBe(0);
    expect(JSON.parse(next.stdout).files.parsed).toBe(FILES);
    expect(JSON.parse(next.stdout).interruptedRuns).toEqual([after.runs[1]?.id]);
    sql = await open();
    const recovered = await snapshot(sql);
    const added = await sql.query<{ n: number }>("SELECT count(*)::int AS n FROM kg.objects WHERE name LIKE 'added\\_%'");
    await sql.close();
    expect(recovered.runs.map((r) => r.status)).toEqual(['succeeded', 'interrupted', 'succeeded']);
    expect(added.rows[0]?.n).toBe(FILES);
  }, 300_000);
});
