import { AgentlaneError, coerceError } from '@agentlane/core';
import type { Sql } from '@agentlane/store';
import { inertMarkdown } from '../ask/replies.js';
import type { CheckRunState, Forge } from '../forge/port.js';
import { releasePathLocks } from '../locks.js';
import { evaluate, type ChangedFile } from '../policy/evaluate.js';
import { loadPolicyOn } from '../policy/load.js';

/**
 * pass: every gate holds (merged, or sent to review); fail: a gate says no (closed,
 * with the reasons); inconclusive: a gate cannot say yet (waiting, never merged).
 */
export type MergeOutcome = 'pass' | 'fail' | 'inconclusive';
export type MergeAction = 'merged' | 'review' | 'closed' | 'wait';

export interface MergeDecision {
  changeRequestId: string;
  outcome: MergeOutcome;
  action: MergeAction;
  reasons: string[];
  headSha: string;
  policyRef: string;
  mergedSha: string | null;
}

export interface MergeDeps {
  sql: Sql;
  forge: Forge;
}

interface ChangeRow {
  id: string;
  ask_id: string | null;
  actor: string | null;
  repo: string;
  base: string;
  base_sha: string | null;
  head_sha: string | null;
  category: string;
  cell: string | null;
  pr_number: number | null;
  status: string;
  title: string | null;
}

const AGENT = { login: 'agentlane[bot]', kind: 'agent' as const };

/** The newest run of each check name (a re-run supersedes the run before it). */
function latestByName(runs: readonly CheckRunState[]): Map<string, CheckRunState> {
  const latest = new Map<string, CheckRunState>();
  for (const run of [...runs].sort((a, b) => a.id - b.id)) latest.set(run.name, run);
  return latest;
}

/** One required check on the head: green, red, or not (yet) able to say. */
function judgeCheck(name: string, run: CheckRunState | undefined): { verdict: 'green' | 'red' | 'pending' | 'unknown'; reason?: string } {
  if (!run) return { verdict: 'unknown', reason: `required check ${name} has not run on this head` };
  if (run.status !== 'completed') return { verdict: 'pending', reason: `required check ${name} is ${run.status.replace('_', ' ')}` };
  if (run.conclusion === 'success') return { verdict: 'green' };
  if (run.conclusion === 'failure') return { verdict: 'red', reason: `required check ${name} failed` };
  // cancelled, timed out, neutral, skipped, action required: nothing to merge on, nothing to close on.
  return { verdict: 'unknown', reason: `required check ${name} concluded ${run.conclusion ?? 'without a conclusion'}` };
}

const pathsOf = (files: readonly ChangedFile[]) => [...new Set(files.flatMap((f) => (f.previousPath ? [f.path, f.previousPath] : [f.path])))];

/**
 * Decide, at merge time, what becomes of an open agent pull request, on the head SHA
 * that was checked: the u_contract policy as the base branch has it *now* (a PR that
 * loosens the policy is judged by the old one), every `required_checks` entry of the
 * category green on that SHA, the per-path locks still held by this change, and the
 * base not moved onto the same paths since the change was cut. Then act: merge an
 * `auto` change, leave a `review` change to a human, close a failed one with the
 * reasons, or wait (and say why) when something cannot be decided yet. Never merges
 * on anything but a pass. Recorded in `gitops.merge_decisions`; a comment is written
 * only when the decision differs from the last one, so repeated events stay quiet.
 * Returns null when the change is no longer open.
 */
export async function decideMerge(deps: MergeDeps, changeRequestId: string): Promise<MergeDecision | null> {
  const { sql, forge } = deps;
  const { rows } = await sql.query<ChangeRow>(
    `SELECT c.id, c.ask_id, a.actor, c.repo, c.base, c.base_sha, c.head_sha, c.category, a.cell, c.pr_number, c.status, c.title
       FROM gitops.change_requests c LEFT JOIN gitops.asks a ON a.id = c.ask_id WHERE c.id = $1`,
    [changeRequestId],
  );
  const change = rows[0];
  if (!change) throw new AgentlaneError('FORGE_REQUEST_FAILED', `No change request ${changeRequestId}`, { details: { changeRequestId } });
  if (change.status !== 'open' || change.pr_number === null || change.head_sha === null) return null;
  const pr = await forge.getPullRequest(change.pr_number);
  if (pr.state !== 'open') {
    await sql.query(`UPDATE gitops.change_requests SET status = $2, updated_at = now() WHERE id = $1`, [change.id, pr.state]);
    await releasePathLocks(sql, change.id);
    return null;
  }
  const headSha = change.head_sha;
  const red: string[] = [];
  const unknown: string[] = [];
  // Checks still queued or running: inconclusive too, but the normal state of a fresh PR, so nobody is pinged.
  let pending = 0;
  if (pr.headSha !== headSha) unknown.push(`the head moved to ${pr.headSha.slice(0, 7)} after ${headSha.slice(0, 7)} was checked`);

  let policyRef = `${change.base}:cells/u_contract.yaml`;
  let merge: 'auto' | 'review' | null = null;
  let requiredChecks: string[] = [];
  const files = await forge.pullRequestFiles(pr.number);
  try {
    const loaded = await loadPolicyOn(forge, change.base);
    policyRef = loaded.ref;
    const decision = evaluate(loaded.policy, { category: change.category, ...(change.cell ? { cell: change.cell } : {}), files }, AGENT);
    if (decision.verdict === 'deny') red.push(...decision.reasons.map((r) => `u_contract: ${r}`));
    merge = decision.verdict === 'allow' && decision.merge === 'auto' ? 'auto' : 'review';
    requiredChecks = decision.requiredChecks;
  } catch (error) {
    unknown.push(`the policy on ${change.base} cannot be read: ${coerceError(error).message}`);
  }

  const paths = pathsOf(files);
  const held = new Set((await sql.query<{ path: string }>('SELECT path FROM gitops.path_locks WHERE change_request_id = $1', [change.id])).rows.map((r) => r.path));
  const lost = paths.filter((p) => !held.has(p));
  if (lost.length > 0) unknown.push(`the path lock on ${lost.join(', ')} is no longer held by this change`);

  const baseNow = await forge.branchSha(change.base);
  if (change.base_sha && baseNow !== change.base_sha) {
    const moved = new Set(await forge.changedPathsBetween(change.base_sha, baseNow));
    const overlap = paths.filter((p) => moved.has(p));
    if (overlap.length > 0) red.push(`${change.base} changed ${overlap.join(', ')} after this change was cut from ${change.base_sha.slice(0, 7)}`);
  }

  const runs = latestByName(await forge.listCheckRuns(headSha));
  for (const name of requiredChecks) {
    const judged = judgeCheck(name, runs.get(name));
    if (judged.verdict === 'red') red.push(judged.reason as string);
    if (judged.verdict === 'unknown' || judged.verdict === 'pending') unknown.push(judged.reason as string);
    if (judged.verdict === 'pending') pending += 1;
  }

  const outcome: MergeOutcome = red.length > 0 ? 'fail' : unknown.length > 0 ? 'inconclusive' : 'pass';
  const reasons = outcome === 'fail' ? red : outcome === 'inconclusive' ? unknown : [`every required check is green on ${headSha.slice(0, 7)} (${requiredChecks.join(', ') || 'none required'}); policy ${policyRef}`];
  let action: MergeAction = outcome === 'fail' ? 'closed' : outcome === 'inconclusive' ? 'wait' : merge === 'auto' ? 'merged' : 'review';
  let mergedSha: string | null = null;
  let finalOutcome = outcome;

  if (action === 'merged') {
    try {
      mergedSha = (await forge.mergePullRequest(pr.number, headSha, change.title ?? `${change.category}: agent change`)).sha;
    } catch (error) {
      // The forge refused (the base moved under the merge, a conflict): nothing merged; a human looks.
      const failure = coerceError(error);
      if (failure.code !== 'FORGE_REQUEST_FAILED') throw error;
      finalOutcome = 'inconclusive';
      action = 'wait';
      reasons.splice(0, reasons.length, `the forge refused the merge: ${failure.message}`);
    }
  }

  const previous = await sql.query<{ outcome: string; action: string; reasons: string[] }>(
    'SELECT outcome, action, reasons FROM gitops.merge_decisions WHERE change_request_id = $1 ORDER BY created_at DESC LIMIT 1',
    [change.id],
  );
  const last = previous.rows[0];
  const changed = !last || last.outcome !== finalOutcome || last.action !== action || JSON.stringify(last.reasons) !== JSON.stringify(reasons);
  await sql.query(
    `INSERT INTO gitops.merge_decisions (change_request_id, head_sha, base_sha, policy_ref, outcome, action, reasons) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
    [change.id, headSha, baseNow, policyRef, finalOutcome, action, JSON.stringify(reasons)],
  );

  if (action === 'merged') {
    await sql.query(`UPDATE gitops.change_requests SET status = 'merged', merged_sha = $2, updated_at = now() WHERE id = $1`, [change.id, mergedSha]);
    await releasePathLocks(sql, change.id);
    // Merged later than its ask finished (a check event): the ask's record follows. While the ask is still
    // running, its publish step records the outcome itself, when its workflow is done.
    if (change.ask_id) await sql.query(`UPDATE gitops.asks SET status = 'merged' WHERE id = $1 AND status = 'pr_opened'`, [change.ask_id]);
  } else if (action === 'closed') {
    await forge.closePullRequest(pr.number);
    await sql.query(`UPDATE gitops.change_requests SET status = 'closed', updated_at = now() WHERE id = $1`, [change.id]);
    await releasePathLocks(sql, change.id);
  }
  const quiet = action === 'wait' && finalOutcome === 'inconclusive' && pending === unknown.length && reasons === unknown;
  // A `review` change is handed to the person who asked for it (once: only when the decision changes).
  if (changed && action === 'review' && change.actor) {
    await forge.requestReview(pr.number, [change.actor]).catch((error: unknown) => reasons.push(`could not request a review from ${change.actor}: ${coerceError(error).message}`));
  }
  if (changed && action !== 'merged' && !quiet) await forge.comment(pr.number, decisionComment(action, reasons, headSha));
  return { changeRequestId: change.id, outcome: finalOutcome, action, reasons, headSha, policyRef, mergedSha };
}

function decisionComment(action: MergeAction, reasons: readonly string[], headSha: string): string {
  const list = reasons.map((r) => `- ${inertMarkdown(r)}`).join('\n');
  switch (action) {
    case 'review':
      return `Every required check is green on ${headSha.slice(0, 7)}. This change merges after a human review (requested from the asker).\n\n${list}`;
    case 'closed':
      return `Closed without merging: ${headSha.slice(0, 7)} did not pass.\n\n${list}`;
    default:
      return `Paused, not merged: ${headSha.slice(0, 7)} cannot be decided yet. A human should look; agentlane decides again when the checks change.\n\n${list}`;
  }
}
