import { AgentlaneError } from '@agentlane/core';
import { diffFiles } from '../forge/local.js';
import { git } from '../git.js';
import { evaluate, type Actor, type PolicyDecision } from './evaluate.js';
import { loadPolicyAt, POLICY_PATH } from './load.js';
import { cellSchema } from '../cells/schema.js';
import { parseYamlWith } from '../yaml-file.js';

/** A ref given on a command line: never an option, never a revision expression. */
function assertRef(ref: string): void {
  if (!/^[A-Za-z0-9._/-]+$/.test(ref) || ref.startsWith('-')) throw new AgentlaneError('POLICY_INVALID', `Not a git ref: ${JSON.stringify(ref)}`, { details: { ref } });
}

export interface PullRequestCheck {
  repoRoot: string;
  /** The base branch (or any ref): its policy judges the change. */
  base: string;
  /** The pull request's head (a ref or SHA). */
  head: string;
  category: string;
  cell?: string;
  actor: Actor;
}

/**
 * The u_contract check CI runs on a pull request: the real diff between the merge
 * base and the head, judged by the policy **as committed on the base**. A PR that
 * edits `cells/u_contract.yaml` to loosen the rules is judged by the old rules (and
 * touching that file is itself denied for agents).
 */
export async function checkPullRequest(check: PullRequestCheck): Promise<PolicyDecision & { policyRef: string; files: number }> {
  const policy = await loadPolicyAt(check.repoRoot, check.base);
  assertRef(check.base);
  assertRef(check.head);
  const mergeBase = (await git(['merge-base', check.base, check.head], { cwd: check.repoRoot })).stdout.trim();
  const files = await diffFiles(check.repoRoot, mergeBase, check.head);
  const decision = evaluate(policy, { category: check.category, ...(check.cell ? { cell: check.cell } : {}), files }, check.actor);
  return { ...decision, policyRef: `${check.base}:${POLICY_PATH}`, files: files.length };
}

export interface PullRequestSubject {
  actor: Actor;
  category: string;
  cell?: string;
}

/**
 * Who a pull request is from, by its head branch: `agentlane/<cell>/…` is an agent
 * change of that cell, judged under the category the cell's definition **on the
 * base** names; anything else is a human change (reviewed, never auto-merged).
 */
export async function pullRequestSubject(repoRoot: string, base: string, headRef: string, fallbackCategory = 'code-change'): Promise<PullRequestSubject> {
  assertRef(base);
  const match = /^agentlane\/([a-z0-9][a-z0-9-]{0,62})\//.exec(headRef);
  if (!match) return { actor: { login: headRef, kind: 'human' }, category: fallbackCategory };
  const cellKey = match[1] as string;
  const { stdout, code } = await git(['show', `${base}:cells/${cellKey}/cell.yaml`], { cwd: repoRoot, okCodes: [128] });
  if (code !== 0) throw new AgentlaneError('CELL_NOT_FOUND', `The branch names cell ${cellKey}, which ${base} does not have`, { details: { cell: cellKey } });
  const cell = parseYamlWith(cellSchema, stdout, `${base}:cells/${cellKey}/cell.yaml`, 'CELL_INVALID');
  return { actor: { login: 'agentlane[bot]', kind: 'agent' }, category: cell.category, cell: cell.key };
}
