import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquirePathLocks, LocalForge, loadCells, migrateGitops, releasePathLocks, takeAsk, type Cell } from '../src/index.js';
import { createTestDatabase, testBackends, type TestDatabase } from '../../../test/support/backends.js';
import { bareRepoWith } from '../../../test/support/git-repo.js';

const root = path.resolve(import.meta.dirname, '../../..');
let commentIds = 0;
const payload = (body: string, login: string, extra: Record<string, unknown> = {}) => ({
  action: 'created',
  comment: { id: ++commentIds, body, user: { login, type: 'User' } },
  issue: { number: 3 },
  repository: { full_name: 'o/r' },
  sender: { login, type: 'User' },
  ...extra,
});

describe.each(testBackends())('/ask intake and path locks on %s', (backend) => {
  let db: TestDatabase;
  let forge: LocalForge;
  let cells: Map<string, Cell>;
  const queued: string[] = [];
  const intake = (id: string, p: unknown) => takeAsk({ sql: db.sql, forge, repository: 'o/r', cells, enqueue: async (askId) => void queued.push(askId) }, id, p);

  beforeAll(async () => {
    db = await createTestDatabase(backend);
    await migrateGitops(db.sql);
    forge = new LocalForge({ repoPath: bareRepoWith({ 'README.md': 'x\n' }).bare, sql: db.sql, collaborators: { writer: 'write', admin: 'admin', reader: 'read' } });
    cells = await loadCells(root);
  });
  afterAll(async () => db.dispose());

  it('queues a writer\'s ask once, however often it is delivered', async () => {
    const comment = payload('/ask hello-s5 update_north_star "ship it"', 'writer');
    const first = await intake('d1', comment);
    expect(first).toMatchObject({ status: 'queued', command: { cell: 'hello-s5', action: 'update_north_star', args: ['ship it'] } });
    expect(await intake('d1', comment)).toEqual({ status: 'duplicate', askId: (first as { askId: string }).askId });
    expect(queued).toEqual([(first as { askId: string }).askId]);
  });

  it('refuses readers, unknown cells and actions, and bad grammar, with a reply and a stable code; queues none', async () => {
    const before = queued.length;
    const cases: Array<[string, string, string]> = [
      ['/ask hello-s5 update_north_star', 'reader', 'ASK_FORBIDDEN'],
      ['/ask nope update_north_star', 'admin', 'CELL_NOT_FOUND'],
      ['/ask hello-s5 delete_everything', 'admin', 'ASK_INVALID'],
      ['/ask hello-s5 "unterminated', 'admin', 'ASK_INVALID'],
    ];
    for (const [body, login, code] of cases) {
      const result = await intake(`r-${code}-${login}-${body.length}`, payload(body, login));
      expect(result.status, body).toBe('refused');
      const { rows } = await db.sql.query<{ error_code: string; reply_url: string }>('SELECT error_code, reply_url FROM gitops.asks WHERE id = $1', [(result as { askId: string }).askId]);
      expect(rows[0]?.error_code, body).toBe(code);
      expect(rows[0]?.reply_url).toMatch(/^local:\/\//);
    }
    expect(queued.length).toBe(before);
  });

  it('marks a plan-only action as plan-only whatever the comment says, and ignores bots, edits and chatter', async () => {
    const result = await intake('p1', payload('/ask hello-s5 summarize', 'writer'));
    expect(result).toMatchObject({ status: 'queued', command: { planOnly: true } });
    expect(await intake('b1', payload('/ask hello-s5 summarize', 'ci-bot', { sender: { login: 'ci-bot', type: 'Bot' } }))).toMatchObject({ status: 'ignored' });
    expect(await intake('e1', { ...payload('/ask hello-s5 summarize', 'writer'), action: 'edited' })).toMatchObject({ status: 'ignored' });
    expect(await intake('c1', payload('thanks!', 'writer'))).toMatchObject({ status: 'ignored' });
    await expect(intake('x1', { action: 'created' })).rejects.toMatchObject({ code: 'ASK_INVALID' });
  });

  it('path locks: all or nothing, released with the change', async () => {
    const ids = await db.sql.query<{ id: string }>(
      `INSERT INTO gitops.change_requests (forge, repo, base, branch, category) VALUES ('local', 'r', 'main', 'a', 'c'), ('local', 'r', 'main', 'b', 'c') RETURNING id`,
    );
    const [a, b] = ids.rows.map((r) => r.id) as [string, string];
    await acquirePathLocks(db.sql, 'r', ['reports/x.md', 'reports/y.md'], a);
    await expect(acquirePathLocks(db.sql, 'r', ['reports/z.md', 'reports/y.md'], b)).rejects.toMatchObject({ code: 'FORGE_PATHS_LOCKED', details: { paths: ['reports/y.md'] } });
    const held = await db.sql.query<{ path: string }>('SELECT path FROM gitops.path_locks WHERE change_request_id = $1', [b]);
    expect(held.rows).toEqual([]);
    expect(await releasePathLocks(db.sql, a)).toBe(2);
    await acquirePathLocks(db.sql, 'r', ['reports/z.md', 'reports/y.md'], b);
  });
});
