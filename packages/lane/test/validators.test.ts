import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectChanges, readBase, readCurrent } from '../src/changes.js';
import { DEFAULT_LIMITS } from '../src/defaults.js';
import { parseLaneFile } from '../src/lane-file.js';
import { ensureLanePaths, lanePaths } from '../src/paths.js';
import { runStaticValidators, type Finding, type ValidationInput } from '../src/validators/index.js';
import { validateImports } from '../src/validators/imports.js';
import { validatePaths } from '../src/validators/paths.js';
import { validateSymbols } from '../src/validators/symbols.js';
import { validatePatterns } from '../src/validators/patterns.js';
import { validateTestSize } from '../src/validators/test-size.js';
import { validateLimits } from '../src/validators/limits.js';
import { highEntropyStrings, validateSecrets } from '../src/validators/secrets.js';
import { preflightFindings, scanWorktree } from '../src/preflight.js';
import { parseAddedLines } from '../src/changes.js';
import { useLaneRepos } from './support/lane-repo.js';

const LANE = parseLaneFile(
  `
name: v
test: ['true']
agent: [a]
validators:
  banned_patterns: ["TODO\\\\(agent\\\\)", { pattern: "api\\\\.internal", message: internal API }]
microtasks:
  - { id: t, kind: fix, instructions: x, allowed_paths: ["src/**", "test/**"] }
`,
  { file: '/nowhere/lane.yaml' },
);

const newRepo = useLaneRepos();

/** Apply `edits` (null deletes) to a fresh repo and build the validators' input from git. */
async function changed(edits: Record<string, string | null>, options: { base?: Record<string, string>; symlinks?: Record<string, string> } = {}): Promise<ValidationInput> {
  const repo = newRepo(options.base);
  for (const [rel, content] of Object.entries(edits)) {
    const file = path.join(repo.root, rel);
    if (content === null) fs.rmSync(file);
    else {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    }
  }
  for (const [rel, target] of Object.entries(options.symlinks ?? {})) fs.symlinkSync(target, path.join(repo.root, rel));
  const paths = lanePaths(repo.home);
  ensureLanePaths(paths);
  const worktree = { dir: repo.root, branch: 'main', base: repo.git('rev-parse', 'HEAD').trim(), gitDir: path.join(repo.root, '.git') };
  const changes = await collectChanges(worktree, paths);
  return {
    changes,
    config: LANE.validators,
    allowedPaths: ['src/**', 'test/**'],
    limits: DEFAULT_LIMITS,
    diskGrowth: 0,
    secretValues: [],
    readCurrent: (f) => readCurrent(worktree, f),
    readBase: (f) => readBase(worktree, f, paths),
  };
}

const brief = (findings: Finding[]) => findings.map((f) => `${f.validator}/${f.rule}@${f.file}:${f.line ?? ''}`);

describe('changes', () => {
  it('lists files, line counts and added lines with their numbers', async () => {
    const input = await changed({ 'src/math.mjs': 'export function add(a, b) {\n  return a + b;\n}\n// more\n', 'src/new.ts': 'a\nb\n', 'README.md': null });
    const { changes } = input;
    expect(changes.files.map((f) => `${f.status} ${f.path}`).sort()).toEqual(['added src/new.ts', 'deleted README.md', 'modified src/math.mjs']);
    expect(changes.filesCreated).toBe(1);
    expect(changes.linesAdded).toBe(4);
    expect(changes.linesDeleted).toBe(2);
    expect(changes.added.get('src/math.mjs')).toEqual([
      { line: 2, text: '  return a + b;' },
      { line: 4, text: '// more' },
    ]);
    expect(changes.diff).toContain('+  return a + b;');
    expect(changes.tree).toMatch(/^[0-9a-f]{40}$/);
  });

  it('parses -U0 patches with several hunks and files', () => {
    const patch = ['diff --git a/x b/x', '--- a/x', '+++ b/x', '@@ -1 +1 @@', '-old', '+new', '@@ -9,0 +10,2 @@', '+p', '+q', '--- a/y', '+++ /dev/null', '@@ -1 +0,0 @@', '-gone'].join('\n');
    expect(parseAddedLines(patch)).toEqual(new Map([['x', [{ line: 1, text: 'new' }, { line: 10, text: 'p' }, { line: 11, text: 'q' }]]]));
  });
});

describe('import analysis (tree-sitter extractors)', () => {
  it('stops new imports of denied modules in TS/JS and Python, with file and line', async () => {
    const input = await changed({
      'src/a.ts': "import fs from 'node:fs';\nimport { exec } from 'node:child_process';\n",
      'src/b.mjs': "const x = 1;\nconst cp = require('child_process');\nconst net = await import('net');\n",
      'src/c.py': 'import json\nimport subprocess\nfrom socket import socket\nfrom http.client import HTTPConnection\n',
      'src/d.ts': "export { request } from 'https';\n",
    });
    const findings = await validateImports(input);
    expect(brief(findings).sort()).toEqual(
      ['imports/denied_import@src/a.ts:2', 'imports/denied_import@src/b.mjs:2', 'imports/denied_import@src/b.mjs:3', 'imports/denied_import@src/c.py:2', 'imports/denied_import@src/c.py:3', 'imports/denied_import@src/c.py:4', 'imports/denied_import@src/d.ts:1'].sort(),
    );
    expect(findings.find((f) => f.file === 'src/a.ts')).toMatchObject({ pattern: 'child_process', evidence: 'node:child_process', severity: 'stop' });
  });

  it('does not judge imports the file already had, nor relative ones', async () => {
    const input = await changed({
      'src/util.ts': "import path from 'node:path';\nimport { x } from './x';\n\nexport const here = path.resolve('.');\n",
      'src/app.py': 'import os\nfrom . import models\n\n\ndef cwd():\n    return os.getcwd()\n',
    }, { base: { 'src/util.ts': "import path from 'node:path';\nimport { spawn } from 'child_process';\n", 'src/app.py': 'import os\n' } });
    expect(await validateImports(input)).toEqual([]);
  });

  it('enforces an allowlist when the lane file has one', async () => {
    const input = await changed({ 'src/a.ts': "import fs from 'node:fs';\nimport lodash from 'lodash';\nimport { y } from './y';\n" });
    const findings = await validateImports({ ...input, config: { ...input.config, imports: { deny: ['child_process'], allow: ['fs'] } } });
    expect(brief(findings)).toEqual(['imports/import_not_allowed@src/a.ts:2']);
  });
});

describe('dangerous symbols and banned patterns', () => {
  it('flags eval, exec, rm -rf, ~/.ssh and whole-environment reads on added lines', async () => {
    const input = await changed({
      'src/danger.js': [
        'const ok = /x/.exec(s);',
        'eval(code);',
        "exec('ls');",
        'execSync("rm -rf /");',
        "fs.writeFileSync(os.homedir() + '/.ssh/authorized_keys', key);",
        'const all = JSON.stringify(process.env);',
        'const one = process.env.HOME;',
        '',
      ].join('\n'),
      'src/danger.py': 'import os\nos.system("ls")\nenv = dict(os.environ)\nhome = os.environ["HOME"]\n__import__("subprocess")\n',
      'README.md': '# sample\nNever run `rm -rf` or eval() here.\n',
    });
    const findings = await validateSymbols(input);
    expect(findings.map((f) => `${f.file}:${f.line} ${f.rule}`)).toEqual(
      expect.arrayContaining([
        'src/danger.js:2 eval',
        'src/danger.js:3 exec',
        'src/danger.js:4 exec',
        'src/danger.js:4 rm -rf',
        'src/danger.js:5 write to ~/.ssh',
        'src/danger.js:6 read all of process.env',
        'src/danger.py:2 os.system',
        'src/danger.py:3 read all of os.environ',
        'src/danger.py:5 dynamic import of a module by name',
      ]),
    );
    expect(findings.some((f) => f.line === 1 && f.file === 'src/danger.js')).toBe(false);
    expect(findings.some((f) => f.line === 7 && f.file === 'src/danger.js')).toBe(false);
    expect(findings.some((f) => f.line === 4 && f.file === 'src/danger.py')).toBe(false);
    expect(findings.some((f) => f.file === 'README.md')).toBe(false);
    expect(findings.find((f) => f.rule === 'eval')).toMatchObject({ evidence: 'eval(code);', validator: 'symbols' });
  });

  it('applies the lane file banned patterns to every added line', async () => {
    const input = await changed({ 'src/x.ts': 'a();\n// TODO(agent): later\ncall(api.internal.x);\n', 'README.md': '# sample\nTODO(agent)\n' });
    expect((await validatePatterns(input)).map((f) => `${f.file}:${f.line} ${f.message}`)).toEqual([
      'README.md:2 README.md:2: banned pattern /TODO\\(agent\\)/',
      'src/x.ts:2 src/x.ts:2: banned pattern /TODO\\(agent\\)/',
      'src/x.ts:3 src/x.ts:3: internal API',
    ]);
  });
});

describe('changed paths', () => {
  it('stops protected paths, paths outside allowed_paths and symlinks', async () => {
    const input = await changed(
      { '.github/workflows/ci.yml': 'on: pull_request\n', 'docs/x.md': 'x\n', 'src/ok.ts': 'export {};\n', 'cells/u_contract.yaml': 'allow: all\n', 'src/.env': 'A=1\n' },
      { symlinks: { 'src/link': '/etc/passwd' } },
    );
    const findings = await validatePaths(input);
    expect(brief(findings).sort()).toEqual(
      ['paths/outside_allowed_paths@docs/x.md:', 'paths/protected_path@.github/workflows/ci.yml:', 'paths/protected_path@cells/u_contract.yaml:', 'paths/symlink@src/link:'].sort(),
    );
    expect(findings.find((f) => f.file === '.github/workflows/ci.yml')?.pattern).toBe('.github/**');
  });
});

describe('test size and limits', () => {
  it('flags a test file that shrank sharply, one that grew abnormally, and a huge new one', async () => {
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `// ${i}\n`).join('');
    const input = await changed(
      { 'test/a.test.mjs': lines(5), 'test/b.test.mjs': lines(200), 'test/c.test.mjs': lines(1200), 'test/d.test.mjs': lines(35) },
      { base: { 'test/a.test.mjs': lines(40), 'test/b.test.mjs': lines(40), 'test/d.test.mjs': lines(30) } },
    );
    const findings = await validateTestSize(input);
    expect(findings.map((f) => `${f.file} ${f.rule} ${f.evidence}`).sort()).toEqual(
      ['test/a.test.mjs test_shrank 40 → 5 lines', 'test/b.test.mjs test_grew 40 → 200 lines', 'test/c.test.mjs test_too_long 0 → 1200 lines'].sort(),
    );
    const deleted = await changed({ 'test/math.test.mjs': null });
    expect((await validateTestSize(deleted)).map((f) => f.rule)).toEqual(['test_shrank']);
    const warn = await validateTestSize({ ...deleted, config: { ...deleted.config, testSize: { ...deleted.config.testSize, action: 'warn' } } });
    expect(warn[0]?.severity).toBe('warn');
  });

  it('stops on changed lines, files created and disk growth over the limits', async () => {
    const input = await changed({ 'src/a.ts': 'a\nb\nc\n', 'src/b.ts': 'x\n' });
    expect(validateLimits({ ...input, limits: { ...DEFAULT_LIMITS, changedLines: 3, filesCreated: 1, diskBytes: 10 }, diskGrowth: 11 } as ValidationInput)).toEqual([
      expect.objectContaining({ rule: 'changed_lines', message: '4 lines changed (+4 −0); the limit is 3' }),
      expect.objectContaining({ rule: 'files_created' }),
      expect.objectContaining({ rule: 'disk' }),
    ]);
    expect(await runStaticValidators(input)).toEqual([]);
  });
});

describe('secrets validator', () => {
  it('finds token shapes and configured values on added lines, high entropy only in new files, and never prints the secret', async () => {
    const token = `ghp_${'A1b2C3d4E5'.repeat(4)}`;
    const configured = 'my-configured-service-value';
    const random = 'q7Xv2LpZ9rT4mWk8Nb3Hc6Jd1Fs5Gy0Ae';
    const input = await changed({
      'src/math.mjs': `export function add(a, b) {\n  return a + b; // ${configured}\n}\nconst k = '${random}';\n`,
      'src/new.mjs': `export const t = '${token}';\nexport const r = '${random}';\nexport const sri = 'sha512-${random}${random}';\n`,
    });
    const findings = await validateSecrets({ ...input, secretValues: [configured] });
    expect(findings.map((f) => `${f.rule}@${f.file}:${f.line}`)).toEqual(['configured_secret@src/math.mjs:2', 'secret_shape@src/new.mjs:1', 'high_entropy_string@src/new.mjs:2']);
    for (const f of findings) {
      for (const secret of [token, configured, random]) expect(f.evidence).not.toContain(secret.slice(4, 20));
    }
    expect(findings[1]?.evidence).toBe("export const t = '[github_token, 44 chars]';");
  });

  it('leaves git hashes, lockfile integrity and ordinary identifiers alone', () => {
    expect(highEntropyStrings('commit 3f786850e387550fdab836ed7e6dc881de23001b')).toEqual([]);
    expect(highEntropyStrings('"integrity": "sha512-q7Xv2LpZ9rT4mWk8Nb3Hc6Jd1Fs5Gy0AeQ7Xv2LpZ9rT4mWk8Nb3Hc6Jd1Fs5Gy0Ae=="')).toEqual([]);
    expect(highEntropyStrings('const someVeryLongCamelCaseIdentifierName = anotherLongIdentifierName2;')).toEqual([]);
    expect(highEntropyStrings("key = 'q7Xv2LpZ9rT4mWk8Nb3Hc6Jd1Fs5Gy0Ae'")).toHaveLength(1);
  });
});

describe('preflight', () => {
  it('stops on disk growth, a file too large to diff and a nested repository, from sizes alone', () => {
    const repo = newRepo();
    fs.mkdirSync(path.join(repo.root, 'src/inner/.git'), { recursive: true });
    fs.writeFileSync(path.join(repo.root, 'src/big.bin'), Buffer.alloc(9 * 1024 * 1024));
    const scan = scanWorktree(repo.root);
    expect(scan.nestedGit).toEqual(['src/inner/.git']);
    expect(scan.large.map((f) => f.path)).toEqual(['src/big.bin']);
    const findings = preflightFindings(scan, 0, { ...DEFAULT_LIMITS, diskBytes: 1024 * 1024 }, new Map());
    expect(findings.map((f) => `${f.validator}/${f.rule}`)).toEqual(['limits/disk', 'limits/file_size', 'paths/nested_repository']);
    // A large file the base already had, at the same size, is not the agent's.
    expect(preflightFindings(scan, 0, DEFAULT_LIMITS, new Map([['src/big.bin', 9 * 1024 * 1024]])).map((f) => f.rule)).toEqual(['nested_repository']);
  });
});
