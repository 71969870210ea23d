import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '@agentlane/store';
import { indexRepository, kgStats, parseFile } from '../src/index.js';
import { SYNTAX_ERROR_PATHS_LIMIT } from '../src/query/stats.js';
import { testBackends } from '../../../test/support/backends.js';
import { useKgDatabase } from './support/kg-database.js';
import { writeRepo } from '../../../test/support/repo.js';

/** 5 MB of Python: 2,000 functions, each returning a long literal (three lines apiece). */
const FUNCTIONS = 2_000;
const FIVE_MB_PY = `# generated\n${Array.from({ length: FUNCTIONS }, (_, i) => `def f${i}(a: int) -> str:\n    return a + '${'x'.repeat(2_600)}'\n\n`).join('')}`;

function badCorpus(): string {
  const root = writeRepo({
    'ok.py': 'def fine(x: int) -> int:\n    return x\n',
    'broken.py': 'def good(a):\n    return a\n\ndef bad(:\n    pass\n\nclass After:\n    def m(self) -> None: ...\n',
    'broken.ts': 'export function ok(a: number): number { return a; }\nexport class X { m( { }\nexport function later(): void {}\n',
    'binary.py': Buffer.from([0x64, 0x65, 0x66, 0x00, 0x01, 0x02, 0xff, 0x00]),
    'latin1.py': Buffer.concat([Buffer.from('name = "'), Buffer.from([0xe9, 0xe8]), Buffer.from('"\n')]),
    'huge.py': FIVE_MB_PY,
    // A docstring whose escape decodes to NUL: PostgreSQL text cannot hold it.
    'nul.py': 'def with_nul(a: str = "x") -> str:\n    "Doc \\x00 with a NUL."\n    return a\n',
  });
  fs.mkdirSync(path.join(root, 'pkg'));
  fs.symlinkSync('..', path.join(root, 'pkg', 'loop'));
  return root;
}

describe.each(testBackends())('indexing bad input on %s', (backend) => {
  const database = useKgDatabase(backend);
  let sql: Sql;
  let root: string;

  beforeAll(() => {
    sql = database.sql;
    root = badCorpus();
  });

  it('indexes what it can and records every problem with its reason', async () => {
    const summary = await indexRepository(sql, { repoRoot: root, workers: 2 });
    expect(summary.skippedByReason).toEqual({ binary: 1, not_utf8: 1, too_large: 1, symlink_loop: 1 });
    const skipped = await sql.query<{ path: string; reason: string; size: number | null }>('SELECT path, reason, size FROM kg.skipped_files ORDER BY path');
    expect(skipped.rows.map((r) => [r.path, r.reason])).toEqual([
      ['binary.py', 'binary'],
      ['huge.py', 'too_large'],
      ['latin1.py', 'not_utf8'],
      ['pkg/loop', 'symlink_loop'],
    ]);
    expect(skipped.rows.find((r) => r.path === 'huge.py')?.size).toBe(Buffer.byteLength(FIVE_MB_PY));
    const files = await sql.query<{ path: string; syntax_errors: number }>('SELECT path, syntax_errors FROM kg.files ORDER BY path');
    expect(files.rows.map((r) => r.path)).toEqual(['broken.py', 'broken.ts', 'nul.py', 'ok.py']);
    expect(files.rows.find((r) => r.path === 'broken.py')?.syntax_errors).toBeGreaterThan(0);
    expect(files.rows.find((r) => r.path === 'broken.ts')?.syntax_errors).toBeGreaterThan(0);
    expect(files.rows.find((r) => r.path === 'ok.py')?.syntax_errors).toBe(0);
    expect(summary.syntaxErrorFiles).toBe(2);
  });

  it('stores text holding NUL characters with U+FFFD in their place', async () => {
    const { rows } = await sql.query<{ doc: string }>(
      "SELECT doc FROM kg.objects WHERE file_path = 'nul.py' AND name = 'with_nul'",
    );
    expect(rows[0]?.doc).toBe('Doc \uFFFD with a NUL.');
  });

  it('names the files with syntax errors in the stats, the first of them when there are many', async () => {
    const stats = await kgStats(sql);
    expect(stats.syntaxErrorFiles).toBe(2);
    expect(stats.syntaxErrorPaths.map((f) => f.path)).toEqual(['broken.py', 'broken.ts']);
    expect(stats.syntaxErrorPaths.every((f) => f.syntaxErrors > 0)).toBe(true);
    // Rows of a pretend larger repository (removed again): the list stops at the limit, the count does not.
    const extra = SYNTAX_ERROR_PATHS_LIMIT + 5;
    await sql.query(
      `INSERT INTO kg.files (path, language, module_name, sha256, size, mtime_ms, line_count, syntax_errors, run_id)
       SELECT 'zz/' || lpad(i::text, 3, '0') || '.ts', 'ts', 'zz', 'x', 0, 0, 1, 1, 'test' FROM generate_series(1, $1::int) AS i`,
      [extra],
    );
    try {
      const many = await kgStats(sql);
      expect(many.syntaxErrorFiles).toBe(2 + extra);
      expect(many.syntaxErrorPaths).toHaveLength(SYNTAX_ERROR_PATHS_LIMIT);
      expect(many.syntaxErrorPaths.slice(0, 3).map((f) => f.path)).toEqual(['broken.py', 'broken.ts', 'zz/001.ts']);
    } finally {
      await sql.query(`DELETE FROM kg.files WHERE path LIKE 'zz/%'`);
    }
  });

  it('keeps what parsed in a file with syntax errors', async () => {
    const { rows } = await sql.query<{ qualified_name: string }>("SELECT qualified_name FROM kg.objects WHERE file_path = 'broken.py' ORDER BY start_line");
    const names = rows.map((r) => r.qualified_name);
    expect(names).toContain('good');
    expect(names).toContain('After');
    const ts = await sql.query<{ qualified_name: string }>("SELECT qualified_name FROM kg.objects WHERE file_path = 'broken.ts'");
    expect(ts.rows.map((r) => r.qualified_name)).toContain('ok');
  });

  it('parses a 5 MB file in one piece when the size limit allows it', async () => {
    const summary = await indexRepository(sql, { repoRoot: root, workers: 1, maxFileBytes: 8 * 1024 * 1024 });
    expect(summary.skippedByReason.too_large).toBeUndefined();
    const { rows } = await sql.query<{ n: number; last: number }>(
      "SELECT count(*)::int AS n, max(end_line)::int AS last FROM kg.objects WHERE file_path = 'huge.py' AND kind = 'function'",
    );
    expect(Buffer.byteLength(FIVE_MB_PY)).toBeGreaterThan(5_000_000);
    expect(rows[0]).toEqual({ n: FUNCTIONS, last: 3 * FUNCTIONS });
    // the problem files are still reported, and the file that became too large again leaves the index
    await indexRepository(sql, { repoRoot: root, workers: 1 });
    const gone = await sql.query("SELECT 1 FROM kg.objects WHERE file_path = 'huge.py' LIMIT 1");
    expect(gone.rows).toEqual([]);
  });
});

describe('parseFile on files that cannot be read', () => {
  it('records a vanished file as unreadable instead of throwing', () => {
    const outcome = parseFile({ path: 'gone.py', absolutePath: path.join(os.tmpdir(), 'agentlane-no-such-file.py'), language: 'py', moduleName: 'gone', size: 0, mtimeMs: 0, root: os.tmpdir(), maxBytes: 1024 });
    expect(outcome).toEqual({ ok: false, skip: { path: 'gone.py', reason: 'unreadable', detail: 'ENOENT' } });
  });

  it('records a file without read permission as unreadable', () => {
    const root = writeRepo({ 'secret.py': 'x: int = 1\n' });
    const file = path.join(root, 'secret.py');
    fs.chmodSync(file, 0o000);
    fs.chmodSync(root, 0o755);
    const task = { path: 'secret.py', absolutePath: file, language: 'py' as const, moduleName: 'secret', size: 11, mtimeMs: 0, root, maxBytes: 1024 };
    if (process.getuid?.() === 0) {
      // root reads anything: check the same code path as an unprivileged user.
      const script = `import('${new URL('../dist/index/parse-worker.js', import.meta.url).href}').then(m => console.log(JSON.stringify(m.parseFile(${JSON.stringify(task)}))))`;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
      expect(child.stderr).toBe('');
      expect(JSON.parse(child.stdout)).toEqual({ ok: false, skip: { path: 'secret.py', reason: 'unreadable', detail: 'EACCES' } });
    } else {
      expect(parseFile(task)).toEqual({ ok: false, skip: { path: 'secret.py', reason: 'unreadable', detail: 'EACCES' } });
    }
  });
});
