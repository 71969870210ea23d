import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { gitIn } from '../../../test/support/git-repo.js';
import { writeRepo } from '../../../test/support/repo.js';

const root = path.resolve(import.meta.dirname, '../../..');
const read = (rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');

/** A repository with this project's policy and cells on main. */
function repoWithPolicy(): string {
  const files: Record<string, string> = { 'cells/u_contract.yaml': read('cells/u_contract.yaml'), 'README.md': '# x\n', 'STATE/current_state.md': read('STATE/current_state.md') };
  for (const cell of ['persist-report', 'hello-s5']) files[`cells/${cell}/cell.yaml`] = read(`cells/${cell}/cell.yaml`);
  const dir = writeRepo(files);
  gitIn(dir, 'init', '-q', '-b', 'main');
  gitIn(dir, 'add', '-A');
  gitIn(dir, 'commit', '-qm', 'base');
  return dir;
}

describe('agentlane policy check / gate prlite / demo', () => {
  it('a PR that loosens its own policy is still judged by the base branch policy, and fails', async () => {
    const dir = repoWithPolicy();
    gitIn(dir, 'checkout', '-qb', 'agentlane/persist-report/1234abcd');
    fs.writeFileSync(path.join(dir, 'cells/u_contract.yaml'), 'version: 1\ncategories:\n  persist-report:\n    paths: ["**"]\n    merge: auto\n');
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src/app.ts'), 'export const x = 1;\n');
    gitIn(dir, 'add', '-A');
    gitIn(dir, 'commit', '-qm', 'loosen');
    const result = await runCli(['policy', 'check', '--repo', dir, '--base', 'main', '--head', 'agentlane/persist-report/1234abcd', '--head-ref', 'agentlane/persist-report/1234abcd', '--json']);
    expect(result.code).toBe(1);
    // --json prints the decision, then the error document.
    const decision = JSON.parse(result.stdout.slice(0, result.stdout.indexOf('\n}\n') + 2)) as { verdict: string; reasons: string[]; policyRef: string };
    expect(decision).toMatchObject({ verdict: 'deny', policyRef: 'main:cells/u_contract.yaml' });
    expect(decision.reasons).toEqual(['cells/u_contract.yaml is protected: no agent change may touch it', 'src/app.ts is outside persist-report (reports/**)']);
  });

  it('an agent report change within its category passes; a human PR is sent to review, not failed', async () => {
    const dir = repoWithPolicy();
    gitIn(dir, 'checkout', '-qb', 'agentlane/persist-report/5678');
    fs.mkdirSync(path.join(dir, 'reports'));
    fs.writeFileSync(path.join(dir, 'reports/a.md'), '# a\n');
    gitIn(dir, 'add', '-A');
    gitIn(dir, 'commit', '-qm', 'report');
    const agent = await runCli(['policy', 'check', '--repo', dir, '--base', 'main', '--head', 'HEAD', '--head-ref', 'agentlane/persist-report/5678']);
    expect(agent.code).toBe(0);
    expect(agent.stdout).toContain('u_contract persist-report: allow');
    const human = await runCli(['policy', 'check', '--repo', dir, '--base', 'main', '--head', 'HEAD', '--head-ref', 'octocat/fix']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('review');
    const bad = await runCli(['policy', 'check', '--repo', dir, '--base', '--upload-pack=touch', '--head', 'HEAD']);
    expect(bad.code).not.toBe(0);
  });

  it('gate prlite fails with PRLITE_GATE_FAILED when inputs are missing, and says which gate', async () => {
    const dir = repoWithPolicy();
    const result = await runCli(['gate', 'prlite', '--repo', dir, '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PRLITE_GATE_FAILED');
    const summary = JSON.parse(fs.readFileSync(path.join(dir, 'reports/pr-lite-summary.json'), 'utf8')) as { pass: boolean; gates: Array<{ name: string; pass: boolean; detail: string }> };
    expect(summary.pass).toBe(false);
    expect(summary.gates.find((g) => g.name === 'smoke')?.detail).toBe('smoke-output.json not found');
  });

  it('prlite collect then gate prlite pass on a healthy repository with cassettes', async () => {
    const dir = repoWithPolicy();
    fs.mkdirSync(path.join(dir, 'src'));
    fs.writeFileSync(path.join(dir, 'src/money.ts'), 'export function cents(amount: number): number {\n  return Math.round(amount * 100);\n}\n');
    const env = { LLM_CASSETTE_DIR: path.join(root, 'demo/cassettes') };
    const collect = await runCli(['prlite', 'collect', '--repo', dir, '--json'], { env });
    expect(collect.code).toBe(0);
    const gate = await runCli(['gate', 'prlite', '--repo', dir], { env });
    expect(gate.stdout).toContain('PR-Lite passed');
    expect(gate.code).toBe(0);
  });

  // The demo runs `kg index` and `serve` as child processes, and PR-Lite indexes the PR head.
  it('the demo runs the whole loop offline and merges the change', { timeout: 300_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(root, 'node_modules', '.agentlane-demo-test-'));
    try {
      const result = await runCli(['demo', '--dir', dir, '--json']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const out = JSON.parse(result.stdout) as { status: string; mergedSha: string; steps: Array<{ step: string }> };
      expect(out.status).toBe('merged');
      expect(gitIn(path.join(dir, 'forge/sample-app.git'), 'show', `${out.mergedSha}:reports/lane/summary.md`)).toContain('# Lane summary');
      expect(out.steps.map((s) => s.step)).toEqual(['sample repository', 'knowledge graph', 'server', 'signed /ask', 'workflow', 'u_contract', 'pull request', 'checks', 'merge', 'result']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
