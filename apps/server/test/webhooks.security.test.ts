import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { codeSpan, LocalForge, loadCells, migrateGitops, signWebhookBody, takeAsk, type Cell } from '@agentlane/gitops';
import { createServer } from '../src/index.js';
import { createTestDatabase, testBackends, type TestDatabase } from '../../../test/support/backends.js';
import { bareRepoWith } from '../../../test/support/git-repo.js';

const root = path.resolve(import.meta.dirname, '../../..');
const SECRET = 'webhook-secret-0123456789';
const REPO = 'octo-org/agentlane';

/** Markdown a reply must never render from a comment: links, mentions, references, HTML, emphasis. */
const HOSTILE = '@octocat @org/team https://evil.example/x [click](https://evil.example) <img src=x onerror=alert(1)> #1 **bold** ![i](https://evil.example/i.png) <!-- x --> `tick` ``` line\nbreak';

let nextComment = 1000;
function commentPayload(body: string, login: string, overrides: { repo?: string; commentId?: number; action?: string } = {}) {
  return {
    action: overrides.action ?? 'created',
    comment: { id: overrides.commentId ?? ++nextComment, body, updated_at: '2026-12-03T10:00:00Z', user: { login, type: 'User' } },
    issue: { number: 7 },
    repository: { full_name: overrides.repo ?? REPO },
    sender: { login, type: 'User' },
  };
}

/** The reply with its code spans removed (CommonMark: a run of N backticks closes at the next run of exactly N). */
function outsideCodeSpans(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const run = /^`+/.exec(text.slice(i));
    if (!run) {
      out += text[i];
      i += 1;
      continue;
    }
    const fence = run[0];
    const close = new RegExp(`(?<!\`)${fence}(?!\`)`, 'g');
    close.lastIndex = i + fence.length;
    const end = close.exec(text);
    if (!end) {
      out += fence;
      i += fence.length;
      continue;
    }
    out += '⟨code⟩';
    i = end.index + fence.length;
  }
  return out;
}

describe('security: webhooks', () => {
  describe.each(testBackends())('on %s', (backend) => {
    let db: TestDatabase;
    let app: FastifyInstance;
    let base: string;
    let cells: Map<string, Cell>;
    const queued: string[] = [];

    const deliver = async (payload: unknown, { delivery = crypto.randomUUID(), signature, event = 'issue_comment' }: { delivery?: string; signature?: string; event?: string } = {}) => {
      const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
      const response = await fetch(`${base}/webhooks/github`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': delivery, 'x-hub-signature-256': signature ?? (await signWebhookBody(SECRET, body)) },
        body,
      });
      return { status: response.status, body: (await response.json()) as { status?: string; askId?: string; reason?: string; error?: { code: string; message: string } } };
    };
    const count = async (table: 'asks' | 'local_comments') => Number((await db.sql.query<{ n: string }>(`SELECT count(*)::text AS n FROM gitops.${table}`)).rows[0]?.n);
    const replies = async () => (await db.sql.query<{ body: string }>('SELECT body FROM gitops.local_comments ORDER BY id')).rows.map((r) => r.body);

    beforeAll(async () => {
      db = await createTestDatabase(backend);
      await migrateGitops(db.sql);
      cells = await loadCells(root);
      const forge = new LocalForge({ repoPath: bareRepoWith({ 'README.md': 'x\n' }).bare, sql: db.sql, collaborators: { writer: 'write', reader: 'read', triager: 'triage' } });
      app = await createServer({
        sql: db.sql,
        repoRoot: root,
        token: 'api-token-0123456789abcdef',
        webhooks: {
          secret: SECRET,
          onIssueComment: (delivery, payload) => takeAsk({ sql: db.sql, forge, repository: REPO, cells, enqueue: async (id) => void queued.push(id) }, delivery, payload),
        },
      });
      base = await app.listen({ host: '127.0.0.1', port: 0 });
    });
    afterAll(async () => {
      await app?.close();
      await db?.dispose();
    });
    beforeEach(async () => {
      await db.sql.query('DELETE FROM gitops.local_comments');
      await db.sql.query('DELETE FROM gitops.asks');
      queued.length = 0;
    });

    it('replay: one signed comment under 3 new delivery ids makes one ask and one run', async () => {
      const body = JSON.stringify(commentPayload('/ask hello-s5 update_north_star "ship it"', 'writer'));
      const answers = [];
      for (let i = 0; i < 3; i += 1) answers.push(await deliver(body));
      expect(answers.map((a) => [a.status, a.body.status])).toEqual([[202, 'queued'], [202, 'duplicate'], [202, 'duplicate']]);
      expect(new Set(answers.map((a) => a.body.askId)).size).toBe(1);
      expect(await count('asks')).toBe(1);
      expect(queued).toHaveLength(1);
    });

    it('replay: the same comment delivered concurrently under 6 delivery ids makes one ask', async () => {
      const body = JSON.stringify(commentPayload('/ask hello-s5 update_north_star "ship it"', 'writer'));
      const answers = await Promise.all(Array.from({ length: 6 }, () => deliver(body)));
      expect(answers.every((a) => a.status === 202)).toBe(true);
      expect(answers.filter((a) => a.body.status === 'queued')).toHaveLength(1);
      expect(await count('asks')).toBe(1);
      expect(queued).toHaveLength(1);
    });

    it('replay of a refused comment: one refusal reply, not one per delivery', async () => {
      const body = JSON.stringify(commentPayload('/ask hello-s5 update_north_star', 'reader'));
      for (let i = 0; i < 3; i += 1) await deliver(body);
      expect(await count('asks')).toBe(1);
      expect(await count('local_comments')).toBe(1);
    });

    it('an edit of an /ask comment is ignored: no second ask for the same comment', async () => {
      const first = commentPayload('/ask hello-s5 update_north_star "one"', 'writer');
      expect((await deliver(first)).body.status).toBe('queued');
      const edited = { ...first, action: 'edited', comment: { ...first.comment, body: '/ask hello-s5 update_north_star "two"', updated_at: '2026-12-03T11:00:00Z' } };
      expect((await deliver(edited)).body.status).toBe('ignored');
      // Even a forged "created" with the new updated_at is the same comment.
      expect((await deliver({ ...edited, action: 'created' })).body.status).toBe('duplicate');
      expect(queued).toHaveLength(1);
    });

    it('another repository, correctly signed: refused 403 WEBHOOK_REPOSITORY_MISMATCH, nothing stored, nothing said', async () => {
      for (const repo of ['evil/agentlane', 'octo-org/agentlane-fork', `${REPO}/..`, '']) {
        const answer = await deliver(commentPayload('/ask hello-s5 update_north_star "x"', 'writer', { repo }));
        expect({ repo, status: answer.status, code: answer.body.error?.code }).toEqual({ repo, status: 403, code: 'WEBHOOK_REPOSITORY_MISMATCH' });
      }
      expect(await count('asks')).toBe(0);
      expect(await count('local_comments')).toBe(0);
      expect(queued).toEqual([]);
    });

    it('a payload without a repository is refused 400 ASK_INVALID, nothing stored', async () => {
      const { repository: _dropped, ...payload } = commentPayload('/ask hello-s5 update_north_star', 'writer');
      const answer = await deliver(payload);
      expect([answer.status, answer.body.error?.code]).toEqual([400, 'ASK_INVALID']);
      expect(await count('asks')).toBe(0);
    });

    it('bad signatures: 401, nothing stored, the intake never runs', async () => {
      const payload = commentPayload('/ask hello-s5 update_north_star "x"', 'writer');
      const body = JSON.stringify(payload);
      const cases = [
        `sha256=${'0'.repeat(64)}`,
        await signWebhookBody('another-secret-0123456789', body),
        await signWebhookBody(SECRET, `${body} `),
        (await signWebhookBody(SECRET, body)).replace('sha256=', 'sha1='),
        (await signWebhookBody(SECRET, body)).toUpperCase(),
        '',
      ];
      for (const signature of cases) {
        const answer = await deliver(body, { signature });
        expect({ signature, status: answer.status, code: answer.body.error?.code }).toEqual({ signature, status: 401, code: 'WEBHOOK_SIGNATURE_INVALID' });
      }
      expect(await count('asks')).toBe(0);
      expect(await count('local_comments')).toBe(0);
    });

    it('reader permission: refused with a reply that repeats nothing of their comment', async () => {
      for (const login of ['reader', 'triager', 'stranger']) {
        const answer = await deliver(commentPayload(`/ask ${HOSTILE}`, login));
        expect(answer.body.status).toBe('refused');
      }
      const texts = await replies();
      expect(texts).toHaveLength(3);
      for (const text of texts) {
        for (const fragment of ['@octocat', 'evil.example', '<img', '#1', '**bold**', 'reader', 'triager', 'stranger', 'tick']) expect(text).not.toContain(fragment);
        expect(text).toMatch(/write access/);
      }
      const rows = await db.sql.query<{ error_code: string }>('SELECT error_code FROM gitops.asks');
      expect(rows.rows.map((r) => r.error_code)).toEqual(['ASK_FORBIDDEN', 'ASK_FORBIDDEN', 'ASK_FORBIDDEN']);
    });

    it('writer with hostile text: any echo is inside a code span, with no line breaks; nothing renders', async () => {
      const bodies = [
        `/ask ${HOSTILE}`,
        '/ask hello-s5 "unterminated @octocat https://evil.example',
        '/ask @octocat/evil do_it',
        '/ask hello-s5 <script>alert(1)</script>',
        '/ask hello-s5 `` ` @octocat `` [x](https://evil.example)',
        '/ask nope-cell update_north_star',
        '/ask hello-s5 \u202eevil\u202c_action',
      ];
      for (const body of bodies) {
        const answer = await deliver(commentPayload(body, 'writer'));
        expect({ body, status: answer.body.status }).toEqual({ body, status: 'refused' });
      }
      const texts = await replies();
      expect(texts).toHaveLength(bodies.length);
      for (const text of texts) {
        const rendered = outsideCodeSpans(text);
        expect({ text, leaks: rendered.match(/@\w|https?:|<[a-z!/]|\]\(|\*\*|#\d|[\u202a-\u202e]/gi) }).toEqual({ text, leaks: null });
        expect(text).not.toMatch(/\n/);
      }
    });

    it('a NUL or control characters in a comment are refused or ignored, never a 500', async () => {
      for (const login of ['writer', 'reader']) {
        const answer = await deliver(commentPayload('/ask hello-s5 update_north_star "a\u0000b"', login));
        expect({ login, status: answer.status, result: answer.body.status }).toEqual({ login, status: 202, result: 'refused' });
      }
    });

    it('codeSpan: backtick runs, line breaks, bidi controls and length cannot escape the span', () => {
      for (const text of ['`', '``', 'a`b', '` @x `', '```\n# title', 'x\n\n@team', '\u202e@x', 'y'.repeat(500), '']) {
        const span = codeSpan(text);
        expect(span).not.toMatch(/[\n\r\u202a-\u202e]/);
        expect(outsideCodeSpans(span)).toBe('⟨code⟩');
        expect(span.length).toBeLessThan(140);
      }
    });
  });
});
