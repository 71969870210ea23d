import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pathRules, walkRepository } from '../src/index/walk.js';

function tree(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-walk-'));
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

describe('walkRepository', () => {
  it('finds source files of both languages with repo-relative posix paths, sorted', () => {
    const root = tree({ 'src/b.ts': '', 'src/a.py': '', 'lib/x.d.ts': '', 'README.md': '', 'web/app.jsx': '' });
    const result = walkRepository(root);
    expect(result.files.map((f) => [f.path, f.language])).toEqual([
      ['lib/x.d.ts', 'ts'],
      ['src/a.py', 'py'],
      ['src/b.ts', 'ts'],
      ['web/app.jsx', 'ts'],
    ]);
  });

  it('honours .gitignore at the root and in subdirectories, including negations', () => {
    const root = tree({
      '.gitignore': 'gen/\n*.gen.ts\n',
      'gen/a.ts': '',
      'src/x.gen.ts': '',
      'src/keep.ts': '',
      'pkg/.gitignore': 'local.py\n!important.gen.ts\n',
      'pkg/local.py': '',
      'pkg/other.py': '',
      'other/local.py': '',
    });
    const paths = walkRepository(root).files.map((f) => f.path);
    expect(paths).toEqual(['other/local.py', 'pkg/other.py', 'src/keep.ts']);
  });

  it('skips vendored and build folders and minified bundles, recording each', () => {
    const root = tree({ 'node_modules/x/index.js': '', 'dist/out.js': '', 'src/__pycache__/a.py': '', 'src/app.min.js': '', 'src/ok.ts': '' });
    const result = walkRepository(root);
    expect(result.files.map((f) => f.path)).toEqual(['src/ok.ts']);
    expect(result.skipped).toEqual(
      expect.arrayContaining([
        { path: 'node_modules', reason: 'vendored_dir' },
        { path: 'dist', reason: 'build_dir' },
        { path: 'src/__pycache__', reason: 'build_dir' },
        { path: 'src/app.min.js', reason: 'generated' },
      ]),
    );
  });

  it('skips output folders only at project roots, where they are output', () => {
    const root = tree({
      'build/gen.ts': '',
      'packages/a/package.json': '{}',
      'packages/a/dist/index.js': '',
      'packages/a/src/coverage/probe.ts': '',
      'lib/build/steps.py': '',
    });
    const result = walkRepository(root);
    expect(result.files.map((f) => f.path)).toEqual(['lib/build/steps.py', 'packages/a/src/coverage/probe.ts']);
    expect(result.skipped).toEqual([
      { path: 'build', reason: 'build_dir' },
      { path: 'packages/a/dist', reason: 'build_dir' },
    ]);
  });

  it('skips files over the size limit with their size', () => {
    const root = tree({ 'big.py': 'x = 1\n'.repeat(100), 'small.py': 'x = 1\n' });
    const result = walkRepository(root, { maxFileBytes: 100 });
    expect(result.files.map((f) => f.path)).toEqual(['small.py']);
    expect(result.skipped).toEqual([{ path: 'big.py', reason: 'too_large', size: 600, mtimeMs: expect.any(Number), detail: '600 bytes > limit 100' }]);
  });

  it('reports symlink loops, broken links and links leaving the tree instead of following them', () => {
    const root = tree({ 'src/a.ts': '' });
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-outside-'));
    fs.writeFileSync(path.join(outside, 'secret.ts'), '');
    fs.symlinkSync(root, path.join(root, 'src', 'loop'));
    fs.symlinkSync(path.join(root, 'missing.ts'), path.join(root, 'dangling.ts'));
    fs.symlinkSync(outside, path.join(root, 'escape'));
    fs.symlinkSync(path.join(root, 'src', 'a.ts'), path.join(root, 'alias.ts'));
    const result = walkRepository(root);
    expect(result.files.map((f) => f.path)).toEqual(['src/a.ts']);
    const reasons = Object.fromEntries(result.skipped.map((s) => [s.path, s.reason]));
    expect(reasons).toEqual({
      'src/loop': 'symlink_loop',
      'dangling.ts': 'broken_symlink',
      escape: 'symlink_outside_repo',
      'alias.ts': 'symlink_duplicate',
    });
  });

  it('collects tsconfig, package.json and Python project markers for import resolution', () => {
    const root = tree({ 'tsconfig.json': '{}', 'packages/a/package.json': '{}', 'py/pyproject.toml': '', 'x.ts': '' });
    const result = walkRepository(root);
    expect(result.tsconfigs).toEqual(['tsconfig.json']);
    expect(result.packageJsons).toEqual(['packages/a/package.json']);
    expect(result.pythonProjects).toEqual(['py']);
  });
});

describe('pathRules (what a watcher asks of the walk, one path at a time)', () => {
  it('ignores exactly what the walk does not read', () => {
    const root = tree({
      '.gitignore': 'gen/\n*.log\n',
      'src/a.ts': 'export const a = 1;\n',
      'src/.gitignore': 'local.ts\n',
      'src/local.ts': 'export const l = 1;\n',
      'src/app.min.js': 'x',
      'pkg/package.json': '{}',
      'pkg/dist/out.js': 'x',
      'lib/dist/kept.ts': 'export const k = 1;\n',
      'node_modules/dep/index.ts': 'x',
      'gen/g.py': 'x = 1\n',
      'tool.py': 'x = 1\n',
      'README.md': '# r\n',
      'debug.log': 'x',
      'tsconfig.json': '{}',
    });
    const walked = new Set(walkRepository(root).files.map((f) => f.path));
    const rules = pathRules(root);
    const read = (p: string) => !rules.ignores(p, false);
    for (const p of ['src/a.ts', 'lib/dist/kept.ts', 'tool.py']) {
      expect(walked.has(p)).toBe(true);
      expect(read(p)).toBe(true);
    }
    for (const p of ['src/local.ts', 'src/app.min.js', 'pkg/dist/out.js', 'node_modules/dep/index.ts', 'gen/g.py', 'README.md', 'debug.log']) {
      expect(walked.has(p)).toBe(false);
      expect(read(p)).toBe(false);
    }
    // Configs and ignore files matter to a run too; skipped directories are not entered.
    expect(read('tsconfig.json')).toBe(true);
    expect(read('src/.gitignore')).toBe(true);
    expect(rules.ignores('node_modules', true)).toBe(true);
    expect(rules.ignores('.agentlane', true)).toBe(true);
    expect(rules.ignores('pkg/dist', true)).toBe(true);
    expect(rules.ignores('lib/dist', true)).toBe(false);
  });
});
