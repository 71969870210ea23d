/**
 * /ask end to end through `agentlane serve` as a child process, wired by nothing but
 * its environment (PGlite, inline queue, local forge, replay LLM with the demo's
 * cassettes, AGENTLANE_LOCAL_PERMISSIONS): a signed /ask from a configured writer is
 * merged with no other actor; a reader and a stranger are refused. The test talks to
 * the server only over HTTP and reads the forge only with git.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commentPayload, createSampleRepos, deliverComment, demoEnv, waitForAsk } from '../src/demo/run.js';
import { runAgentlane, startServe, type ServeProcess } from '../src/demo/processes.js';
import { DEMO_ACTOR, DEMO_ASK } from '../src/demo/sample.js';
import { gitIn } from '../../../test/support/git-repo.js';
import { CLI } from './support/cli.js';

describe('agentlane serve: /ask on the local forge, from events only', { timeout: 600_000 }, () => {
  let dir: string;
  let forge: string;
  let server: ServeProcess | undefined;
  const secret = randomBytes(24).toString('hex');

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-serve-ask-'));
    const repos = await createSampleRepos(dir);
    forge = repos.forge;
    const env = { ...demoEnv(forge, secret), AGENTLANE_LOCAL_PERMISSIONS: `${DEMO_ACTOR}=write,reader=read` };
    // The demo's cassette is keyed on a context with the KG indexed.
    await runAgentlane(['kg', 'index', repos.checkout, '--json'], env, CLI);
    server = await startServe(repos.checkout, env, { cli: CLI });
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a reader and a stranger, over HTTP, and records the refusals', async () => {
    for (const [login, id] of [['reader', 101], ['stranger', 102]] as const) {
      const answer = await deliverComment(server!.url, secret, commentPayload(DEMO_ASK, login, id));
      expect(answer).toMatchObject({ status: 202, body: { status: 'refused' } });
      const ask = await waitForAsk(server!.url, answer.body.askId as string);
      expect(ask).toMatchObject({ actor: login, status: 'refused', pr_url: null });
    }
  });

  it('merges a configured writer\'s signed /ask with no other actor: PR-Lite on the head, decided at merge time', async () => {
    const before = gitIn(forge, 'rev-parse', 'main');
    const answer = await deliverComment(server!.url, secret, commentPayload(`Please:\n${DEMO_ASK}`, DEMO_ACTOR, 1));
    expect(answer).toMatchObject({ status: 202, body: { status: 'queued' } });
    const ask = await waitForAsk(server!.url, answer.body.askId as string);
    expect(ask, JSON.stringify(ask)).toMatchObject({ status: 'merged', run_status: 'succeeded', verdict: 'allow', pr_status: 'merged', checks: 'pr-lite=success, u_contract=success', merge_outcome: 'pass', merge_action: 'merged' });
    expect(gitIn(forge, 'rev-parse', 'main')).toBe(ask.merged_sha);
    expect(gitIn(forge, 'rev-parse', `${ask.merged_sha}^`)).toBe(before);
    expect(gitIn(forge, 'show', `main:reports/lane/summary.md`)).toContain('# Lane summary');
    // PR-Lite's worktree is gone.
    expect(gitIn(forge, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    const missing = await fetch(`${server!.url}/api/asks/00000000-0000-4000-8000-000000000000`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('ASK_NOT_FOUND');
  });
});
