import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadConfig, silentLogger, type Config } from '@agentlane/core';
import {
  auditTrail,
  createAskService,
  git,
  signWebhookBody,
} from '@agentlane/gitops';
import { indexRepository } from '@agentlane/kg';
import { createServer } from '@agentlane/server';
import { openStore, type Sql } from '@agentlane/store';
import { migrateKg } from '@agentlane/kg';
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

/** The embedded defaults, whatever the environment says: PGlite, inline queue, local forge, replay LLM. */
export function demoConfig(forge: string): Config {
  return loadConfig({
    LOG_LEVEL: 'silent',
    AGENTLANE_FORGE: 'local',
    AGENTLANE_FORGE_REPO: forge,
    // The repository whose /ask deliveries the webhook takes.
    GITHUB_REPOSITORY: DEMO_REPO,
    // Who may /ask on the local forge: the demo's asker, with write permission.
    AGENTLANE_LOCAL_PERMISSIONS: `${DEMO_ACTOR}=write`,
    LLM_PROVIDER: 'replay',
    LLM_MODEL: DEMO_MODEL,
    LLM_CASSETTE_DIR: DEMO_CASSETTES,
    KG_WORKERS: '2',
  });
}

/** The issue_comment delivery GitHub would send for DEMO_ASK. */
function commentPayload(): Record<string, unknown> {
  return {
    action: 'created',
    issue: { number: DEMO_ISSUE, title: 'Persist the lane summary' },
    comment: { id: 1, body: `Nightly lane is green.\n${DEMO_ASK}`, user: { login: DEMO_ACTOR, type: 'User' } },
    repository: { full_name: DEMO_REPO },
    sender: { login: DEMO_ACTOR, type: 'User' },
  };
}

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
  const config = demoConfig(forge);
  const sql: Sql = await openStore({ config, repoRoot: checkout });
  let service: Awaited<ReturnType<typeof createAskService>> | undefined;
  let server: Awaited<ReturnType<typeof createServer>> | undefined;
  try {
    await migrateKg(sql);
    const index = await indexRepository(sql, { repoRoot: checkout, workers: config.kg.workers });
    step({ step: 'knowledge graph', detail: `${index.objects} objects, ${index.relations} relations indexed into PGlite`, record: `agentlane kg stats --repo ${checkout}` });

    const secret = randomBytes(24).toString('hex');
    service = await createAskService({
      sql,
      config,
      repoRoot: checkout,
      logger: silentLogger,
    });
    const ask = service;
    server = await createServer({ sql, repoRoot: checkout, webhooks: { secret, onIssueComment: (id, payload) => ask.intake(id, payload) } });
    await server.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    step({ step: 'server', detail: `agentlane server on ${url} (local forge, replay LLM, inline queue)`, record: `${url}/webhooks/github` });

    const body = JSON.stringify(commentPayload());
    const response = await fetch(`${url}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'issue_comment', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': await signWebhookBody(secret, body) },
      body,
    });
    const accepted = (await response.json()) as { status?: string; askId?: string; error?: { message: string } };
    step({ step: 'signed /ask', detail: `${DEMO_ASK} by @${DEMO_ACTOR} → HTTP ${response.status} ${accepted.status ?? accepted.error?.message ?? ''}`, record: accepted.askId ? `ask ${accepted.askId}` : undefined });
    await service.queue.drain();

    const [record] = accepted.askId ? await auditTrail(sql, { askId: accepted.askId }) : [];
    if (record) {
      step({ step: 'workflow', detail: `engine_v2 job ${record.job_id}: ${record.run_status} (gather → answer → publish)`, record: `agentlane engine status ${record.job_id} --repo ${checkout}` });
      step({ step: 'u_contract', detail: `verdict ${record.verdict ?? '-'} under persist-report (policy read from main)` });
      step({ step: 'pull request', detail: record.pr_url ?? 'none', record: `git -C ${forge} log --oneline main` });
      step({ step: 'checks', detail: record.checks ?? 'none' });
      step({ step: 'merge', detail: record.merged_sha ? `squash-merged as ${record.merged_sha.slice(0, 7)} (auto: persist-report, PR-Lite green)` : `not merged (${record.status})` });
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
      status: record?.status ?? accepted.status ?? 'failed',
      steps,
    };
  } finally {
    await server?.close();
    await service?.close();
    await sql.close();
  }
}
