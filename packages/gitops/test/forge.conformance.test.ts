/**
 * One behaviour, two adapters: the same suite drives the local forge (git plumbing
 * + Postgres/PGlite records) and the GitHub forge (Octokit against a loopback
 * GitHub that checks every request against GitHub's OpenAPI description).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Forge } from '../src/index.js';
import { GitHubForge, LocalForge, migrateGitops } from '../src/index.js';
import { createTestDatabase, testBackends, type TestDatabase } from '../../../test/support/backends.js';
import { bareRepoWith } from '../../../test/support/git-repo.js';
import { FakeGitHub } from '../../../test/support/github-fake.js';

const FILES = { 'README.md': '# demo\n', 'reports/old.md': 'old\nreport\n', 'src/app.ts': 'export const x = 1;\n' };

interface Harness {
  forge: Forge;
  grant(login: string, permission: 'admin' | 'write' | 'read'): void;
  reviewers(number: number): Promise<string[]>;
  violations(): string[];
  close(): Promise<void>;
}

const harnesses: Array<[string, () => Promise<Harness>]> = [
  ...testBackends().map((backend): [string, () => Promise<Harness>] => [
    `local forge on ${backend}`,
    async () => {
      const db: TestDatabase = await createTestDatabase(backend);
      await migrateGitops(db.sql);
      const collaborators: Record<string, 'admin' | 'write' | 'read'> = {};
      const forge = new LocalForge({ repoPath: bareRepoWith(FILES).bare, sql: db.sql, collaborators });
      return { forge, grant: (login, p) => void (collaborators[login] = p), reviewers: (n) => forge.reviewRequests(n), violations: () => [], close: () => db.dispose() };
    },
  ]),
  [
    'GitHub forge (OpenAPI contract server)',
    async () => {
      const github = await new FakeGitHub('octo-org/demo', FILES).start();
      const forge = await GitHubForge.create({ repo: github.repo, auth: { kind: 'token', token: 'ghs_0123456789abcdefghijklmnopqrstuvwxyz' }, apiUrl: github.server.url, writeSpacingMs: 0, notificationSpacingMs: 0 });
      return { forge, grant: (login, p) => void github.permissions.set(login, p), reviewers: async (n) => github.pulls[n - 1]?.reviewers ?? [], violations: () => github.server.violations, close: () => github.close() };
    },
  ],
];

describe.each(harnesses)('%s', (_name, make) => {
  let h: Harness;
  beforeAll(async () => {
    h = await make();
  });
  afterAll(async () => {
    expect(h.violations()).toEqual([]);
    await h.close();
  });

  let prNumber = 0;
  let headSha = '';

  it('commits many edits (add, modify, delete) to a new branch in one commit', async () => {
    const base = await h.forge.branchSha('main');
    const { sha } = await h.forge.commitToNewBranch({
      base: 'main',
      branch: 'agentlane/ask-1',
      message: 'Persist the lane report',
      edits: [
        { path: 'reports/lane/2026-11-21.md', content: '# Lane\n\nall green\n' },
        { path: 'README.md', content: '# demo\n\nupdated\n' },
        { path: 'reports/old.md', content: null },
      ],
    });
    headSha = sha;
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await h.forge.branchSha('agentlane/ask-1')).toBe(sha);
    expect(await h.forge.branchSha('main')).toBe(base);
    expect(await h.forge.readFile(sha, 'reports/lane/2026-11-21.md')).toBe('# Lane\n\nall green\n');
    expect(await h.forge.readFile(sha, 'reports/old.md')).toBeNull();
    expect(await h.forge.readFile('main', 'reports/old.md')).toBe('old\nreport\n');
  });

  it('never overwrites an existing branch, and refuses paths that escape the repository', async () => {
    const edits = [{ path: 'reports/x.md', content: 'x\n' }];
    await expect(h.forge.commitToNewBranch({ base: 'main', branch: 'agentlane/ask-1', message: 'again', edits })).rejects.toMatchObject({ code: 'FORGE_REQUEST_FAILED' });
    expect(await h.forge.branchSha('agentlane/ask-1')).toBe(headSha);
    for (const bad of ['../x', '.git/config', '/etc/passwd', 'a//b']) {
      await expect(h.forge.commitToNewBranch({ base: 'main', branch: 'agentlane/bad', message: 'm', edits: [{ path: bad, content: 'x' }] })).rejects.toMatchObject({
        code: 'FORGE_REQUEST_FAILED',
      });
    }
    await expect(h.forge.commitToNewBranch({ base: 'main', branch: '--upload-pack=x', message: 'm', edits })).rejects.toMatchObject({ code: 'FORGE_REQUEST_FAILED' });
  });

  it('opens a draft pull request with labels and lists its files with line counts', async () => {
    const pr = await h.forge.openPullRequest({ head: 'agentlane/ask-1', base: 'main', title: 'Persist the lane report', body: 'asked by @octocat', draft: true, labels: ['agentlane', 'persist-report'] });
    prNumber = pr.number;
    expect(pr).toMatchObject({ number: 1, head: 'agentlane/ask-1', base: 'main', headSha, state: 'open' });
    const files = await h.forge.pullRequestFiles(pr.number);
    expect(files.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'README.md', status: 'modified', additions: 2, deletions: 0 },
      { path: 'reports/lane/2026-11-21.md', status: 'added', additions: 3, deletions: 0 },
      { path: 'reports/old.md', status: 'removed', additions: 0, deletions: 2 },
    ]);
  });

  it('creates and updates a check run on the head SHA, and replies with a comment', async () => {
    const run = await h.forge.createCheckRun({ headSha, name: 'pr-lite', status: 'in_progress', title: 'PR-Lite', summary: 'running' });
    expect(run.id).toBeGreaterThan(0);
    await h.forge.updateCheckRun(run.id, { status: 'completed', conclusion: 'success', title: 'PR-Lite', summary: 'all gates green' });
    expect((await h.forge.listCheckRuns(headSha)).map((r) => [r.id, r.name, r.status, r.conclusion])).toEqual([[run.id, 'pr-lite', 'completed', 'success']]);
    expect(await h.forge.listCheckRuns('f'.repeat(40))).toEqual([]);
    const comment = await h.forge.comment(7, 'Opened #1');
    expect(comment.id).toBeGreaterThan(0);
    expect(comment.url).toContain('7');
  });

  it('reports collaborator permissions, and none for strangers', async () => {
    h.grant('writer', 'write');
    h.grant('reader', 'read');
    expect(await h.forge.permissionOf('writer')).toBe('write');
    expect(await h.forge.permissionOf('reader')).toBe('read');
    expect(['none', 'read']).toContain(await h.forge.permissionOf('stranger'));
  });

  it('squash-merges only at the expected head, and the base then holds the change', async () => {
    await expect(h.forge.mergePullRequest(prNumber, '0'.repeat(40), 'Persist the lane report')).rejects.toMatchObject({ code: 'FORGE_REQUEST_FAILED' });
    const { sha } = await h.forge.mergePullRequest(prNumber, headSha, 'Persist the lane report');
    expect(await h.forge.branchSha('main')).toBe(sha);
    expect(await h.forge.readFile('main', 'reports/lane/2026-11-21.md')).toBe('# Lane\n\nall green\n');
    expect((await h.forge.getPullRequest(prNumber)).state).toBe('merged');
  });

  it('lists the paths changed between two commits, and closes an open pull request without merging it', async () => {
    const before = await h.forge.branchSha('main');
    const { sha } = await h.forge.commitToNewBranch({ base: 'main', branch: 'agentlane/ask-2', message: 'more', edits: [{ path: 'reports/b.md', content: 'b\n' }, { path: 'src/app.ts', content: null }] });
    expect(await h.forge.changedPathsBetween(before, sha)).toEqual(['reports/b.md', 'src/app.ts']);
    const pr = await h.forge.openPullRequest({ head: 'agentlane/ask-2', base: 'main', title: 'more', body: '' });
    await h.forge.requestReview(pr.number, ['octocat']);
    expect(await h.reviewers(pr.number)).toEqual(['octocat']);
    await h.forge.closePullRequest(pr.number);
    expect((await h.forge.getPullRequest(pr.number)).state).toBe('closed');
    expect(await h.forge.branchSha('main')).toBe(before);
  });

  it('answers a missing pull request or branch with FORGE_REQUEST_FAILED', async () => {
    await expect(h.forge.getPullRequest(99)).rejects.toMatchObject({ code: 'FORGE_REQUEST_FAILED' });
    await expect(h.forge.branchSha('nope')).rejects.toMatchObject({ code: 'FORGE_REQUEST_FAILED' });
  });
});
