import { coerceError } from '@agentlane/core';
import type { Sql } from '@agentlane/store';
import { codeSpan, inertMarkdown } from '../ask/replies.js';
import type { Cell } from '../cells/schema.js';
import type { Forge } from '../forge/port.js';
import { acquirePathLocks, releasePathLocks } from '../locks.js';
import { decideMerge } from './merge.js';
import { evaluate, type PolicyDecision } from '../policy/evaluate.js';
import type { Policy } from '../policy/schema.js';
import type { PrLiteSummary } from '../prlite/aggregate.js';
import type { PrLiteRunner } from '../prlite/head.js';
import type { ProposedChange } from './apply.js';
import type { LlmResponseV1 } from './contract.js';

/** A problem a lane validator found in the proposed files (import, dangerous symbol, banned pattern). */
export interface ContentFinding {
  validator: string;
  path: string;
  line?: number;
  detail: string;
}

export interface AskRecord {
  id: string;
  repo: string;
  issue_number: number;
  actor: string;
  cell: string;
  action: string;
  plan_only: boolean;
  command: { line: string };
}

export interface PublishDeps {
  sql: Sql;
  forge: Forge;
  baseBranch: string;
  /** Where the policy came from (recorded with every decision), e.g. `main:cells/u_contract.yaml`. */
  policyRef: string;
  /** The lane's content validators over the proposed files; nothing is pushed when they find anything. */
  validateContent?: (edits: ProposedChange['edits']) => Promise<ContentFinding[]>;
  /** PR-Lite on the pull request's head (the local aggregation); absent: the check stays queued for CI. */
  runPrLite?: PrLiteRunner;
}

export type PublishOutcome =
  | { status: 'answered'; replyUrl: string }
  | { status: 'denied'; replyUrl: string; decision: PolicyDecision | null; findings: ContentFinding[] }
  | { status: 'pr_opened' | 'merged'; replyUrl: string; pr: { number: number; url: string; headSha: string }; decision: PolicyDecision; prLite: PrLiteSummary | null; mergedSha: string | null };

const AGENT = { login: 'agentlane[bot]', kind: 'agent' as const };

function planText(answer: LlmResponseV1): string {
  return answer.plan.map((step, i) => `${i + 1}. ${inertMarkdown(step)}`).join('\n');
}

async function recordDecision(sql: Sql, askId: string, changeRequestId: string | null, policyRef: string, decision: PolicyDecision): Promise<void> {
  await sql.query(
    `INSERT INTO gitops.policy_decisions (change_request_id, ask_id, stage, policy_ref, verdict, category, reasons) VALUES ($1, $2, 'pre_push', $3, $4, $5, $6::jsonb)`,
    [changeRequestId, askId, policyRef, decision.verdict, decision.category, JSON.stringify(decision.reasons)],
  );
}

function prBody(ask: AskRecord, cell: Cell, answer: LlmResponseV1, decision: PolicyDecision, evidence: readonly string[]): string {
  return [
    `Asked by @${ask.actor} on #${ask.issue_number}: ${codeSpan(ask.command.line)}`,
    '',
    `**Cell** \`${cell.key}\` (${cell.role}) · **u_contract** \`${decision.category}\`: **${decision.verdict}** (merge: ${decision.merge ?? 'n/a'})`,
    ...decision.reasons.map((r) => `- ${r}`),
    '',
    '### Summary',
    inertMarkdown(answer.summary),
    '',
    '### Plan',
    planText(answer),
    '',
    '### Checks',
    ...(decision.requiredChecks.length ? decision.requiredChecks.map((c) => `- [ ] ${c}`) : ['- none required']),
    '',
    '### Evidence and KG context used',
    ...(evidence.length ? evidence.map((e) => `- \`${e}\``) : ['- none']),
    '',
    `<sub>agentlane ask ${ask.id}</sub>`,
  ].join('\n');
}

/**
 * The end of an `/ask`: a plan-only answer becomes a comment; a change is judged by
 * the u_contract policy and the lane's content validators **before** anything is
 * pushed, then goes out as one commit on a new branch, a pull request with the
 * verdict, checks and evidence, a `u_contract` check run and a `pr-lite` check run,
 * and a reply on the issue. A green `auto` change is squash-merged.
 */
export async function publishAnswer(
  deps: PublishDeps,
  ask: AskRecord,
  cell: Cell,
  policy: Policy,
  answer: LlmResponseV1,
  change: ProposedChange,
): Promise<PublishOutcome> {
  const { sql, forge } = deps;
  if (ask.plan_only || change.edits.length === 0) {
    const reply = await forge.comment(
      ask.issue_number,
      `**${cell.key}** · \`${ask.action}\`${ask.plan_only ? ' (plan only)' : ''}\n\n${inertMarkdown(answer.summary)}\n\n${planText(answer)}${change.edits.length === 0 && !ask.plan_only ? '\n\nNo change was needed.' : ''}`,
    );
    return { status: 'answered', replyUrl: reply.url };
  }

  const decision = evaluate(policy, { category: cell.category, cell: cell.key, files: change.files }, AGENT);
  const findings = decision.verdict === 'deny' ? [] : ((await deps.validateContent?.(change.edits)) ?? []);
  if (decision.verdict === 'deny' || findings.length > 0) {
    await recordDecision(sql, ask.id, null, deps.policyRef, decision);
    const why = [...(decision.verdict === 'deny' ? decision.reasons : []), ...findings.map((f) => `${f.validator}: ${f.path}${f.line ? `:${f.line}` : ''} ${inertMarkdown(f.detail)}`)];
    const reply = await forge.comment(ask.issue_number, `**${cell.key}** · \`${ask.action}\`: the proposed change was stopped before anything was pushed.\n\n${why.map((w) => `- ${w}`).join('\n')}`);
    return { status: 'denied', replyUrl: reply.url, decision: decision.verdict === 'deny' ? decision : null, findings };
  }

  const branch = `agentlane/${cell.key}/${ask.id.slice(0, 8)}`;
  const { rows } = await sql.query<{ id: string }>(
    `INSERT INTO gitops.change_requests (ask_id, forge, repo, base, branch, category, files) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) RETURNING id`,
    [ask.id, forge.kind, forge.repo, deps.baseBranch, branch, decision.category, JSON.stringify(change.files)],
  );
  const changeRequestId = rows[0]?.id as string;
  await recordDecision(sql, ask.id, changeRequestId, deps.policyRef, decision);
  try {
    await acquirePathLocks(sql, forge.repo, change.files.map((f) => f.path), changeRequestId);
    const title = `${cell.key}: ${answer.summary.split(/(?<=\.)\s/)[0]?.slice(0, 100) ?? ask.action}`;
    // The base the change is cut from: the merge decision compares a moved base against it.
    const baseSha = await forge.branchSha(deps.baseBranch);
    await sql.query('UPDATE gitops.change_requests SET base_sha = $2, title = $3 WHERE id = $1', [changeRequestId, baseSha, title]);
    const commit = await forge.commitToNewBranch({ base: deps.baseBranch, branch, message: `${title}\n\nAsked by @${ask.actor} on #${ask.issue_number}.\nagentlane-ask: ${ask.id}\n`, edits: change.edits });
    const pr = await forge.openPullRequest({
      head: branch,
      base: deps.baseBranch,
      title,
      body: prBody(ask, cell, answer, decision, answer.evidence_refs),
      labels: ['agentlane', `cell:${cell.key}`, `u_contract:${decision.category}`],
    });
    await sql.query(`UPDATE gitops.change_requests SET head_sha = $2, pr_number = $3, pr_url = $4, updated_at = now() WHERE id = $1`, [changeRequestId, commit.sha, pr.number, pr.url]);

    const contractRun = await forge.createCheckRun({
      headSha: commit.sha,
      name: 'u_contract',
      status: 'completed',
      conclusion: decision.verdict === 'allow' ? 'success' : 'neutral',
      title: `u_contract ${decision.category}: ${decision.verdict}`,
      summary: decision.reasons.join('\n'),
    });
    await recordCheck(sql, changeRequestId, 'u_contract', commit.sha, contractRun.id, 'completed', decision.verdict === 'allow' ? 'success' : 'neutral', decision.reasons.join('\n'));
    const prLiteRun = await forge.createCheckRun({ headSha: commit.sha, name: 'pr-lite', status: deps.runPrLite ? 'in_progress' : 'queued', title: 'PR-Lite', summary: 'waiting for the PR-Lite gate' });
    let prLite: PrLiteSummary | null = null;
    if (deps.runPrLite) {
      let conclusion: 'success' | 'failure' | 'cancelled';
      let summary: string;
      try {
        prLite = await deps.runPrLite({ headSha: commit.sha, decision });
        conclusion = prLite.pass ? 'success' : 'failure';
        summary = prLite.gates.map((g) => `${g.pass ? '✔' : '✘'} ${g.name}: ${g.detail}`).join('\n');
      } catch (error) {
        // The runner broke (not the change): no verdict, so the merge decision waits and says so.
        conclusion = 'cancelled';
        summary = `PR-Lite could not run: ${coerceError(error).message}`;
      }
      await forge.updateCheckRun(prLiteRun.id, { status: 'completed', conclusion, title: `PR-Lite ${conclusion === 'success' ? 'passed' : conclusion === 'failure' ? 'failed' : 'did not run'}`, summary });
      await recordCheck(sql, changeRequestId, 'pr-lite', commit.sha, prLiteRun.id, 'completed', conclusion, summary);
    } else {
      await recordCheck(sql, changeRequestId, 'pr-lite', commit.sha, prLiteRun.id, 'queued', null, null);
    }

    // Merge time: the one decision (policy on the base as it is now, required checks on this SHA, locks, base).
    const merge = await decideMerge({ sql, forge }, changeRequestId);
    const mergedSha = merge?.mergedSha ?? null;
    const checks = `u_contract: ${decision.verdict}; PR-Lite: ${prLite ? (prLite.pass ? 'passed' : 'failed') : deps.runPrLite ? 'did not run' : 'queued for CI'}`;
    const next = !merge
      ? ''
      : merge.action === 'merged'
        ? `Merged (${(mergedSha ?? '').slice(0, 7)}) under \`${decision.category}\`.`
        : merge.action === 'review'
          ? 'It waits for a human review.'
          : merge.action === 'closed'
            ? `It was closed without merging: ${merge.reasons.map((r) => inertMarkdown(r)).join('; ')}.`
            : decision.merge === 'review'
              ? 'It waits for its checks, then for a human review.'
              : 'It merges itself once its required checks are green on this head.';
    const reply = await forge.comment(ask.issue_number, `**${cell.key}** · \`${ask.action}\`: opened ${pr.url}\n\n${inertMarkdown(answer.summary)}\n\n${checks}. ${next}`);
    return { status: mergedSha ? 'merged' : 'pr_opened', replyUrl: reply.url, pr: { number: pr.number, url: pr.url, headSha: commit.sha }, decision, prLite, mergedSha };
  } catch (error) {
    await sql.query(`UPDATE gitops.change_requests SET status = 'failed', updated_at = now() WHERE id = $1`, [changeRequestId]);
    await releasePathLocks(sql, changeRequestId);
    throw error;
  }
}

async function recordCheck(sql: Sql, changeRequestId: string, name: string, headSha: string, externalId: number, status: string, conclusion: string | null, summary: string | null) {
  await sql.query(
    `INSERT INTO gitops.checks (change_request_id, name, head_sha, external_id, status, conclusion, summary) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [changeRequestId, name, headSha, String(externalId), status, conclusion, summary],
  );
}
