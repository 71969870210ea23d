import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexRepository } from '../src/index.js';
import { runChecker } from '../src/precise/run-checker.js';
import { writeRepo } from '../../../test/support/repo.js';
import { useKgDatabase } from './support/kg-database.js';

/**
 * The precise pass hands hostile source to the TypeScript compiler. It must read
 * nothing outside the repository but dependency declarations, run nothing, and
 * stop at its time budget (cooperatively, or by terminating its worker).
 */

describe('security: kg precise pass', () => {
  const database = useKgDatabase('pglite');

  it('never reads outside the root through tsconfig paths, extends, typeRoots, /// <reference path> or a symlink', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-outside-'));
    fs.writeFileSync(path.join(outside, 'secret.ts'), 'export function secret(): void {}\n');
    fs.writeFileSync(path.join(outside, 'linked.ts'), 'export function linked(): void {}\n');
    fs.writeFileSync(path.join(outside, 'globals.d.ts'), 'declare function leaked(): void;\n');
    fs.writeFileSync(path.join(outside, 'base.json'), JSON.stringify({ compilerOptions: { paths: { '@base/*': [`${outside}/*`] } } }));
    fs.mkdirSync(path.join(outside, 'types', 'evil'), { recursive: true });
    fs.writeFileSync(path.join(outside, 'types', 'evil', 'index.d.ts'), 'declare function typed(): void;\n');
    const marker = path.join(outside, 'executed');
    const root = writeRepo({
      'tsconfig.json': JSON.stringify({
        extends: path.join(outside, 'base.json'),
        compilerOptions: { baseUrl: '.', paths: { '@out/*': [`${outside}/*`] }, typeRoots: [path.join(outside, 'types')], types: ['evil'] },
      }),
      'src/main.ts': [
        `/// <reference path="${path.join(outside, 'globals.d.ts')}" />`,
        "import { secret } from '@out/secret';",
        "import { linked } from './linked';",
        'export function main(): void {',
        '  secret();',
        '  linked();',
        '  leaked();',
        '  typed();',
        '}',
        '',
      ].join('\n'),
      // Would leave a marker if anything ran the project's code.
      'src/boom.ts': `import fs from 'node:fs';\nfs.writeFileSync(${JSON.stringify(marker)}, 'ran');\nexport const x = 1;\n`,
    });
    fs.symlinkSync(path.join(outside, 'linked.ts'), path.join(root, 'src', 'linked.ts'));

    const summary = await indexRepository(database.sql, { repoRoot: root, workers: 1, precise: true, replaceRepository: true });
    const precise = summary.precise;
    expect(precise?.files.covered).toBe(2);
    // Read, any of them would have resolved (an out-of-tree declaration counts as external).
    expect(precise?.sites).toMatchObject({ resolved: 0, external: 0 });
    const refused = new Set(precise?.refused.map((p) => fs.realpathSync(p)));
    for (const name of ['linked.ts', 'globals.d.ts', 'base.json']) expect(refused).toContain(fs.realpathSync(path.join(outside, name)));
    // Path mappings and type roots are refused at their directory, before any file in it is probed.
    expect(refused).toContain(fs.realpathSync(outside));
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('stops at its time budget and leaves the files it did not cover to the tree-sitter edges', async () => {
    const root = writeRepo({ 'a.ts': 'export function a(): void {}\nexport function b(): void {\n  a();\n}\n' });
    const summary = await indexRepository(database.sql, { repoRoot: root, workers: 1, precise: true, preciseLimits: { timeBudgetMs: 1 }, replaceRepository: true });
    expect(summary.precise).toMatchObject({ partial: true, files: { requested: 1, covered: 0 }, edges: 0 });
    // Stopped by the worker itself, or (a slow machine still loading the compiler 5 s later) by terminating it.
    expect(summary.precise?.stopReason).toMatch(/^(time_budget|hard_timeout)$/);
    const { rows } = await database.sql.query<{ resolution: string }>(`SELECT resolution FROM kg.relations WHERE kind = 'calls'`);
    expect(rows.map((r) => r.resolution)).toEqual(['local']);
  });

  it('terminates a worker that overruns the hard deadline (one step that never returns)', async () => {
    const root = writeRepo({ 'a.ts': 'export const a = 1;\n' });
    const run = await runChecker(
      { root: fs.realpathSync(root), files: ['a.ts'], maxFileBytes: 1024, maxTotalBytes: 1024 * 1024, deadline: Date.now() + 60_000 },
      { hardStopAt: Date.now(), maxHeapMb: 512 },
    );
    expect(run).toMatchObject({ failure: 'hard_timeout', stats: null, files: [] });
  });

  it('survives a file nested too deep for the compiler: that file keeps tree-sitter edges, the others are checked', async () => {
    const root = writeRepo({
      'deep.ts': `export const x = ${'('.repeat(50_000)}1${')'.repeat(50_000)};\n`,
      'ok.ts': 'export function a(): void {}\nexport function b(): void {\n  a();\n}\n',
    });
    const summary = await indexRepository(database.sql, { repoRoot: root, workers: 1, precise: true, replaceRepository: true });
    expect(summary.precise).toMatchObject({ files: { requested: 2, covered: 1, unreadable: 1 }, partial: true, edges: 1 });
    const { rows } = await database.sql.query<{ resolution: string }>(`SELECT resolution FROM kg.relations WHERE kind = 'calls'`);
    expect(rows.map((r) => r.resolution)).toEqual(['checker']);
  });

  it('does not let the compiler read a file over the size cap', async () => {
    const big = `export function big(): void {}\n${'// padding\n'.repeat(200)}`;
    const root = writeRepo({ 'big.ts': big, 'small.ts': "import { big } from './big';\nexport function s(): void {\n  big();\n}\n" });
    const summary = await indexRepository(database.sql, { repoRoot: root, workers: 1, precise: true, preciseLimits: { maxFileBytes: 1024 }, replaceRepository: true });
    expect(summary.precise).toMatchObject({ files: { requested: 2, covered: 1, unreadable: 1 }, partial: true, sites: { resolved: 0, unresolved: 1 } });
  });
});
