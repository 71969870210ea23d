/**
 * /ask end to end: a signed GitHub `issue_comment` delivery (payload from
 * @octokit/webhooks-examples) to the real HTTP server on loopback, the ask queue,
 * the engine_v2 workflow, the LLM answered from a cassette, the u_contract policy,
 * and the GitHub forge talking to a loopback GitHub that checks every request
 * against GitHub's OpenAPI description.
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
import {
  GitHubForge,
  aggregatePrLite,
  askContext,
  askLlmRequest,
  createAskService,
  parseAsk,
  type AskService,
  type LlmResponseV1,
} from '@agentlane/gitops';
import { createReplayProvider, writeCassette } from '@agentlane/llm';
import { createServer } from '@agentlane/server';
import { createTestDatabase, testBackends, type TestDatabase } from '../support/backends.js';
import { FakeGitHub } from '../support/github-fake.js';
import { cellRepoFiles, writeRepo } from '../support/repo.js';

const require = createRequire(import.meta.url);
/** Webhook payloads and JSON answers are untyped JSON here, edited field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type JsonObject = Record<string, any>;
const examples = require('@octokit/webhooks-examples') as Array<{ name: string; examples: JsonObject[] }>;
const SECRET = 'a-webhook-secret-of-some-length';
const MODEL = 'claude-sonnet-5-5';

const repoFiles = () => cellRepoFiles({ 'README.md': '# demo\n' });

let commentIds = 0;
function commentPayload(body: string, login: string, repo: string): JsonObject {
  const example = structuredClone(examples.find((e) => e.name === 'issue_comment')?.examples.find((e) => e.action === 'created')) as JsonObject;
  const [owner, name] = repo.split('/');
  // Each comment its own id: the intake takes one ask per comment, whatever the delivery.
  example.comment.id = 9_000_000 + ++commentIds;
  example.comment.body = body;
  example.comment.user = { ...example.comment.user, login, type: 'User' };
  example.sender = { ...example.sender, login, type: 'User' };
  example.repository = { ...example.repository, full_name: repo, name, owner: { ...example.repository.owner, login: owner } };
  return example;
}

describe.each(testBackends().slice(0, 1))('/ask end to end (%s)', (backend) => {
  let db: TestDatabase;
  let github: FakeGitHub;
  let service: AskService;
  let server: FastifyInstance;
  let url: string;
  let cassettes: string;
  let checkout: string;
  const webhooks = new Webhooks({ secret: SECRET });

  const deliver = async (body: string, { signature, event = 'issue_comment', delivery = crypto.randomUUID() }: { signature?: string; event?: string; delivery?: string } = {}) => {
    const response = await fetch(`${url}/webhooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': event,
        'x-github-delivery': delivery,
        'x-hub-signature-256': signature ?? (await webhooks.sign(body)),
      },
      body,
    });
    return { status: response.status, body: (await response.json()) as JsonObject };
  };

  /** Record the model's answer for an ask as a cassette, keyed on the exact request the loop will make. */
  const answerFor = async (line: string, actor: string, answer: LlmResponseV1, { planOnly = false } = {}) => {
    const deps = { sql: db.sql, forge: service.forge, llm: createReplayProvider({ dir: cassettes }), repoRoot: checkout, baseBranch: 'main' };
    const command = { ...parseAsk(line), ...(planOnly ? { planOnly } : {}) };
    const context = await askContext(deps, { cell: command.cell, actor, command });
    await writeCassette(cassettes, askLlmRequest(context), { text: JSON.stringify(answer), usage: { inputTokens: 1200, outputTokens: 180 } }, { defaultModel: MODEL });
  };

  beforeAll(async () => {
    db = await createTestDatabase(backend);
    github = await new FakeGitHub('octo-org/agentlane-demo', repoFiles()).start();
    github.permissions.set('writer', 'write');
    github.permissions.set('reader', 'read');
    checkout = writeRepo(repoFiles());
    cassettes = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-cassettes-'));
    const forge = await GitHubForge.create({ repo: github.repo, auth: { kind: 'token', token: 'ghs_testtoken0123456789abcdef' }, apiUrl: github.server.url, writeSpacingMs: 0, notificationSpacingMs: 0 });
    const prLiteInputs = {
      smoke: { ok: true, checks: [{ name: 'database', ok: true }] },
      monitoring: { generated_at: new Date().toISOString(), health: [{ name: 'database', ok: true, checked_at: new Date().toISOString() }], routing: { ranked: [{ provider: 'replay', model: MODEL, rank: 1 }] } },
      quality: { ran: 3, passed: 3, failed: 0, checks: [] },
    };
    service = await createAskService({
      sql: db.sql,
      config: loadConfig({ LLM_MODEL: MODEL }),
      repoRoot: checkout,
      forge,
      llm: createReplayProvider({ dir: cassettes, defaultModel: MODEL }),
      runPrLite: async ({ decision }) => aggregatePrLite({ ...prLiteInputs, policy: decision }),
    });
    server = await createServer({ sql: db.sql, repoRoot: checkout, webhooks: { secret: SECRET, onIssueComment: (id, payload) => service.intake(id, payload) } });
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

  it('a writer\'s signed /ask opens exactly one PR within its paths, with check runs on the head SHA and a reply; PR-Lite green → auto-merged', async () => {
    const line = '/ask persist-report persist_report "lane summary"';
    await answerFor(line, 'writer', {
      version: 1,
      summary: 'Persist the lane summary for 2026-11-20.',
      plan: ['Read the lane report', 'Write reports/lane/summary.md'],
      edits: [{ path: 'reports/lane/summary.md', content: '# Lane summary\n\n- 2026-11-20: 5 of 5 succeeded\n' }],
      evidence_refs: ['report:reports/lane/2026-11-20.md'],
    });
    const refsBefore = github.refs.size;
    const result = await deliver(JSON.stringify(commentPayload(`Please:\n${line}`, 'writer', github.repo)));
    expect(result).toMatchObject({ status: 202, body: { status: 'queued' } });
    await service.queue.drain();
    expect(github.pulls).toHaveLength(1);
    const pr = github.pulls[0]!;
    expect(github.refs.size).toBe(refsBefore + 1);
    const before = github.filesAt(github.commits.get(pr.headSha)!.parents[0]!);
    const after = github.filesAt(pr.headSha);
    expect([...new Set([...before.keys(), ...after.keys()])].filter((f) => before.get(f) !== after.get(f))).toEqual(['reports/lane/summary.md']);
    expect(pr.labels).toEqual(['agentlane', 'cell:persist-report', 'u_contract:persist-report']);
    expect(pr.body).toContain('Asked by @writer');
    expect(pr.body).toContain('report:reports/lane/2026-11-20.md');
    expect(github.checkRuns.map((r) => [r.name, r.headSha, r.conclusion])).toEqual([
      ['u_contract', pr.headSha, 'success'],
      ['pr-lite', pr.headSha, 'success'],
    ]);
    expect(pr.merged).toBe(true);
    const reply = github.comments.at(-1)!;
    expect(reply.body).toContain(`https://github.com/${github.repo}/pull/1`);

    // The audit trail: ask → actor → workflow run → verdict → checks → merge, in one query.
    const { rows } = await db.sql.query<JsonObject>(
      `SELECT a.actor, a.status, r.status AS run_status, d.verdict, d.policy_ref, c.pr_number, c.status AS pr_status, c.merged_sha,
              (SELECT json_agg(json_build_object('name', k.name, 'conclusion', k.conclusion) ORDER BY k.name) FROM gitops.checks k WHERE k.change_request_id = c.id) AS checks,
              (SELECT sum(t.tokens_in) FROM engine_v2.job_task_attempts t JOIN engine_v2.job_tasks jt ON jt.id = t.task_id WHERE jt.job_id = a.job_id) AS tokens_in
         FROM gitops.asks a
         JOIN engine_v2.job_runs r ON r.job_id = a.job_id
         JOIN gitops.change_requests c ON c.ask_id = a.id
         JOIN gitops.policy_decisions d ON d.change_request_id = c.id`,
    );
    expect(rows).toEqual([
      expect.objectContaining({
        actor: 'writer',
        status: 'merged',
        run_status: 'succeeded',
        verdict: 'allow',
        policy_ref: 'main:cells/u_contract.yaml',
        pr_number: 1,
        pr_status: 'merged',
        checks: [
          { name: 'pr-lite', conclusion: 'success' },
          { name: 'u_contract', conclusion: 'success' },
        ],
      }),
    ]);
    expect(Number(rows[0]?.tokens_in)).toBe(1200);
  });

  it('refuses a bad signature with 401 and records nothing', async () => {
    const before = await db.sql.query('SELECT count(*)::int AS n FROM gitops.asks');
    const body = JSON.stringify(commentPayload('/ask persist-report persist_report', 'writer', github.repo));
    const forged = await deliver(body, { signature: `sha256=${'0'.repeat(64)}` });
    expect(forged).toMatchObject({ status: 401, body: { error: { code: 'WEBHOOK_SIGNATURE_INVALID' } } });
    const tampered = await deliver(body.replace('persist_report', 'summarize'), { signature: await webhooks.sign(body) });
    expect(tampered.status).toBe(401);
    expect((await deliver(body, { signature: '' })).status).toBe(401);
    const after = await db.sql.query('SELECT count(*)::int AS n FROM gitops.asks');
    expect(after.rows).toEqual(before.rows);
  });

  it('refuses a caller without write permission politely, and queues nothing', async () => {
    const comments = github.comments.length;
    const result = await deliver(JSON.stringify(commentPayload('/ask persist-report persist_report', 'reader', github.repo)));
    expect(result).toMatchObject({ status: 202, body: { status: 'refused' } });
    await service.queue.drain();
    const { rows } = await db.sql.query<{ status: string; job_id: string | null; error_code: string }>(`SELECT status, job_id, error_code FROM gitops.asks WHERE actor = 'reader'`);
    expect(rows).toEqual([{ status: 'refused', job_id: null, error_code: 'ASK_FORBIDDEN' }]);
    expect(github.comments.length).toBe(comments + 1);
    expect(github.comments.at(-1)?.body).toMatch(/^Sorry, only people with write access/);
    expect(github.pulls).toHaveLength(1);
  });

  it('denies an answer that edits .github/ before anything is pushed', async () => {
    const line = '/ask persist-report persist_report sneaky';
    await answerFor(line, 'writer', {
      version: 1,
      summary: 'Also tweak CI.',
      plan: ['Edit the workflow'],
      edits: [
        { path: 'reports/lane/sneaky.md', content: 'x\n' },
        { path: '.github/workflows/ci.yml', content: 'on: push\n' },
      ],
      evidence_refs: [],
    });
    const refs = github.refs.size;
    const blobs = github.blobs.size;
    const result = await deliver(JSON.stringify(commentPayload(line, 'writer', github.repo)));
    expect(result.body.status).toBe('queued');
    await service.queue.drain();
    expect(github.refs.size).toBe(refs);
    expect(github.blobs.size).toBe(blobs);
    expect(github.pulls).toHaveLength(1);
    expect(github.comments.at(-1)?.body).toContain('.github/workflows/ci.yml is protected');
    const { rows } = await db.sql.query<{ status: string; verdict: string }>(
      `SELECT a.status, d.verdict FROM gitops.asks a JOIN gitops.policy_decisions d ON d.ask_id = a.id WHERE a.id = $1`,
      [result.body.askId],
    );
    expect(rows).toEqual([{ status: 'denied', verdict: 'deny' }]);
  });

  it('stops an answer the lane validators reject (a child_process import) before anything is pushed', async () => {
    const line = '/ask persist-report persist_report script';
    await answerFor(line, 'writer', {
      version: 1,
      summary: 'Add a report generator.',
      plan: ['Write the generator'],
      edits: [{ path: 'reports/gen.ts', content: "import { execSync } from 'node:child_process';\nexport const run = () => execSync('ls');\n" }],
      evidence_refs: [],
    });
    const refs = github.refs.size;
    const result = await deliver(JSON.stringify(commentPayload(line, 'writer', github.repo)));
    await service.queue.drain();
    expect(github.refs.size).toBe(refs);
    const reply = github.comments.at(-1)?.body ?? '';
    expect(reply).toContain('imports/denied_import: reports/gen.ts:1');
    const { rows } = await db.sql.query<{ status: string }>('SELECT status FROM gitops.asks WHERE id = $1', [result.body.askId]);
    expect(rows).toEqual([{ status: 'denied' }]);
  });

  it('hello-s5 update_north_star: a STATE patch and a cell edit go out as a PR that waits for review; human STATE text survives', async () => {
    const line = '/ask hello-s5 update_north_star "every ask is a reviewed PR"';
    const cellYaml = github.filesAt('main').get('cells/hello-s5/cell.yaml')!;
    await answerFor(line, 'writer', {
      version: 1,
      summary: 'Sharpen the North Star of hello-s5.',
      plan: ['Update the north-stars section of STATE', 'Update the cell definition'],
      state_patch: { 'north-stars': '- hello-s5: every /ask becomes a reviewed PR with its evidence linked.' },
      memory_patch: ['North Star sharpened on request of @writer.'],
      edits: [{ path: 'cells/hello-s5/cell.yaml', content: cellYaml.replace(/^north_star: .*$/m, 'north_star: every /ask becomes a reviewed PR with its evidence linked.') }],
      evidence_refs: ['metric:engine_success_rate'],
    });
    const pulls = github.pulls.length;
    await deliver(JSON.stringify(commentPayload(line, 'writer', github.repo)));
    await service.queue.drain();
    expect(github.pulls).toHaveLength(pulls + 1);
    const pr = github.pulls.at(-1)!;
    expect(pr.merged).toBe(false);
    // Green, and a `review` category: handed to the asker.
    expect(pr.reviewers).toEqual(['writer']);
    expect(pr.labels).toContain('u_contract:north-star');
    const state = github.filesAt(pr.headSha).get('STATE/current_state.md')!;
    const before = github.filesAt('main').get('STATE/current_state.md')!;
    expect(state).toContain('- hello-s5: every /ask becomes a reviewed PR with its evidence linked.');
    expect(state).toContain('<!-- agentlane:begin memory-hello-s5 -->\n- North Star sharpened on request of @writer.\n<!-- agentlane:end memory-hello-s5 -->');
    expect(state.startsWith(before.slice(0, before.indexOf('<!-- agentlane:begin')))).toBe(true);
    expect(github.checkRuns.filter((r) => r.headSha === pr.headSha).map((r) => [r.name, r.conclusion])).toEqual([
      ['u_contract', 'neutral'],
      ['pr-lite', 'success'],
    ]);
    expect(github.comments.at(-1)?.body).toContain('It waits for a human review.');
  });

  it('answers a plan-only ask with a comment and no PR; a redelivery changes nothing', async () => {
    const line = '/ask hello-s5 summarize';
    // `summarize` is plan-only in the cell definition, whatever the comment says.
    await answerFor(line, 'writer', { version: 1, summary: 'All cells are on track.', plan: ['Keep going'], evidence_refs: [] }, { planOnly: true });
    const delivery = crypto.randomUUID();
    const pulls = github.pulls.length;
    const body = JSON.stringify(commentPayload(line, 'writer', github.repo));
    const first = await deliver(body, { delivery });
    const again = await deliver(body, { delivery });
    expect(first.body.status).toBe('queued');
    expect(again.body).toEqual({ status: 'duplicate', askId: first.body.askId });
    await service.queue.drain();
    expect(github.pulls).toHaveLength(pulls);
    expect(github.comments.at(-1)?.body).toContain('All cells are on track.');
  });
});
