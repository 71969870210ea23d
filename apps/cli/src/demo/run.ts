import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgentlaneError } from '@agentlane/core';
import { git, signWebhookBody, type AuditRow } from '@agentlane/gitops';
import { AGENTLANE_CLI, runAgentlane, startServe } from './processes.js';
import { DEMO_ACTOR, DEMO_ASK, DEMO_CASSETTES, DEMO_ISSUE, DEMO_MODEL, DEMO_REPO, sampleFiles } from './sample.js';

export interface DemoStep {
  step: string;
  detail: string;
  /** Where the record of this step is (a command to run, a path, a URL). */
  record?: string;
}

export interface DemoResult {
  dir: string;
  checkout: string;
  forge: string;
  askId: string | null;
  jobId: string | null;
  prUrl: string | null;
  mergedSha: string | null;
  status: string;
  steps: DemoStep[];
}

export interface DemoOptions {
  /** Where to create the sample repositories. @defaultValue a new temp directory */
  dir?: string;
  onStep?: (step: DemoStep) => void;
  /** The `agentlane` entry point the children run. @defaultValue the one next to this module */
  cli?: string;
  /** How long to wait for the ask to finish. @defaultValue 600000 */
  timeoutMs?: number;
}

const IDENTITY = { GIT_AUTHOR_NAME: 'agentlane demo', GIT_AUTHOR_EMAIL: 'demo@localhost', GIT_COMMITTER_NAME: 'agentlane demo', GIT_COMMITTER_EMAIL: 'demo@localhost' };

/** The sample repository: a checkout with one commit, and a bare clone the local forge serves. */
export async function createSampleRepos(dir: string): Promise<{ checkout: string; forge: string }> {
  const checkout = path.join(dir, 'sample-app');
  const forge = path.join(dir, 'forge', 'sample-app.git');
  fs.mkdirSync(checkout, { recursive: true });
  const files = { ...sampleFiles(), '.gitignore': '.agentlane/\n' };
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(checkout, rel)), { recursive: true });
    fs.writeFileSync(path.join(checkout, rel), content);
  }
  await git(['init', '-q', '-b', 'main'], { cwd: checkout });
  await git(['add', '-A'], { cwd: checkout });
  await git(['commit', '-q', '-m', 'sample-app'], { cwd: checkout, env: IDENTITY });
  fs.mkdirSync(path.dirname(forge), { recursive: true });
  await git(['clone', '-q', '--bare', checkout, forge], { cwd: dir });
  return { checkout, forge };
}

/**
 * The demo's configuration, as the environment `agentlane serve` (and `kg index`) run
 * under: the embedded defaults (PGlite under the checkout, the inline queue), the local
 * forge on the bare repository, the demo's asker with write permission, the replay LLM
 * with the recorded answers, and the webhook secret the demo signs its delivery with.
 */
export function demoEnv(forge: string, secret: string): Record<string, string> {
  return {
    LOG_LEVEL: 'warn',
    AGENTLANE_FORGE: 'local',
    AGENTLANE_FORGE_REPO: forge,
    // The repository whose /ask deliveries the webhook takes.
    GITHUB_REPOSITORY: DEMO_REPO,
    AGENTLANE_LOCAL_PERMISSIONS: `${DEMO_ACTOR}=write`,
    GITHUB_WEBHOOK_SECRET: secret,
    LLM_PROVIDER: 'replay',
    LLM_MODEL: DEMO_MODEL,
    LLM_CASSETTE_DIR: DEMO_CASSETTES,
    KG_WORKERS: '2',
  };
}

/** The issue_comment delivery GitHub would send for an /ask. */
export function commentPayload(body: string = `Nightly lane is green.\n${DEMO_ASK}`, login: string = DEMO_ACTOR, commentId = 1): Record<string, unknown> {
  return {
    action: 'created',
    issue: { number: DEMO_ISSUE, title: 'Persist the lane summary' },
    comment: { id: commentId, body, user: { login, type: 'User' } },
    repository: { full_name: DEMO_REPO },
    sender: { login, type: 'User' },
  };
}

/** POST a delivery to `agentlane serve`'s webhook, signed as GitHub signs it. */
export async function deliverComment(url: string, secret: string, payload: Record<string, unknown>): Promise<{ status: number; body: { status?: string; askId?: string; reason?: string; error?: { code: string; message: string } } }> {
  const body = JSON.stringify(payload);
  const response = await fetch(`${url}/webhooks/github`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'issue_comment', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': await signWebhookBody(secret, body) },
    body,
  });
  return { status: response.status, body: (await response.json()) as { status?: string; askId?: string } };
}

/** Poll `GET /api/asks/:id` until the ask has finished (not queued, not running), or the time is up. */
export async function waitForAsk(url: string, askId: string, { timeoutMs = 600_000, pollMs = 250 } = {}): Promise<AuditRow> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${url}/api/asks/${askId}`);
    if (!response.ok) throw new AgentlaneError('ASK_NOT_FOUND', `GET /api/asks/${askId} answered ${response.status}`);
    const { ask } = (await response.json()) as { ask: AuditRow };
    if (ask.status !== 'queued' && ask.status !== 'running') return ask;
    if (Date.now() > deadline) return ask;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/**
 * The README's main job, run as a user would: a sample repository, `agentlane kg index`
 * and `agentlane serve` as child processes configured only through their environment
 * (demoEnv), a signed /ask delivered over HTTP, and the outcome read back over HTTP
 * (`GET /api/asks/:id`) and from git. Nothing is injected: the ask goes through the
 * same wiring any `serve` has.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const dir = options.dir ? path.resolve(options.dir) : fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-demo-'));
  fs.mkdirSync(dir, { recursive: true });
  const steps: DemoStep[] = [];
  const step = (s: DemoStep) => {
    steps.push(s);
    options.onStep?.(s);
  };

  const { checkout, forge } = await createSampleRepos(dir);
  step({ step: 'sample repository', detail: `${Object.keys(sampleFiles()).length} files committed on main`, record: checkout });
  const secret = randomBytes(24).toString('hex');
  const env = demoEnv(forge, secret);
  const cli = options.cli ?? AGENTLANE_CLI;
  const index = JSON.parse(await runAgentlane(['kg', 'index', checkout, '--json'], env, cli)) as { objects: number; relations: number };
  step({ step: 'knowledge graph', detail: `${index.objects} objects, ${index.relations} relations indexed into PGlite (agentlane kg index)`, record: `agentlane kg stats --repo ${checkout}` });

  const server = await startServe(checkout, env, { cli });
  try {
    step({ step: 'server', detail: `agentlane serve on ${server.url} (pid ${server.child.pid}; local forge, replay LLM, inline queue)`, record: `${server.url}/webhooks/github` });
    const accepted = await deliverComment(server.url, secret, commentPayload());
    const askId = accepted.body.askId;
    step({ step: 'signed /ask', detail: `${DEMO_ASK} by @${DEMO_ACTOR} → HTTP ${accepted.status} ${accepted.body.status ?? accepted.body.error?.message ?? ''}`, record: askId ? `${server.url}/api/asks/${askId}` : undefined });

    const record = askId ? await waitForAsk(server.url, askId, options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) : undefined;
    if (record) {
      step({ step: 'workflow', detail: `engine_v2 job ${record.job_id}: ${record.run_status} (gather → answer → publish)`, record: `agentlane engine status ${record.job_id} --repo ${checkout}` });
      step({ step: 'u_contract', detail: `verdict ${record.verdict ?? '-'} under persist-report (policy read from main)` });
      step({ step: 'pull request', detail: record.pr_url ?? 'none', record: `git -C ${forge} log --oneline main` });
      step({ step: 'checks', detail: record.checks ?? 'none' });
      step({
        step: 'merge',
        detail: record.merged_sha
          ? `squash-merged as ${record.merged_sha.slice(0, 7)} (decided at merge time: ${record.merge_outcome}; auto: persist-report, PR-Lite green on the head)`
          : `not merged (${record.status}${record.merge_outcome ? `; ${record.merge_outcome}: ${(record.merge_reasons ?? []).join('; ')}` : ''})`,
      });
      const merged = record.merged_sha ? await git(['show', `${record.merged_sha}:reports/lane/summary.md`], { cwd: forge }).then((r) => r.stdout.split('\n')[0]) : null;
      if (merged) step({ step: 'result', detail: `main now has reports/lane/summary.md ("${merged}")`, record: `agentlane ask audit --repo ${checkout}` });
    }
    return {
      dir,
      checkout,
      forge,
      askId: record?.ask ?? null,
      jobId: record?.job_id ?? null,
      prUrl: record?.pr_url ?? null,
      mergedSha: record?.merged_sha ?? null,
      status: record?.status ?? accepted.body.status ?? 'failed',
      steps,
    };
  } finally {
    await server.stop();
  }
}
