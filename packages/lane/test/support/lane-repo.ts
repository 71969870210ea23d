/**
 * Throwaway git repositories and scripted agents for the lane tests. Everything
 * lives under os.tmpdir(); nothing touches the repository the tests run from.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import YAML from 'yaml';

export interface LaneRepo {
  /** The repository (branch main, one commit). */
  root: string;
  /** AGENTLANE_HOME for the lane (outside the repository). */
  home: string;
  /** Where agent scripts and lane files go (outside the repository). */
  scratch: string;
  git(...args: string[]): string;
  /** Write an executable bash agent; returns its path. */
  agent(name: string, body: string): string;
  /** Write a lane file (object → YAML) into scratch; returns its path. */
  laneFile(lane: Record<string, unknown>, name?: string): string;
  dispose(): void;
}

/** src/math.mjs has a bug (`a - b`); test/check.mjs fails until it is fixed. */
export const BASE_FILES: Record<string, string> = {
  'src/math.mjs': 'export function add(a, b) {\n  return a - b;\n}\n',
  'src/util.ts': "import path from 'node:path';\n\nexport const here = path.resolve('.');\n",
  'src/app.py': 'import os\n\n\ndef cwd():\n    return os.getcwd()\n',
  'test/check.mjs': [
    "import { add } from '../src/math.mjs';",
    "if (add(2, 3) !== 5) { console.error(`add(2, 3) is ${add(2, 3)}, expected 5`); process.exit(1); }",
    "console.log('ok');",
    '',
  ].join('\n'),
  'test/math.test.mjs': Array.from({ length: 30 }, (_, i) => `// case ${i}\n`).join(''),
  '.github/workflows/ci.yml': 'on: push\njobs: {}\n',
  'README.md': '# sample\n',
};

export function createLaneRepo(files: Record<string, string> = BASE_FILES): LaneRepo {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-lane-'));
  const root = path.join(base, 'repo');
  const home = path.join(base, 'home');
  const scratch = path.join(base, 'scratch');
  fs.mkdirSync(root);
  fs.mkdirSync(scratch);
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: root, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  }
  git('add', '-A');
  git('commit', '-q', '-m', 'base');
  return {
    root,
    home,
    scratch,
    git,
    agent(name, body) {
      const file = path.join(scratch, `${name}.sh`);
      fs.writeFileSync(file, `#!/usr/bin/env bash\nset -euo pipefail\nif [ "\${1:-}" = "--version" ]; then echo "${name} 1.0"; exit 0; fi\n${body}\n`, { mode: 0o755 });
      return file;
    },
    laneFile(lane, name = 'lane.yaml') {
      const file = path.join(scratch, name);
      fs.writeFileSync(file, YAML.stringify(lane));
      return file;
    },
    dispose() {
      // Worktrees live under home; remove everything this helper created.
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

/** A lane file object with test-friendly defaults; microtasks get `agent: [bash, script]`. */
/** A factory of lane repositories for this test file, all disposed after its last test. */
export function useLaneRepos(): (files?: Record<string, string>) => LaneRepo {
  const repos: LaneRepo[] = [];
  afterAll(() => repos.forEach((r) => r.dispose()));
  return (files) => {
    const repo = createLaneRepo(files);
    repos.push(repo);
    return repo;
  };
}

export function lane(tasks: Record<string, unknown>[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'nightly',
    base: 'main',
    test: ['node', 'test/check.mjs'],
    limits: { wall_time_s: 20 },
    ...extra,
    microtasks: tasks,
  };
}

export function task(id: string, script: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, kind: 'fix', instructions: `Do ${id}.`, agent: ['bash', script], allowed_paths: ['src/**', 'test/**'], ...extra };
}

/** The good change: fix the bug so the test command passes. */
export const FIX_ADD = `cat > src/math.mjs <<'JS'
export function add(a, b) {
  return a + b;
}
JS`;

/** A loopback HTTP server that records every request body (the webhook notifier's target). */
export async function webhookServer(status = 200): Promise<{ url: string; bodies: unknown[]; close(): Promise<void> }> {
  const bodies: unknown[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      bodies.push(JSON.parse(body));
      res.statusCode = status;
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}/hook?token=s3cr3t-t0ken`, bodies, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
