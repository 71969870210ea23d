import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeRepo } from '../../../test/support/repo.js';

/**
 * Hostile repositories: files the indexer must never block on, read without bound,
 * or read outside the tree. Each attack runs the real indexer (built, as `npm test`
 * builds first) in a child process on an embedded database, so a hang or a runaway
 * read is a timeout or a bounded-RSS failure here, never a stuck test runner.
 */

const KG = new URL('../dist/index.js', import.meta.url).href;
const STORE = new URL('../../store/dist/index.js', import.meta.url).href;
/** A tiny index in a fresh process peaks near 750 MB (PGlite reserves its WASM heap); reading /dev/zero goes past 2 GB. */
const MAX_RSS_MB = 1536;
const TIMEOUT_MS = 60_000;

interface ChildReport {
  skipped: { path: string; reason: string; detail: string | null }[];
  files: string[];
  objects: string[];
  parse?: unknown;
  maxRssMb: number;
}

const INDEX_SCRIPT = `
const [{ indexRepository, migrateKg, parseFile }, { openPglite }] = await Promise.all([import(${JSON.stringify(KG)}), import(${JSON.stringify(STORE)})]);
const [mode, target, root] = process.argv.slice(1);
const report = { skipped: [], files: [], objects: [] };
if (mode === 'parse') {
  report.parse = parseFile({ path: 'x.py', absolutePath: target, language: 'py', moduleName: 'x', size: 0, mtimeMs: 0, root, maxBytes: 1024 * 1024 });
} else {
  const sql = await openPglite();
  await migrateKg(sql);
  await indexRepository(sql, { repoRoot: target, workers: 1 });
  report.skipped = (await sql.query('SELECT path, reason, detail FROM kg.skipped_files ORDER BY path')).rows;
  report.files = (await sql.query('SELECT path FROM kg.files ORDER BY path')).rows.map((r) => r.path);
  report.objects = (await sql.query('SELECT qualified_name FROM kg.objects ORDER BY qualified_name')).rows.map((r) => r.qualified_name);
  await sql.close();
}
report.maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
process.stdout.write(JSON.stringify(report));
process.exit(0);
`;

/** Run the indexer (or one parse) in a child; fail on a timeout, a crash or an RSS over the bound. */
function runChild(args: string[]): Promise<ChildReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', INDEX_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`indexer child ended with ${signal ?? code} (SIGKILL = hung past ${TIMEOUT_MS} ms): ${stderr.slice(0, 2000)}`));
        return;
      }
      const report = JSON.parse(stdout) as ChildReport;
      if (report.maxRssMb > MAX_RSS_MB) reject(new Error(`indexer child peaked at ${report.maxRssMb} MB RSS (bound ${MAX_RSS_MB} MB)`));
      else resolve(report);
    });
  });
}

const mkfifo = (file: string) => execFileSync('mkfifo', [file]);

function hostileRepo(): string {
  return writeRepo({ 'ok.py': 'def fine(x: int) -> int:\n    return x\n', 'src/keep.ts': 'export const kept = 1;\n' });
}

function expectHealthyIndex(report: ChildReport): void {
  expect(report.files).toEqual(expect.arrayContaining(['ok.py', 'src/keep.ts']));
  expect(report.objects).toEqual(expect.arrayContaining(['fine', 'kept']));
}

describe('security: kg index', () => {
  it('a FIFO named .gitignore is skipped as not_regular, not waited on', async () => {
    const root = hostileRepo();
    mkfifo(path.join(root, '.gitignore'));
    const report = await runChild(['index', root]);
    expect(report.skipped).toContainEqual({ path: '.gitignore', reason: 'not_regular', detail: 'fifo' });
    expectHealthyIndex(report);
  });

  it('a FIFO named x.ts is skipped as not_regular, never opened', async () => {
    const root = hostileRepo();
    mkfifo(path.join(root, 'src', 'x.ts'));
    const report = await runChild(['index', root]);
    expect(report.skipped).toContainEqual({ path: 'src/x.ts', reason: 'not_regular', detail: 'fifo' });
    expectHealthyIndex(report);
  });

  it('a FIFO handed straight to the parse worker (swapped in after the walk) is refused at once', async () => {
    const root = fs.realpathSync(writeRepo({}));
    const fifo = path.join(root, 'x.py');
    mkfifo(fifo);
    const report = await runChild(['parse', fifo, root]);
    expect(report.parse).toEqual({ ok: false, skip: { path: 'x.py', reason: 'not_regular', detail: 'fifo' } });
  });

  it('a committed symlink .gitignore -> /dev/zero is not read: skipped, bounded memory', async () => {
    const root = hostileRepo();
    fs.symlinkSync('/dev/zero', path.join(root, '.gitignore'));
    const report = await runChild(['index', root]);
    expect(report.skipped).toContainEqual({ path: '.gitignore', reason: 'symlink_outside_repo', detail: '/dev/zero' });
    expectHealthyIndex(report);
  });

  it('a .gitignore symlinked to a FIFO inside the tree is ignored, not waited on', async () => {
    const root = hostileRepo();
    mkfifo(path.join(root, 'pipe'));
    fs.symlinkSync('../pipe', path.join(root, 'src', '.gitignore'));
    const report = await runChild(['index', root]);
    expect(report.skipped).toContainEqual({ path: 'src/.gitignore', reason: 'not_regular', detail: 'fifo' });
    expectHealthyIndex(report);
  });

  it('a source symlink x.py -> /dev/zero is skipped as symlink_outside_repo', async () => {
    const root = hostileRepo();
    fs.symlinkSync('/dev/zero', path.join(root, 'x.py'));
    const report = await runChild(['index', root]);
    expect(report.skipped).toContainEqual({ path: 'x.py', reason: 'symlink_outside_repo', detail: '/dev/zero' });
    expect(report.files).not.toContain('x.py');
    expectHealthyIndex(report);
  });

  it('tsconfig.json -> /dev/urandom, and a tsconfig extending one, are never read', async () => {
    const root = hostileRepo();
    fs.symlinkSync('/dev/urandom', path.join(root, 'tsconfig.json'));
    fs.mkdirSync(path.join(root, 'app'));
    fs.writeFileSync(path.join(root, 'app', 'tsconfig.json'), '{ "extends": "./base.json" }');
    fs.symlinkSync('/dev/urandom', path.join(root, 'app', 'base.json'));
    fs.writeFileSync(path.join(root, 'app', 'main.ts'), "import { kept } from '../src/keep';\nexport const main = kept;\n");
    const report = await runChild(['index', root]);
    expect(report.skipped).toContainEqual({ path: 'tsconfig.json', reason: 'symlink_outside_repo', detail: '/dev/urandom' });
    expect(report.files).toContain('app/main.ts');
    expectHealthyIndex(report);
  });

  it('a tsconfig that extends a FIFO outside the tree (../evil.json, or through a symlinked directory) does not read it', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-outside-'));
    mkfifo(path.join(outside, 'evil.json'));
    const root = path.join(outside, 'repo');
    fs.mkdirSync(path.join(root, 'src'), { recursive: true });
    fs.writeFileSync(path.join(root, 'ok.py'), 'def fine(x: int) -> int:\n    return x\n');
    fs.writeFileSync(path.join(root, 'src', 'keep.ts'), 'export const kept = 1;\n');
    fs.writeFileSync(path.join(root, 'tsconfig.json'), '{ "extends": "../evil.json" }');
    fs.mkdirSync(path.join(root, 'app'));
    fs.symlinkSync(outside, path.join(root, 'app', 'link'));
    fs.writeFileSync(path.join(root, 'app', 'tsconfig.json'), '{ "extends": "./link/evil.json" }');
    const report = await runChild(['index', root]);
    expectHealthyIndex(report);
  });

  it('a symlink to /etc/passwd is skipped and none of its content reaches the index', async () => {
    const root = hostileRepo();
    fs.symlinkSync('/etc/passwd', path.join(root, 'passwd.py'));
    fs.symlinkSync('/etc/passwd', path.join(root, 'package.json'));
    const report = await runChild(['index', root]);
    expect(report.skipped).toContainEqual({ path: 'passwd.py', reason: 'symlink_outside_repo', detail: '/etc/passwd' });
    expect(report.files).not.toContain('passwd.py');
    expect(report.objects.some((name) => name.includes('root'))).toBe(false);
    expectHealthyIndex(report);
  });

  it('a huge .gitignore (32 MB) is skipped as too_large, not parsed into millions of rules', async () => {
    const root = hostileRepo();
    fs.writeFileSync(path.join(root, '.gitignore'), `${'a/b/c/*.tmp\n'.repeat(32 * 1024 * 1024 / 12)}`);
    const report = await runChild(['index', root]);
    const skip = report.skipped.find((s) => s.path === '.gitignore');
    expect(skip?.reason).toBe('too_large');
    expectHealthyIndex(report);
  });

  it('a FIFO named package.json or tsconfig.json is skipped, not waited on', async () => {
    const root = hostileRepo();
    mkfifo(path.join(root, 'package.json'));
    mkfifo(path.join(root, 'src', 'tsconfig.json'));
    const report = await runChild(['index', root]);
    expect(report.skipped).toEqual(
      expect.arrayContaining([
        { path: 'package.json', reason: 'not_regular', detail: 'fifo' },
        { path: 'src/tsconfig.json', reason: 'not_regular', detail: 'fifo' },
      ]),
    );
    expectHealthyIndex(report);
  });
});
