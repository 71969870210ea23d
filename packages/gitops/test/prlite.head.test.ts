/**
 * PR-Lite on the PR head, in the product: the ask service wired from the configuration
 * alone (as `serve`, `worker` and `ask event` wire it) runs PR-Lite on the head of the
 * local forge's pull request itself, records the check run, and merges a green `auto`
 * change, with nobody injecting a runner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, loadPolicy, prLiteOnHead } from '../src/index.js';
import { createTestDatabase, testBackends, type TestDatabase } from '../../../test/support/backends.js';
import { localAskHarness, REPORT_ANSWER, type LocalAskHarness } from './support/local-ask.js';

describe.each(testBackends().slice(-1))('PR-Lite on the local forge (%s)', { timeout: 300_000 }, (backend) => {
  let db: TestDatabase;
  let h: LocalAskHarness;

  beforeAll(async () => {
    db = await createTestDatabase(backend);
    h = await localAskHarness(db.sql);
  });
  afterAll(async () => {
    await h?.close();
    await db?.dispose();
  });

  it('a configured writer\'s /ask is checked on its head and merged, with no runner injected', async () => {
    const line = '/ask persist-report persist_report "lane summary"';
    await h.answer(line, 'writer', REPORT_ANSWER);
    const { record } = await h.ask(line, 'writer');
    expect(record).toMatchObject({ status: 'merged', pr_status: 'merged', checks: 'pr-lite=success, u_contract=success' });
    const { stdout } = await git(['show', `main:reports/lane/summary.md`], { cwd: h.bare });
    expect(stdout).toContain('# Lane summary');
    const { rows } = await db.sql.query<{ name: string; status: string; conclusion: string }>('SELECT name, status, conclusion FROM gitops.local_check_runs ORDER BY id');
    expect(rows).toEqual([
      { name: 'u_contract', status: 'completed', conclusion: 'success' },
      { name: 'pr-lite', status: 'completed', conclusion: 'success' },
    ]);
    // The worktree PR-Lite ran in is gone.
    expect((await git(['worktree', 'list', '--porcelain'], { cwd: h.bare })).stdout.match(/^worktree /gm)).toHaveLength(1);
  });

  it('fails on a head whose checks fail (a broken policy file), and removes its worktree', async () => {
    const policy = await loadPolicy(h.checkout);
    const base = (await git(['rev-parse', 'main'], { cwd: h.bare })).stdout.trim();
    const edits = [{ path: 'cells/u_contract.yaml', content: 'version: 2\n' }];
    const { sha } = await h.service.forge.commitToNewBranch({ base: 'main', branch: 'broken-policy', message: 'break', edits });
    const run = prLiteOnHead({ forgeRepo: h.bare, config: h.config, repoRoot: h.checkout });
    const summary = await run({ headSha: sha, decision: { verdict: 'allow', reasons: [], category: Object.keys(policy.categories)[0] as string, merge: 'auto', requiredChecks: [], changedLines: 1 } });
    expect(summary.pass).toBe(false);
    expect(summary.gates.find((g) => g.name === 'smoke')?.pass).toBe(false);
    expect((await git(['rev-parse', 'main'], { cwd: h.bare })).stdout.trim()).toBe(base);
    expect((await git(['worktree', 'list', '--porcelain'], { cwd: h.bare })).stdout.match(/^worktree /gm)).toHaveLength(1);
    await expect(run({ headSha: '--output=x', decision: { verdict: 'allow', reasons: [], category: 'x', merge: 'auto', requiredChecks: [], changedLines: 0 } })).rejects.toMatchObject({ code: 'FORGE_REQUEST_FAILED' });
  });
});
