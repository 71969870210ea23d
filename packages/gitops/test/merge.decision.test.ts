/**
 * The merge decision, made at merge time on the head SHA that was checked: the policy
 * on the base as it is then, every required check green on that SHA, the path locks
 * still held, the base not moved onto the same paths. pass → merge (auto) or review;
 * fail → close with the reasons; inconclusive → wait, never merge.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquirePathLocks, decideMerge, LocalForge, migrateGitops, type CheckConclusion } from '../src/index.js';
import { createTestDatabase, testBackends, type TestDatabase } from '../../../test/support/backends.js';
import { bareRepoWith, gitIn } from '../../../test/support/git-repo.js';
import { sampleRepoFiles } from './support/local-ask.js';

describe.each(testBackends())('merge decision on the local forge (%s)', { timeout: 120_000 }, (backend) => {
  let db: TestDatabase;
  let forge: LocalForge;
  let bare: string;
  let work: string;
  let branches = 0;

  /** An open agent PR of `cell` changing `edits`, recorded as publish records it, its paths locked. */
  async function openChange(edits: Record<string, string>, { category = 'persist-report', cell = 'persist-report', lock = true } = {}) {
    branches += 1;
    const branch = `agentlane/${cell}/${String(branches).padStart(8, '0')}`;
    const baseSha = await forge.branchSha('main');
    const { sha } = await forge.commitToNewBranch({ base: 'main', branch, message: 'change', edits: Object.entries(edits).map(([p, content]) => ({ path: p, content })) });
    const pr = await forge.openPullRequest({ head: branch, base: 'main', title: `change ${branches}`, body: '' });
    const ask = await db.sql.query<{ id: string }>(`INSERT INTO gitops.asks (repo, issue_number, actor, cell, action, status) VALUES ('o/r', 1, 'writer', $1, 'x', 'pr_opened') RETURNING id`, [cell]);
    const { rows } = await db.sql.query<{ id: string }>(
      `INSERT INTO gitops.change_requests (ask_id, forge, repo, base, branch, category, head_sha, base_sha, pr_number, pr_url, title) VALUES ($1, 'local', $2, 'main', $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [ask.rows[0]?.id, forge.repo, branch, category, sha, baseSha, pr.number, pr.url, `change ${branches}`],
    );
    const id = rows[0]?.id as string;
    if (lock) await acquirePathLocks(db.sql, forge.repo, Object.keys(edits), id);
    return { id, sha, pr };
  }
  const check = async (headSha: string, name: string, conclusion: CheckConclusion | null) =>
    forge.createCheckRun({ headSha, name, status: conclusion ? 'completed' : 'queued', ...(conclusion ? { conclusion } : {}) });
  const commentsOn = async (number: number) => (await db.sql.query<{ body: string }>('SELECT body FROM gitops.local_comments WHERE issue_number = $1 ORDER BY id', [number])).rows.map((r) => r.body);
  /** Commit straight to the forge's main (a human pushing to the base). */
  const pushToMain = (file: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
    fs.writeFileSync(path.join(work, file), content);
    gitIn(work, 'add', '-A');
    gitIn(work, 'commit', '-qm', `edit ${file}`);
    gitIn(work, 'pull', '-q', '--rebase', bare, 'main');
    gitIn(work, 'push', '-q', bare, 'HEAD:main');
  };

  beforeAll(async () => {
    db = await createTestDatabase(backend);
    await migrateGitops(db.sql);
    ({ bare, work } = bareRepoWith(sampleRepoFiles()));
    forge = new LocalForge({ repoPath: bare, sql: db.sql });
  });
  afterAll(async () => db?.dispose());

  it('pass: every required check green on the head → an auto category merges, its locks released', async () => {
    const { id, sha, pr } = await openChange({ 'reports/a.md': 'a\n' });
    await check(sha, 'pr-lite', 'success');
    const decision = await decideMerge({ sql: db.sql, forge }, id);
    expect(decision).toMatchObject({ outcome: 'pass', action: 'merged', headSha: sha, policyRef: 'main:cells/u_contract.yaml' });
    expect((await forge.getPullRequest(pr.number)).state).toBe('merged');
    expect(await forge.readFile('main', 'reports/a.md')).toBe('a\n');
    expect((await db.sql.query('SELECT 1 FROM gitops.path_locks WHERE change_request_id = $1', [id])).rows).toEqual([]);
    expect((await db.sql.query<{ status: string }>('SELECT status FROM gitops.change_requests WHERE id = $1', [id])).rows[0]?.status).toBe('merged');
    expect(await decideMerge({ sql: db.sql, forge }, id)).toBeNull();
  });

  it('inconclusive: a required check missing, queued, cancelled, timed out or neutral → wait, never merge; a human is told once', async () => {
    const { id, sha, pr } = await openChange({ 'reports/b.md': 'b\n' });
    const first = await decideMerge({ sql: db.sql, forge }, id);
    expect(first).toMatchObject({ outcome: 'inconclusive', action: 'wait', reasons: ['required check pr-lite has not run on this head'] });
    await decideMerge({ sql: db.sql, forge }, id);
    expect(await commentsOn(pr.number)).toHaveLength(1);
    expect((await commentsOn(pr.number))[0]).toContain('Paused, not merged');
    for (const conclusion of [null, 'cancelled', 'timed_out', 'neutral', 'skipped'] as const) {
      await check(sha, 'pr-lite', conclusion);
      expect(await decideMerge({ sql: db.sql, forge }, id), String(conclusion)).toMatchObject({ outcome: 'inconclusive', action: 'wait' });
      expect((await forge.getPullRequest(pr.number)).state).toBe('open');
    }
    // The newest run decides: a re-run that passes merges.
    await check(sha, 'pr-lite', 'success');
    expect(await decideMerge({ sql: db.sql, forge }, id)).toMatchObject({ outcome: 'pass', action: 'merged' });
  });

  it('fail: a failed required check → the PR is closed with the reasons, its locks released', async () => {
    const { id, sha, pr } = await openChange({ 'reports/c.md': 'c\n' });
    await check(sha, 'pr-lite', 'failure');
    expect(await decideMerge({ sql: db.sql, forge }, id)).toMatchObject({ outcome: 'fail', action: 'closed', reasons: ['required check pr-lite failed'] });
    expect((await forge.getPullRequest(pr.number)).state).toBe('closed');
    expect(await forge.readFile('main', 'reports/c.md')).toBeNull();
    expect((await commentsOn(pr.number)).at(-1)).toContain('Closed without merging');
    expect((await db.sql.query('SELECT 1 FROM gitops.path_locks WHERE change_request_id = $1', [id])).rows).toEqual([]);
  });

  it('the policy is the base\'s at merge time: a PR loosening its own policy fails; a base made stricter since sends the change to review', async () => {
    const loosened = await openChange({ 'reports/d.md': 'd\n', 'cells/u_contract.yaml': 'version: 1\ncategories:\n  persist-report:\n    paths: ["**"]\n    merge: auto\n' });
    await check(loosened.sha, 'pr-lite', 'success');
    const denied = await decideMerge({ sql: db.sql, forge }, loosened.id);
    expect(denied).toMatchObject({ outcome: 'fail', action: 'closed' });
    expect(denied?.reasons).toContain('u_contract: cells/u_contract.yaml is protected: no agent change may touch it');

    const { id, sha, pr } = await openChange({ 'reports/e.md': 'e\n' });
    await check(sha, 'pr-lite', 'success');
    pushToMain('cells/u_contract.yaml', (await forge.readFile('main', 'cells/u_contract.yaml'))!.replace(/merge: auto/, 'merge: review'));
    expect(await decideMerge({ sql: db.sql, forge }, id)).toMatchObject({ outcome: 'pass', action: 'review' });
    expect((await forge.getPullRequest(pr.number)).state).toBe('open');
    expect((await commentsOn(pr.number)).at(-1)).toContain('merges after a human review');
    expect(await forge.reviewRequests(pr.number)).toEqual(['writer']);
    pushToMain('cells/u_contract.yaml', (await forge.readFile('main', 'cells/u_contract.yaml'))!.replace(/merge: review/, 'merge: auto'));
    expect(await decideMerge({ sql: db.sql, forge }, id)).toMatchObject({ outcome: 'pass', action: 'merged' });
  });

  it('a path lock no longer held → inconclusive; the base moved onto the same path → fail; elsewhere → merges', async () => {
    const unlocked = await openChange({ 'reports/f.md': 'f\n' }, { lock: false });
    await check(unlocked.sha, 'pr-lite', 'success');
    expect(await decideMerge({ sql: db.sql, forge }, unlocked.id)).toMatchObject({ outcome: 'inconclusive', action: 'wait', reasons: ['the path lock on reports/f.md is no longer held by this change'] });

    const same = await openChange({ 'reports/g.md': 'g\n' });
    const other = await openChange({ 'reports/h.md': 'h\n' });
    await check(same.sha, 'pr-lite', 'success');
    await check(other.sha, 'pr-lite', 'success');
    pushToMain('reports/g.md', 'human g\n');
    const conflict = await decideMerge({ sql: db.sql, forge }, same.id);
    expect(conflict).toMatchObject({ outcome: 'fail', action: 'closed' });
    expect(conflict?.reasons[0]).toMatch(/^main changed reports\/g\.md after this change was cut from [0-9a-f]{7}$/);
    expect(await forge.readFile('main', 'reports/g.md')).toBe('human g\n');
    expect(await decideMerge({ sql: db.sql, forge }, other.id)).toMatchObject({ outcome: 'pass', action: 'merged' });
    expect(await forge.readFile('main', 'reports/g.md')).toBe('human g\n');
    expect(await forge.readFile('main', 'reports/h.md')).toBe('h\n');
  });
});
