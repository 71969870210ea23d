import { AgentlaneError } from '@agentlane/core';
import type { Sql } from '@agentlane/store';
import { z } from 'zod';
import type { Forge } from '../forge/port.js';
import { decideMerge, type MergeDecision } from '../loop/merge.js';

/** The forge events that can change a merge decision. */
export const CHECK_EVENTS = ['check_run', 'check_suite', 'workflow_run', 'pull_request'] as const;
export type CheckEvent = (typeof CHECK_EVENTS)[number];

const sha = z.string().regex(/^[0-9a-f]{40}$/);
const repository = z.object({ full_name: z.string() });
const schemas = {
  check_run: z.object({ action: z.string(), check_run: z.object({ head_sha: sha }), repository }),
  check_suite: z.object({ action: z.string(), check_suite: z.object({ head_sha: sha }), repository }),
  workflow_run: z.object({ action: z.string(), workflow_run: z.object({ head_sha: sha }), repository }),
  pull_request: z.object({ action: z.string(), pull_request: z.object({ head: z.object({ sha }) }), repository }),
} satisfies Record<CheckEvent, z.ZodTypeAny>;

/** Actions after which the decision may differ: a check finished, or the PR's head or state changed. */
const DECIDING: Record<CheckEvent, readonly string[]> = {
  check_run: ['completed'],
  check_suite: ['completed'],
  workflow_run: ['completed'],
  pull_request: ['synchronize', 'closed', 'reopened', 'edited'],
};

export type CheckEventResult = { status: 'ignored'; reason: string } | { status: 'decided'; decisions: MergeDecision[] };

export interface CheckEventDeps {
  sql: Sql;
  forge: Forge;
  /** The configured `owner/name`; deliveries of any other repository are refused (as for /ask). */
  repository: string | undefined;
}

export function isCheckEvent(event: string): event is CheckEvent {
  return (CHECK_EVENTS as readonly string[]).includes(event);
}

/**
 * Merge on green, from events: a finished check run, check suite or workflow run (or a
 * PR whose head or state changed) makes agentlane decide again, at that moment, for
 * every open agent change on that head SHA. The payload only says *which* head to look
 * at; every fact the decision rests on (checks, policy, PR state) is asked of the forge.
 */
export async function takeCheckEvent(deps: CheckEventDeps, event: CheckEvent, payload: unknown): Promise<CheckEventResult> {
  const parsed = schemas[event].safeParse(payload);
  if (!parsed.success) throw new AgentlaneError('HTTP_BAD_REQUEST', `Not a ${event} payload`, { details: { problems: parsed.error.issues.map((i) => i.path.join('.')) } });
  const data = parsed.data as { action: string; repository: { full_name: string } };
  if (deps.repository === undefined || data.repository.full_name.toLowerCase() !== deps.repository.toLowerCase()) {
    throw new AgentlaneError('WEBHOOK_REPOSITORY_MISMATCH', deps.repository === undefined ? 'No repository is configured (set GITHUB_REPOSITORY)' : 'The delivery is for another repository', {
      details: { expected: deps.repository ?? null },
    });
  }
  if (!DECIDING[event].includes(data.action)) return { status: 'ignored', reason: `${event} ${data.action}` };
  const headSha =
    event === 'pull_request'
      ? (parsed.data as z.infer<(typeof schemas)['pull_request']>).pull_request.head.sha
      : (parsed.data as { check_run?: { head_sha: string }; check_suite?: { head_sha: string }; workflow_run?: { head_sha: string } })[event]?.head_sha;
  const { rows } = await deps.sql.query<{ id: string }>(
    `SELECT id FROM gitops.change_requests WHERE forge = $1 AND repo = $2 AND status = 'open' AND (head_sha = $3 OR $4) ORDER BY created_at`,
    // A pushed PR head is a new SHA: every open change of the repository is looked at again (cheap, and few).
    [deps.forge.kind, deps.forge.repo, headSha, event === 'pull_request'],
  );
  if (rows.length === 0) return { status: 'ignored', reason: 'no open agent change on that head' };
  const decisions: MergeDecision[] = [];
  for (const row of rows) {
    const decision = await decideMerge({ sql: deps.sql, forge: deps.forge }, row.id);
    if (decision) decisions.push(decision);
  }
  return { status: 'decided', decisions };
}
