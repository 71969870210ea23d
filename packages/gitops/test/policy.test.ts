import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, loadPolicy, loadPolicyAt, parsePolicy, type ChangedFile, type Policy } from '../src/index.js';
import { codeOf } from '../../../test/support/errors.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
const agent = { login: 'agentlane[bot]', kind: 'agent' as const };
const file = (p: string, additions = 1, deletions = 0): ChangedFile => ({ path: p, status: 'modified', additions, deletions });

describe('u_contract policy', async () => {
  const policy = await loadPolicy(repoRoot);

  it('auto-merges a small report change and sends source changes to review', () => {
    const report = evaluate(policy, { category: 'persist-report', files: [file('reports/lane/2026-11-21.md', 40)] }, agent);
    expect(report).toMatchObject({ verdict: 'allow', merge: 'auto', requiredChecks: ['pr-lite'], changedLines: 40 });
    const code = evaluate(policy, { category: 'code-change', files: [file('packages/kg/src/index.ts')] }, agent);
    expect(code).toMatchObject({ verdict: 'review', merge: 'review' });
  });

  it('denies .github/**, the policy itself and the protected list, whatever the category says', () => {
    const open: Policy = parsePolicy('version: 1\ncategories:\n  anything:\n    paths: ["**"]\n    merge: auto\n');
    for (const p of ['.github/workflows/ci.yml', 'cells/u_contract.yaml']) {
      const decision = evaluate(open, { category: 'anything', files: [file(p)] }, agent);
      expect(decision.verdict).toBe('deny');
      expect(decision.reasons.join()).toContain(`${p} is protected`);
    }
    expect(evaluate(policy, { category: 'code-change', files: [file('packages/x/.env.local')] }, agent).verdict).toBe('deny');
  });

  it('names every violation: outside the category, too many files, too many lines', () => {
    const files = [...Array.from({ length: 21 }, (_, i) => file(`reports/r${i}.md`, 100)), file('src/app.ts')];
    const decision = evaluate(policy, { category: 'persist-report', files }, agent);
    expect(decision.verdict).toBe('deny');
    expect(decision.reasons).toEqual([
      'src/app.ts is outside persist-report (reports/**)',
      '22 files changed; persist-report allows at most 20',
      '2101 lines changed; persist-report allows at most 2000',
    ]);
  });

  it('scopes {cell} paths to the asking cell', () => {
    const own = evaluate(policy, { category: 'north-star', cell: 'hello-s5', files: [file('cells/hello-s5/cell.yaml'), file('STATE/current_state.md')] }, agent);
    expect(own.verdict).toBe('review');
    const other = evaluate(policy, { category: 'north-star', cell: 'hello-s5', files: [file('cells/self-cost/cell.yaml')] }, agent);
    expect(other.verdict).toBe('deny');
    const none = evaluate(policy, { category: 'north-star', files: [file('STATE/current_state.md')] }, agent);
    expect(none.reasons.join()).toContain('names no valid cell');
  });

  it('denies unknown categories, empty changes, traversal and renames out of bounds', () => {
    expect(evaluate(policy, { category: 'nope', files: [file('reports/a.md')] }, agent).verdict).toBe('deny');
    expect(evaluate(policy, { category: 'persist-report', files: [] }, agent).verdict).toBe('deny');
    for (const p of ['reports/../.github/x.yml', '/etc/passwd', 'reports//a.md', 'reports/./a.md', 'reports/.git/config', 'reports\\a.md']) {
      expect(evaluate(policy, { category: 'persist-report', files: [file(p)] }, agent).verdict, p).toBe('deny');
    }
    const rename: ChangedFile = { path: 'reports/moved.md', previousPath: '.github/CODEOWNERS', status: 'renamed', additions: 0, deletions: 0 };
    expect(evaluate(policy, { category: 'persist-report', files: [rename] }, agent).verdict).toBe('deny');
  });

  it('never lets a human change merge by itself', () => {
    const decision = evaluate(policy, { category: 'persist-report', files: [file('.github/workflows/x.yml')] }, { login: 'octocat', kind: 'human' });
    expect(decision.verdict).toBe('review');
  });

  it('property: a change touching a protected path is never allowed, and verdicts are deterministic', () => {
    const segment = fc.stringMatching(/^[a-z0-9_-]{1,8}$/);
    const safePath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));
    const protectedPath = fc.oneof(
      fc.constant('cells/u_contract.yaml'),
      safePath.map((p) => `.github/${p}`),
      segment.map((s) => `.env${s}`),
    );
    fc.assert(
      fc.property(
        fc.array(safePath.map((p) => `reports/${p}`), { maxLength: 5 }),
        protectedPath,
        fc.constantFrom(...Object.keys(policy.categories)),
        fc.nat({ max: 5 }),
        (others, bad, category, at) => {
          const files = [...others.map((p) => file(p))];
          files.splice(Math.min(at, files.length), 0, file(bad));
          const change = { category, cell: 'hello-s5', files };
          const decision = evaluate(policy, change, agent);
          expect(decision.verdict).toBe('deny');
          expect(evaluate(policy, change, agent)).toEqual(decision);
        },
      ),
    );
  });

  it('property: within a category, adding files or lines never turns deny into allow', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: 1, maxLength: 30 }), fc.nat({ max: 200 }), (names, lines) => {
        const files = names.map((n) => file(`reports/${n}.md`, lines));
        const smaller = evaluate(policy, { category: 'persist-report', files: files.slice(0, -1) }, agent);
        const bigger = evaluate(policy, { category: 'persist-report', files }, agent);
        if (smaller.verdict === 'deny' && files.length > 1) expect(bigger.verdict).toBe('deny');
      }),
    );
  });

  it('rejects an invalid policy with every problem named', () => {
    expect(codeOf(() => parsePolicy('version: 2\ncategories: {}\n'))).toBe('POLICY_INVALID');
    const error = (() => {
      try {
        parsePolicy('version: 1\ncategories:\n  Bad_Name:\n    paths: ["../x"]\n    merge: sometimes\n');
      } catch (thrown) {
        return thrown as { code: string; details: { problems: string[] } };
      }
      throw new Error('an invalid policy was accepted');
    })();
    expect(error.code).toBe('POLICY_INVALID');
    expect(error.details.problems).toEqual(
      expect.arrayContaining([expect.stringContaining('kebab-case'), expect.stringContaining('paths.0'), expect.stringContaining('merge')]),
    );
    expect(codeOf(() => parsePolicy('version: 1\ncategories: [unclosed\n'))).toBe('POLICY_INVALID');
  });

  it('reads the policy from the base branch, not from the pull request', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-policy-'));
    const gitIn = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
    gitIn('init', '-q', '-b', 'main');
    fs.mkdirSync(path.join(dir, 'cells'));
    fs.writeFileSync(path.join(dir, 'cells/u_contract.yaml'), fs.readFileSync(path.join(repoRoot, 'cells/u_contract.yaml')));
    gitIn('add', '.');
    gitIn('commit', '-qm', 'policy');
    gitIn('checkout', '-qb', 'loosen');
    fs.writeFileSync(path.join(dir, 'cells/u_contract.yaml'), 'version: 1\ncategories:\n  persist-report:\n    paths: ["**"]\n    merge: auto\n');
    gitIn('commit', '-qam', 'loosen');
    const base = await loadPolicyAt(dir, 'main');
    const head = await loadPolicy(dir);
    const change = { category: 'persist-report', files: [file('src/app.ts')] };
    expect(evaluate(head, change, agent).verdict).toBe('allow');
    expect(evaluate(base, change, agent).verdict).toBe('deny');
    await expect(loadPolicyAt(dir, '--output=/tmp/x')).rejects.toMatchObject({ code: 'POLICY_INVALID' });
    await expect(loadPolicyAt(dir, 'no-such-branch')).rejects.toMatchObject({ code: 'POLICY_INVALID' });
  });
});
