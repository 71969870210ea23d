import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentlaneError } from '@agentlane/core';
import { DEFAULT_DENIED_IMPORTS, DEFAULT_LIMITS, loadLaneFile, parseLaneFile } from '../src/index.js';

const FILE = '/repo/lanes/nightly.yaml';

const MINIMAL = `
name: nightly
test: [npm, test]
agent: [claude, -p]
microtasks:
  - id: fix-typo
    kind: fix
    instructions: Fix the typo in the greeting.
    allowed_paths: ["src/**"]
`;

function codeOf(fn: () => unknown): { code: string; message: string; details: Record<string, unknown> } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AgentlaneError);
    const e = error as AgentlaneError;
    return { code: e.code, message: e.message, details: e.details };
  }
  throw new Error('expected an error');
}

describe('lane file', () => {
  it('fills every default', () => {
    const lane = parseLaneFile(MINIMAL, { file: FILE, repoRoot: '/repo' });
    expect(lane).toMatchObject({ name: 'nightly', base: 'main', branch: 'lane/nightly', sandbox: 'auto', checkpointEvery: 3, stopAfterFailures: 2, notifier: { type: 'none' } });
    expect(lane.test).toEqual({ command: ['npm', 'test'], timeoutMs: 600_000 });
    expect(lane.limits).toEqual(DEFAULT_LIMITS);
    const task = lane.microtasks[0];
    expect(task?.agent).toEqual({ command: ['claude', '-p'], probe: ['claude', '--version'], network: false });
    expect(task?.dependsOn).toEqual([]);
    expect(lane.validators.imports.deny).toEqual(DEFAULT_DENIED_IMPORTS);
    expect(lane.validators.imports.allow).toBeNull();
    // The lane file itself is protected when it lives in the repository.
    expect(lane.validators.protectedPaths).toEqual(expect.arrayContaining(['.github/**', 'cells/u_contract.yaml', 'lanes/nightly.yaml']));
    expect(lane.validators.symbols.map((s) => s.name)).toEqual(expect.arrayContaining(['eval', 'exec', 'rm -rf', 'write to ~/.ssh', 'read all of process.env']));
  });

  it('merges lane-wide and per-task settings', () => {
    const lane = parseLaneFile(
      `
name: n1
base: develop
branch: agents/n1
test: { command: [node, t.mjs], timeout_s: 30 }
sandbox: bwrap
env_allow: [ANTHROPIC_API_KEY]
limits: { wall_time_s: 60, changed_lines: 50 }
validators:
  imports: { deny: [fs], allow: [lodash], use_defaults: false }
  symbols: { patterns: [{ name: todo, pattern: "TODO" }], use_defaults: false }
  banned_patterns: ["console\\\\.log", { pattern: "debugger", message: no debugger }]
  protected_paths: ["package-lock.json"]
  test_size: { shrink_below: 0.8, action: warn }
notifier: { webhook: "https://hooks.example.com/x" }
checkpoint_every: 2
stop_after_failures: 3
microtasks:
  - id: a
    kind: feature
    instructions: add a
    agent: { command: [my-agent, run], probe: [my-agent, ping], network: true }
    allowed_paths: ["src/a/**"]
    limits: { wall_time_s: 5, files_created: 1 }
  - id: b
    kind: test
    instructions: test a
    agent: [other]
    allowed_paths: ["test/**"]
    depends_on: [a]
`,
      { file: '/elsewhere/lane.yaml', repoRoot: '/repo' },
    );
    expect(lane.base).toBe('develop');
    expect(lane.branch).toBe('agents/n1');
    expect(lane.test).toEqual({ command: ['node', 't.mjs'], timeoutMs: 30_000 });
    expect(lane.envAllow).toEqual(['ANTHROPIC_API_KEY']);
    expect(lane.validators.imports).toEqual({ deny: ['fs'], allow: ['lodash'] });
    expect(lane.validators.symbols).toEqual([{ name: 'todo', pattern: 'TODO' }]);
    expect(lane.validators.bannedPatterns).toEqual([
      { pattern: 'console\\.log', message: 'banned pattern /console\\.log/' },
      { pattern: 'debugger', message: 'no debugger' },
    ]);
    expect(lane.validators.protectedPaths).toContain('package-lock.json');
    expect(lane.validators.protectedPaths).not.toContain('lane.yaml');
    expect(lane.validators.testSize).toMatchObject({ shrinkBelow: 0.8, action: 'warn', growAbove: 3 });
    expect(lane.notifier).toEqual({ type: 'webhook', url: 'https://hooks.example.com/x' });
    const [a, b] = lane.microtasks;
    expect(a?.agent).toEqual({ command: ['my-agent', 'run'], probe: ['my-agent', 'ping'], network: true });
    expect(a?.limits).toEqual({ wallTimeMs: 5000, changedLines: 50, filesCreated: 1, diskBytes: DEFAULT_LIMITS.diskBytes });
    expect(b?.limits.wallTimeMs).toBe(60_000);
    expect(b?.dependsOn).toEqual(['a']);
  });

  it('reads the webhook URL from the environment when asked to', () => {
    const text = MINIMAL.replace('microtasks:', 'notifier: { webhook_env: LANE_HOOK }\nmicrotasks:');
    expect(parseLaneFile(text, { file: FILE, env: { LANE_HOOK: 'https://h.example/1' } }).notifier).toEqual({ type: 'webhook', url: 'https://h.example/1' });
    expect(codeOf(() => parseLaneFile(text, { file: FILE, env: {} })).message).toContain('LANE_HOOK is not set');
  });

  it('rejects YAML syntax errors with the line (LANE_FILE_INVALID)', () => {
    const e = codeOf(() => parseLaneFile('name: x\nmicrotasks: [\n  - a\nb: 1', { file: FILE }));
    expect(e.code).toBe('LANE_FILE_INVALID');
    expect(e.message).toMatch(/not valid YAML \(line \d+, column \d+\)/);
  });

  it('names every schema problem with its path', () => {
    const e = codeOf(() =>
      parseLaneFile(
        `
name: "bad name!"
test: []
validaters: {}
microtasks:
  - id: a
    kind: chore
    instructions: ""
    agent: [x]
    allowed_paths: []
`,
        { file: FILE },
      ),
    );
    expect(e.code).toBe('LANE_FILE_INVALID');
    const problems = e.details.problems as string[];
    expect(problems.some((p) => p.startsWith('name:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('test'))).toBe(true);
    expect(problems.some((p) => p.includes("Unrecognized key(s) in object: 'validaters'"))).toBe(true);
    expect(problems.some((p) => p.startsWith('microtasks.0.kind:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('microtasks.0.instructions:'))).toBe(true);
    expect(problems.some((p) => p.startsWith('microtasks.0.allowed_paths:'))).toBe(true);
  });

  it('takes allowed_paths relative to the repository root', () => {
    expect(parseLaneFile(MINIMAL.replace('["src/**"]', '["./src/**", "test/*.ts"]'), { file: FILE }).microtasks[0]?.allowedPaths).toEqual(['src/**', 'test/*.ts']);
    for (const bad of ['/etc/**', '../other/**']) {
      const e = codeOf(() => parseLaneFile(MINIMAL.replace('"src/**"', `"${bad}"`), { file: FILE }));
      expect(e.message).toContain('microtasks.0.allowed_paths.0: must be relative to the repository root');
    }
  });

  it('rejects invalid regular expressions and tasks without an agent', () => {
    const badRegex = codeOf(() => parseLaneFile(MINIMAL.replace('microtasks:', 'validators: { banned_patterns: ["a("] }\nmicrotasks:'), { file: FILE }));
    expect(badRegex.code).toBe('LANE_FILE_INVALID');
    expect(badRegex.message).toContain('not a valid regular expression');
    const noAgent = codeOf(() => parseLaneFile(MINIMAL.replace('agent: [claude, -p]\n', ''), { file: FILE }));
    expect(noAgent.code).toBe('LANE_FILE_INVALID');
    expect(noAgent.message).toContain('microtasks.0.agent: no agent here and no lane-wide agent');
  });

  it('checks depends_on with engine_v2 DAG rules: cycles named, unknown and duplicate ids', () => {
    const tasks = (deps: Record<string, string[]>) =>
      `name: n\ntest: [t]\nagent: [a]\nmicrotasks:\n${Object.entries(deps)
        .map(([id, on]) => `  - { id: ${id}, kind: fix, instructions: x, allowed_paths: ["**"], depends_on: [${on.join(', ')}] }`)
        .join('\n')}\n`;
    const cycle = codeOf(() => parseLaneFile(tasks({ a: ['c'], b: ['a'], c: ['b'] }), { file: FILE }));
    expect(cycle.code).toBe('LANE_DAG_INVALID');
    expect(cycle.message).toMatch(/dependency cycle: (a → b → c → a|b → c → a → b|c → a → b → c)/);
    const unknown = codeOf(() => parseLaneFile(tasks({ a: ['zzz'] }), { file: FILE }));
    expect(unknown.code).toBe('LANE_DAG_INVALID');
    expect(unknown.message).toContain('unknown task "zzz"');
    const duplicate = codeOf(() => parseLaneFile(tasks({ a: [] }).replace(/( {2}- .*\n)/, '$1$1'), { file: FILE }));
    expect(duplicate.code).toBe('LANE_DAG_INVALID');
    expect(duplicate.message).toContain('"a" is used twice');
  });

  it('says LANE_FILE_NOT_FOUND for a missing file', () => {
    const e = codeOf(() => loadLaneFile(path.join(os.tmpdir(), 'agentlane-no-such-lane.yaml')));
    expect(e.code).toBe('LANE_FILE_NOT_FOUND');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-lanefile-'));
    fs.writeFileSync(path.join(dir, 'l.yaml'), MINIMAL);
    expect(loadLaneFile(path.join(dir, 'l.yaml')).path).toBe(path.join(dir, 'l.yaml'));
    fs.rmSync(dir, { recursive: true });
  });
});
