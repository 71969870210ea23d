import fs from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { AgentlaneError } from '@agentlane/core';
import {
  PRLITE_SUMMARY,
  aggregatePrLite,
  auditTrail,
  checkPullRequest,
  collectPrLiteInputs,
  createAskService,
  migrateGitops,
  pullRequestSubject,
  readPrLiteInputs,
  type PolicyDecision,
} from '@agentlane/gitops';
import { openContext } from '../context.js';
import { printJson, table, writeJsonReport } from '../output.js';
import { repoOption } from '../options.js';

interface RefOptions {
  repo: string;
  base: string;
  head: string;
  headRef?: string;
  category?: string;
  json?: boolean;
}

async function policyVerdict(opts: RefOptions): Promise<PolicyDecision & { policyRef: string; files: number }> {
  const repoRoot = path.resolve(opts.repo);
  const subject = await pullRequestSubject(repoRoot, opts.base, opts.headRef ?? opts.head, opts.category);
  return checkPullRequest({ repoRoot, base: opts.base, head: opts.head, category: subject.category, actor: subject.actor, ...(subject.cell ? { cell: subject.cell } : {}) });
}

/** `agentlane policy check`: the u_contract verdict on a branch's diff, by the base's policy. */
export function policyCommand(): Command {
  const policy = new Command('policy').description('u_contract policies');
  policy
    .command('check')
    .description('judge the diff base...head by the policy committed on base (exit 1 on deny)')
    .addOption(repoOption())
    .requiredOption('--base <ref>', 'base branch or ref (its cells/u_contract.yaml is the policy)')
    .requiredOption('--head <ref>', 'head ref or SHA')
    .option('--head-ref <name>', 'head branch name: agentlane/<cell>/… is an agent change of that cell')
    .option('--category <name>', 'category for a human change', 'code-change')
    .option('--json', 'print the decision as JSON')
    .action(async (opts: RefOptions) => {
      const decision = await policyVerdict(opts);
      if (opts.json) printJson(decision);
      else {
        process.stdout.write(`u_contract ${decision.category}: ${decision.verdict} (${decision.files} files, ${decision.changedLines} lines; policy ${decision.policyRef})\n`);
        for (const reason of decision.reasons) process.stdout.write(`  - ${reason}\n`);
      }
      if (decision.verdict === 'deny') throw new AgentlaneError('POLICY_DENIED', `u_contract denies the change: ${decision.reasons.join('; ')}`);
    });
  return policy;
}

/** `agentlane prlite collect` and `agentlane gate prlite`. */
export function prliteCommand(): Command {
  const prlite = new Command('prlite').description('PR-Lite inputs');
  prlite
    .command('collect')
    .description('run the smoke, quality-light and monitoring checks and write smoke-output.json, monitoring-report.json, reports/quality/light-summary.json')
    .addOption(repoOption())
    .option('--out-dir <dir>', 'where to write (default: the repository)')
    .option('--json', 'print what was collected as JSON')
    .action(async (opts: { repo: string; outDir?: string; json?: boolean }) => {
      const ctx = await openContext(opts.repo);
      try {
        const collected = await collectPrLiteInputs({ repoRoot: ctx.repoRoot, sql: ctx.sql, config: ctx.config, ...(opts.outDir ? { outDir: opts.outDir } : {}) });
        if (opts.json) printJson(collected);
        else {
          const rows = [...collected.smoke.checks.map((c) => ['smoke', c.name, c.ok ? 'ok' : 'FAIL', c.detail ?? '']), ...collected.quality.checks.map((c) => ['quality', c.name, c.ok ? 'ok' : 'FAIL', c.detail ?? '']), ...collected.monitoring.health.map((h) => ['health', h.name, h.ok ? 'ok' : 'FAIL', h.detail ?? ''])];
          process.stdout.write(`${table(rows)}\n${collected.monitoring.routing.ranked.length} ranked LLM candidates; wrote ${collected.files.map((f) => path.relative(process.cwd(), f)).join(', ')}\n`);
        }
      } finally {
        await ctx.close();
      }
    });
  return prlite;
}

export function gateCommand(): Command {
  const gate = new Command('gate').description('merge gates');
  gate
    .command('prlite')
    .description(`aggregate the PR-Lite inputs (and the u_contract verdict with --base/--head) into ${PRLITE_SUMMARY}; exit 1 on a failed gate`)
    .addOption(repoOption())
    .option('--base <ref>', 'base ref: adds the u_contract gate on base...head')
    .option('--head <ref>', 'head ref or SHA (with --base)')
    .option('--head-ref <name>', 'head branch name (agentlane/<cell>/… is an agent change)')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: { repo: string; base?: string; head?: string; headRef?: string; json?: boolean }) => {
      const repoRoot = path.resolve(opts.repo);
      const ctx = await openContext(opts.repo);
      const thresholds = ctx.config.gitops.prLite;
      await ctx.close();
      if ((opts.base === undefined) !== (opts.head === undefined)) throw new AgentlaneError('CLI_USAGE', '--base and --head go together');
      const policy = opts.base && opts.head ? await policyVerdict({ repo: opts.repo, base: opts.base, head: opts.head, ...(opts.headRef ? { headRef: opts.headRef } : {}) }) : undefined;
      const summary = aggregatePrLite({ ...(await readPrLiteInputs(repoRoot)), ...(policy ? { policy } : {}) }, thresholds);
      const file = writeJsonReport(repoRoot, PRLITE_SUMMARY, summary);
      if (opts.json) printJson(summary);
      else process.stdout.write(`${table(summary.gates.map((g) => [g.pass ? 'pass' : 'FAIL', g.name, g.detail]))}\nPR-Lite ${summary.pass ? 'passed' : 'failed'} (${path.relative(process.cwd(), file)})\n`);
      if (!summary.pass) throw new AgentlaneError('PRLITE_GATE_FAILED', `PR-Lite failed: ${summary.gates.filter((g) => !g.pass).map((g) => g.name).join(', ')}`);
    });
  return gate;
}

/** `agentlane ask event FILE`: run one issue_comment event (GitHub Actions' $GITHUB_EVENT_PATH) to its end. */
export function askCommand(): Command {
  const ask = new Command('ask').description('/ask on issue comments');
  ask
    .command('event <file>')
    .description('take an issue_comment event payload (e.g. $GITHUB_EVENT_PATH) and run its /ask to the end')
    .addOption(repoOption())
    .option('--delivery <id>', 'delivery id (idempotency key)', process.env.GITHUB_RUN_ID ? `actions-${process.env.GITHUB_RUN_ID}-${process.env.GITHUB_RUN_ATTEMPT ?? '1'}` : undefined)
    .option('--json', 'print the result as JSON')
    .action(async (file: string, opts: { repo: string; delivery?: string; json?: boolean }) => {
      const payload = JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
      const ctx = await openContext(opts.repo);
      const service = await createAskService({ sql: ctx.sql, config: ctx.config, repoRoot: ctx.repoRoot, logger: ctx.logger });
      try {
        const delivery = opts.delivery ?? `cli-${Date.now()}`;
        const intake = await service.intake(delivery, payload);
        await service.queue.drain();
        const [record] = 'askId' in intake ? await auditTrail(ctx.sql, { askId: intake.askId }) : [];
        if (opts.json) printJson({ ...intake, record: record ?? null });
        else process.stdout.write(`${intake.status}${'askId' in intake ? ` ask ${intake.askId}` : ''}${record ? `: ${record.status}${record.pr_url ? ` ${record.pr_url}` : ''}` : ''}\n`);
      } finally {
        await service.close();
        await ctx.close();
      }
    });
  ask
    .command('audit')
    .description('the audit trail of agent changes: ask, actor, workflow run, verdict, checks, merge')
    .addOption(repoOption())
    .option('--json', 'print as JSON')
    .action(async (opts: { repo: string; json?: boolean }) => {
      const ctx = await openContext(opts.repo);
      try {
        await migrateGitops(ctx.sql);
        const rows = await auditTrail(ctx.sql);
        if (opts.json) printJson(rows);
        else process.stdout.write(`${table([['ask', 'actor', 'cell/action', 'status', 'run', 'verdict', 'pr', 'checks', 'merged'], ...rows.map((r) => [String(r.ask).slice(0, 8), String(r.actor), `${r.cell}/${r.action}`, String(r.status), String(r.run_status ?? '-'), String(r.verdict ?? '-'), String(r.pr_url ?? '-'), String(r.checks ?? '-'), String(r.merged_sha ?? '-').slice(0, 7)])])}\n`);
      } finally {
        await ctx.close();
      }
    });
  return ask;
}
