import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { indexFreshness, indexRepository } from '../src/index.js';
import { testBackends } from '../../../test/support/backends.js';
import { useKgDatabase } from './support/kg-database.js';
import { editFile, writeRepo } from '../../../test/support/repo.js';

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, stdio: 'pipe' }).toString().trim();

describe.each(testBackends())('index freshness on %s', (backend) => {
  const database = useKgDatabase(backend);
  let root: string;

  beforeAll(() => {
    root = writeRepo({ 'a.py': 'def a() -> None:\n    pass\n', 'b.ts': 'export const b = 1;\n' });
    git(root, 'init', '-q');
    git(root, 'add', '.');
    git(root, 'commit', '-qm', 'one');
  });

  it('says there is no index before the first run', async () => {
    const f = await indexFreshness(database.sql, { repoRoot: root });
    expect(f).toMatchObject({ runId: null, fresh: false, changedFiles: 2 });
  });

  it('is fresh right after a run, with the run id and the HEAD it indexed', async () => {
    const summary = await indexRepository(database.sql, { repoRoot: root, workers: 1 });
    const f = await indexFreshness(database.sql, { repoRoot: root });
    expect(f).toMatchObject({ runId: summary.runId, indexedHead: git(root, 'rev-parse', 'HEAD'), fresh: true, changedFiles: 0 });
    expect(f.currentHead).toBe(f.indexedHead);
  });

  it('notices edited, added and deleted files, and a moved HEAD', async () => {
    editFile(root, 'a.py', 'def a() -> int:\n    return 1\n');
    editFile(root, 'c.py', 'x: int = 1\n');
    fs.rmSync(path.join(root, 'b.ts'));
    const f = await indexFreshness(database.sql, { repoRoot: root });
    expect(f).toMatchObject({ fresh: false, changedFiles: 3, examples: ['a.py', 'b.ts', 'c.py'] });
    await indexRepository(database.sql, { repoRoot: root, workers: 1 });
    expect((await indexFreshness(database.sql, { repoRoot: root })).fresh).toBe(true);
    git(root, 'commit', '-qam', 'two', '--allow-empty');
    const moved = await indexFreshness(database.sql, { repoRoot: root });
    expect(moved.fresh).toBe(false);
    expect(moved.currentHead).not.toBe(moved.indexedHead);
  });
});
