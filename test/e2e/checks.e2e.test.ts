/**
 * Merge on green, from events, on GitHub: the PR an /ask opens waits while its
 * required check (PR-Lite, run by Actions) is queued; signed `check_run` deliveries
 * (payloads from @octokit/webhooks-examples) make agentlane decide again from what the
 * forge says: green → merged, red → closed with the reasons, neutral → waits, never merged.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { Webhooks } from '@octokit/webhooks';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@agentlane/core';
import { GitHubForge, askContext, askLlmRequest, createAskService, parseAsk, type AskService } from '@agentlane/gitops';
import { createReplayProvider, writeCassette } from '@agentlane/llm';
import { createServer } from '@agentlane/server';
import { createTestDatabase, testBackends, type TestDatabase } from '../support/backends.js';
import { FakeGitHub } from '../support/github-fake.js';
import { cellRepoFiles, writeRepo } from '../support/repo.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonObject = Record<string, any>;
const examples = require('@octokit/webhooks-examples') as Array<{ name: string; examples: JsonObject[] }>;
const SECRET = 'a-webhook-secret-of-some-length';
const MODEL = 'claude-sonnet-5-5';

const repoFiles = () => cellRepoFiles();

const example = (name: string, action: string) => structuredClone(examples.find((e) => e.name === name)?.examples.find((e) => e.action === action)) as JsonObject;

describe.each(testBackends().slice(-1))('merge on green from check events, GitHub forge (%s)', (backend) => {
  let db: TestDatabase;
  let github: FakeGitHub;
  let service: AskService;
  let server: FastifyInstance;
  let url: string;
  let cassettes: string;
  let checkout: string;
  let comments = 0;
  const webhooks = new Webhooks({ secret: SECRET });

  const deliver = async (event: string, payload: JsonObject) => {
    const body = JSON.stringify(payload);
    const response = await fetch(`${url}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': crypto.randomUUID(), 'x-hub-signature-256': await webhooks.sign(body) },
      body,
    });
    return { status: response.status, body: (await response.json()) as JsonObject };
  };
  const repository = () => ({ ...example('check_run', 'completed').repository, full_name: github.repo });

  /** An /ask that opens a report PR; the PR (its pr-lite check queued, as Actions has not run yet). */
  const openPr = async (name: string) => {
    const line = `/ask persist-report persist_report ${name}`;
    const command = parseAsk(line);
    const context = await askContext({ sql: db.sql, forge: service.forge, llm: createReplayProvider({ dir: cassettes }), repoRoot: checkout, baseBranch: 'main' }, { cell: command.cell, actor: 'writer', command });
    const answer = { version: 1, summary: `Persist ${name}.`, plan: ['Write it'], edits: [{ path: `reports/${name}.md`, content: `# ${name}\n` }], evidence_refs: [] };
    await writeCassette(cassettes, askLlmRequest(context), { text: JSON.stringify(answer), usage: { inputTokens: 1, outputTokens: 1 } }, { defaultModel: MODEL });
    const comment = example('issue_comment', 'created');
    comment.comment = { ...comment.comment, id: 7_000_000 + ++comments, body: line, user: { ...comment.comment.user, login: 'writer', type: 'User' } };
    comment.sender = { ...comment.sender, login: 'writer', type: 'User' };
    comment.repository = { ...comment.repository, full_name: github.repo };
    expect((await deliver('issue_comment', comment)).body.status).toBe('queued');
    await service.queue.drain();
    return github.pulls.at(-1)!;
  };
  /** What Actions does: complete the PR-Lite run on the head, then GitHub sends check_run.completed. */
  const finishCheck = async (headSha: string, conclusion: string) => {
    const run = github.checkRuns.find((r) => r.headSha === headSha && r.name === 'pr-lite')!;
    Object.assign(run, { status: 'completed', conclusion });
    const payload = example('check_run', 'completed');
    payload.check_run = { ...payload.check_run, head_sha: headSha, name: 'pr-lite', conclusion };
    payload.repository = repository();
    return deliver('check_run', payload);
  };

  beforeAll(async () => {
    db = await createTestDatabase(backend);
    github = await new FakeGitHub('octo-org/agentlane-demo', repoFiles()).start();
    github.permissions.set('writer', 'write');
    checkout = writeRepo(repoFiles());
    cassettes = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-cassettes-'));
    const forge = await GitHubForge.create({ repo: github.repo, auth: { kind: 'token', token: 'ghs_testtoken0123456789abcdef' }, apiUrl: github.server.url, writeSpacingMs: 0, notificationSpacingMs: 0 });
    // No PR-Lite runner: on GitHub, Actions runs it.
    service = await createAskService({ sql: db.sql, config: loadConfig({ LLM_MODEL: MODEL, GITHUB_REPOSITORY: github.repo }), repoRoot: checkout, forge, llm: createReplayProvider({ dir: cassettes, defaultModel: MODEL }) });
    server = await createServer({ sql: db.sql, repoRoot: checkout, webhooks: { secret: SECRET, onIssueComment: (id, p) => service.intake(id, p), onCheckEvent: service.takeCheckEvent } });
    await server.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await server?.close();
    await service?.close();
    expect(github.server.violations).toEqual([]);
    await github?.close();
    await db?.dispose();
  });

  it('waits while PR-Lite is queued, then merges when a check_run says it is green', async () => {
    const pr = await openPr('green');
    expect(pr.merged).toBe(false);
    expect(github.comments.at(-1)?.body).toContain('It merges itself once its required checks are green on this head.');
    const answer = await finishCheck(pr.headSha, 'success');
    expect(answer).toMatchObject({ status: 202, body: { status: 'decided', decisions: [{ outcome: 'pass', action: 'merged' }] } });
    expect(pr.merged).toBe(true);
    expect(github.filesAt('main').get('reports/green.md')).toBe('# green\n');
    // The ask had finished with its PR open; its record follows the merge.
    const { rows } = await db.sql.query<{ status: string }>('SELECT status FROM gitops.asks ORDER BY created_at');
    expect(rows).toEqual([{ status: 'merged' }]);
  });

  it('closes the PR with the reasons when PR-Lite fails, and waits (never merges) when it is neutral', async () => {
    const red = await openPr('red');
    expect((await finishCheck(red.headSha, 'failure')).body).toMatchObject({ decisions: [{ outcome: 'fail', action: 'closed', reasons: ['required check pr-lite failed'] }] });
    expect(red).toMatchObject({ state: 'closed', merged: false });
    expect(github.comments.at(-1)?.body).toContain('Closed without merging');

    const grey = await openPr('grey');
    expect((await finishCheck(grey.headSha, 'neutral')).body).toMatchObject({ decisions: [{ outcome: 'inconclusive', action: 'wait' }] });
    expect(grey).toMatchObject({ state: 'open', merged: false });
    expect(github.comments.at(-1)?.body).toContain('Paused, not merged');
  });

  it('ignores events that cannot change a decision, and refuses another repository', async () => {
    const created = example('check_run', 'created');
    created.repository = repository();
    expect((await deliver('check_run', created)).body).toEqual({ status: 'ignored', reason: 'check_run created' });
    const other = example('check_run', 'completed');
    expect((await deliver('check_run', other)).body.error?.code).toBe('WEBHOOK_REPOSITORY_MISMATCH');
  });
});
