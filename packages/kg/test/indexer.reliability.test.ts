import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assertRepository, indexFreshness, indexRepository, kgStats } from '../src/index.js';
import { testBackends } from '../../../test/support/backends.js';
import { rejectionCodeOf } from '../../../test/support/errors.js';
import { editFile, writeRepo } from '../../../test/support/repo.js';
import { useKgDatabase } from './support/kg-database.js';

const NOT_UTF8 = Buffer.from([0x78, 0x20, 0x3d, 0x20, 0x27, 0xff, 0xfe, 0x27, 0x0a]); // x = '\xff\xfe'
const BINARY = Buffer.from([0x00, 0x01, 0x02, 0x00, 0x7f]);

/** A pid that no process has any more. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe.each(testBackends())('content skips are remembered on %s', (backend) => {
  const database = useKgDatabase(backend);

  it('keeps an unchanged binary or non-UTF-8 file skipped without re-reading it, and stays fresh', async () => {
    const root = writeRepo({ 'ok.py': 'def ok() -> int:\n    return 1\n', 'blob.py': BINARY, 'latin.py': NOT_UTF8 });
    const first = await indexRepository(database.sql, { repoRoot: root, workers: 1 });
    expect(first.skippedByReason).toMatchObject({ binary: 1, not_utf8: 1 });
    expect(first.files.parsed).toBe(3);
    const fresh = await indexFreshness(database.sql, { repoRoot: root });
    expect(fresh).toMatchObject({ fresh: true, changedFiles: 0 });

    const second = await indexRepository(database.sql, { repoRoot: root, workers: 1 });
    expect(second.files).toMatchObject({ parsed: 0, unchanged: 3 });
    // The skips still describe the tree.
    expect(second.skippedByReason).toMatchObject({ binary: 1, not_utf8: 1 });
    const stats = await kgStats(database.sql);
    expect(stats.skippedByReason).toMatchObject({ binary: 1, not_utf8: 1 });

    // A changed skipped file counts as changed, and is read again.
    editFile(root, 'latin.py', 'x = 1\n');
    expect(await indexFreshness(database.sql, { repoRoot: root })).toMatchObject({ fresh: false, changedFiles: 1, examples: ['latin.py'] });
    const third = await indexRepository(database.sql, { repoRoot: root, workers: 1 });
    expect(third.files.parsed).toBe(1);
    expect(third.skippedByReason).toEqual({ binary: 1 });
    expect((await indexFreshness(database.sql, { repoRoot: root })).fresh).toBe(true);
  });
});

describe.each(testBackends())('index run bookkeeping on %s', (backend) => {
  const database = useKgDatabase(backend);

  it('records the run duration at its end, not at the start of its transaction', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 80; i += 1) files[`m${i}.py`] = `def f${i}(a: int) -> int:\n    return a\n`.repeat(30);
    const root = writeRepo(files);
    const summary = await indexRepository(database.sql, { repoRoot: root, workers: 1 });
    expect(summary.durationMs).toBeGreaterThan(200);
    const stats = await kgStats(database.sql);
    expect(stats.lastRun?.durationMs).toBeGreaterThanOrEqual(summary.durationMs * 0.6);
    expect(stats.lastRun?.durationMs).toBeLessThanOrEqual(summary.durationMs + 1_000);
  });

  it('shows a run left running by a dead process as interrupted; the next run marks it so', async () => {
    const id = randomUUID();
    await database.sql.query(
      `INSERT INTO kg.index_runs (id, repo_root, mode, status, pid, host, started_at) VALUES ($1, '/x', 'full', 'running', $2, $3, now() + interval '1 second')`,
      [id, deadPid(), os.hostname()],
    );
    const stats = await kgStats(database.sql);
    expect(stats.latestRun).toMatchObject({ id, status: 'interrupted' });
    expect(stats.interruptedRuns).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const root = (await database.sql.query<{ repo_root: string }>(`SELECT repo_root FROM kg.index_runs WHERE status = 'succeeded' LIMIT 1`)).rows[0]?.repo_root as string;
    const next = await indexRepository(database.sql, { repoRoot: root, workers: 1 });
    expect(next.interruptedRuns).toEqual([id]);
    const row = await database.sql.query<{ status: string }>('SELECT status FROM kg.index_runs WHERE id = $1', [id]);
    expect(row.rows[0]?.status).toBe('interrupted');
    const after = await kgStats(database.sql);
    expect(after.latestRun).toMatchObject({ id: next.runId, status: 'succeeded' });
    expect(after.interruptedRuns).toBe(1);
  });

  it('keeps a run of this live process running', async () => {
    const id = randomUUID();
    await database.sql.query(
      `INSERT INTO kg.index_runs (id, repo_root, mode, status, pid, host, started_at) VALUES ($1, '/x', 'full', 'running', $2, $3, now() + interval '1 hour')`,
      [id, process.pid, os.hostname()],
    );
    expect((await kgStats(database.sql)).latestRun).toMatchObject({ id, status: 'running' });
    await database.sql.query('DELETE FROM kg.index_runs WHERE id = $1', [id]);
  });

  it('keeps a run of another live process on this host running (the embedded database is shared over its socket)', async () => {
    const id = randomUUID();
    await database.sql.query(
      `INSERT INTO kg.index_runs (id, repo_root, mode, status, pid, host, started_at) VALUES ($1, '/x', 'full', 'running', $2, $3, now() + interval '1 hour')`,
      [id, process.ppid, os.hostname()],
    );
    expect((await kgStats(database.sql)).latestRun).toMatchObject({ id, status: 'running' });
    await database.sql.query('DELETE FROM kg.index_runs WHERE id = $1', [id]);
  });
});

describe.each(testBackends())('one database, two repositories on %s', (backend) => {
  const database = useKgDatabase(backend);

  it('refuses to index or query another repository, deleting nothing; --replace-repository replaces explicitly', async () => {
    const a = writeRepo({ 'a.py': 'def only_in_a() -> None:\n    pass\n', 'shared.py': 'x: int = 1\n' });
    const b = writeRepo({ 'b.py': 'def only_in_b() -> None:\n    pass\n', 'shared.py': 'y: int = 2\n' });
    await indexRepository(database.sql, { repoRoot: a, workers: 1 });
    const before = await database.sql.query<{ path: string; sha256: string }>('SELECT path, sha256 FROM kg.files ORDER BY path');

    const refused = await rejectionCodeOf(indexRepository(database.sql, { repoRoot: b, workers: 1 }));
    expect(refused).toBe('KG_REPOSITORY_MISMATCH');
    expect(await rejectionCodeOf(indexFreshness(database.sql, { repoRoot: b }))).toBe('KG_REPOSITORY_MISMATCH');
    expect(await rejectionCodeOf(assertRepository(database.sql, b))).toBe('KG_REPOSITORY_MISMATCH');
    const after = await database.sql.query<{ path: string; sha256: string }>('SELECT path, sha256 FROM kg.files ORDER BY path');
    expect(after.rows).toEqual(before.rows);

    // The same checkout under another name (a symlink, a relative path) is the same repository.
    const alias = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-alias-')), 'repo');
    fs.symlinkSync(a, alias);
    await assertRepository(database.sql, alias);
    const again = await indexRepository(database.sql, { repoRoot: alias, workers: 1 });
    expect(again.files).toMatchObject({ unchanged: 2, deleted: 0 });

    const replaced = await indexRepository(database.sql, { repoRoot: b, workers: 1, replaceRepository: true });
    expect(replaced.replacedRepository).toBe(fs.realpathSync(a));
    expect(replaced.mode).toBe('full');
    const files = await database.sql.query<{ path: string }>('SELECT path FROM kg.files ORDER BY path');
    expect(files.rows.map((r) => r.path)).toEqual(['b.py', 'shared.py']);
    const names = await database.sql.query<{ name: string }>("SELECT name FROM kg.objects WHERE name LIKE 'only\\_in\\_%'");
    expect(names.rows.map((r) => r.name)).toEqual(['only_in_b']);
    expect(await rejectionCodeOf(assertRepository(database.sql, a))).toBe('KG_REPOSITORY_MISMATCH');
  });
});
