import { AgentlaneError, isAgentlaneError } from '@agentlane/core';
import type { Sql } from '@agentlane/store';
import { z } from 'zod';
import type { Cell } from '../cells/schema.js';
import { canWrite, type Forge } from '../forge/port.js';
import { findAskLine, parseAsk, type AskCommand } from './parse.js';
import { forbiddenReply, unknownActionReply, unknownCellReply, unreadableReply } from './replies.js';

/** The part of GitHub's `issue_comment` webhook payload the intake reads. */
export const issueCommentPayloadSchema = z.object({
  action: z.string(),
  comment: z.object({
    id: z.number().int(),
    body: z.string().nullable(),
    updated_at: z.string().max(64).optional(),
    user: z.object({ login: z.string(), type: z.string().optional() }).nullable(),
  }),
  issue: z.object({ number: z.number().int() }),
  repository: z.object({ full_name: z.string() }),
  sender: z.object({ login: z.string(), type: z.string().optional() }),
});
export type IssueCommentPayload = z.infer<typeof issueCommentPayloadSchema>;

export type IntakeResult =
  | { status: 'ignored'; reason: string }
  | { status: 'duplicate'; askId: string }
  | { status: 'refused'; askId: string; reason: string }
  | { status: 'queued'; askId: string; command: AskCommand };

export interface IntakeDeps {
  sql: Sql;
  forge: Forge;
  /**
   * The `owner/name` whose comments are taken (GITHUB_REPOSITORY). Deliveries of any
   * other repository are refused with `WEBHOOK_REPOSITORY_MISMATCH`; when undefined,
   * every delivery is (deny by default).
   */
  repository: string | undefined;
  /** The cells of the repository, by key. */
  cells: ReadonlyMap<string, Cell>;
  /** Queue the accepted ask (BullMQ `ask` queue, or inline). Called after the ask is recorded. */
  enqueue(askId: string): Promise<void>;
}

/**
 * Take one `issue_comment` delivery: refuse other repositories, find an `/ask`, check
 * the caller's write permission (through the forge, never from the payload) before
 * anything else, then the grammar, the cell and its actions; record the ask and queue
 * it, or refuse with a reply comment that repeats nothing of a non-writer's comment
 * and shows a writer's text only as an inline code span (replies.ts).
 *
 * Each comment is taken once: the record is keyed on the delivery id AND on the
 * comment (`comment_key`, repository and comment id), so a signed body replayed under
 * new `X-GitHub-Delivery` ids finds the first ask and does nothing. Edits
 * (`action: edited`) are ignored rather than re-run: re-running an already answered
 * ask because its text changed would repeat side effects (an LLM run, a PR); a new
 * request is a new comment. The comment text stays data.
 */
export async function takeAsk(deps: IntakeDeps, deliveryId: string, payload: unknown): Promise<IntakeResult> {
  const parsed = issueCommentPayloadSchema.safeParse(payload);
  if (!parsed.success) throw new AgentlaneError('ASK_INVALID', 'Not an issue_comment payload', { details: { problems: parsed.error.issues.map((i) => i.path.join('.')) } });
  const event = parsed.data;
  if (deps.repository === undefined || event.repository.full_name.toLowerCase() !== deps.repository.toLowerCase()) {
    throw new AgentlaneError(
      'WEBHOOK_REPOSITORY_MISMATCH',
      deps.repository === undefined ? 'No repository is configured for /ask (set GITHUB_REPOSITORY)' : 'The delivery is for another repository',
      { details: { expected: deps.repository ?? null } },
    );
  }
  if (event.action !== 'created') return { status: 'ignored', reason: `comment ${event.action}` };
  if (event.sender.type === 'Bot' || event.comment.user?.type === 'Bot') return { status: 'ignored', reason: 'comment by a bot' };
  const line = findAskLine(event.comment.body ?? '');
  if (line === null) return { status: 'ignored', reason: 'no /ask in the comment' };

  // A redelivery, or the same comment under another delivery id, is answered from the
  // record, without asking the forge again.
  const commentKey = `${event.repository.full_name.toLowerCase()}#${event.comment.id}`;
  const seenAsk = () =>
    deps.sql.query<{ id: string }>('SELECT id FROM gitops.asks WHERE delivery_id = $1 OR comment_key = $2 ORDER BY created_at LIMIT 1', [deliveryId, commentKey]);
  const seen = await seenAsk();
  if (seen.rows[0]) return { status: 'duplicate', askId: seen.rows[0].id };

  const actor = event.sender.login;
  const issueNumber = event.issue.number;
  const screened = await screen(deps, line, actor);
  const command = 'command' in screened ? screened.command : null;
  const refusal = 'refusal' in screened ? screened : null;

  const inserted = await deps.sql.query<{ id: string }>(
    `INSERT INTO gitops.asks (delivery_id, repo, issue_number, comment_id, actor, cell, action, command, plan_only, status, error_code, error_message, finished_at,
                              comment_key, comment_updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, CASE WHEN $10 = 'refused' THEN now() END, $13, $14)
     ON CONFLICT DO NOTHING RETURNING id`,
    [
      deliveryId,
      event.repository.full_name,
      issueNumber,
      event.comment.id,
      actor,
      command?.cell ?? null,
      command?.action ?? null,
      // jsonb cannot hold NUL; a refused line is kept for the audit, minus those.
      JSON.stringify(command ?? { line: line.replaceAll('\u0000', '') }),
      command?.planOnly ?? false,
      refusal === null ? 'queued' : 'refused',
      refusal?.code ?? null,
      refusal?.refusal ?? null,
      commentKey,
      event.comment.updated_at ?? null,
    ],
  );
  const row = inserted.rows[0];
  if (!row) {
    // The same delivery or comment, taken concurrently between the check above and this insert.
    const existing = await seenAsk();
    return { status: 'duplicate', askId: existing.rows[0]?.id as string };
  }
  if (refusal !== null) {
    const reply = await deps.forge.comment(issueNumber, refusal.refusal);
    await deps.sql.query('UPDATE gitops.asks SET reply_url = $2 WHERE id = $1', [row.id, reply.url]);
    return { status: 'refused', askId: row.id, reason: refusal.refusal };
  }
  await deps.enqueue(row.id);
  return { status: 'queued', askId: row.id, command: command as AskCommand };
}

type Screened = { command: AskCommand } | { refusal: string; code: 'ASK_INVALID' | 'ASK_FORBIDDEN' | 'CELL_NOT_FOUND' };

/**
 * The caller's permission (asked of the forge) first, so nothing of a non-writer's
 * comment is parsed into a reply; then the grammar, the cell and its actions.
 */
async function screen(deps: IntakeDeps, line: string, actor: string): Promise<Screened> {
  const permission = await deps.forge.permissionOf(actor);
  if (!canWrite(permission)) return { code: 'ASK_FORBIDDEN', refusal: forbiddenReply(permission) };
  let command: AskCommand;
  try {
    command = parseAsk(line);
  } catch (error) {
    if (!isAgentlaneError(error)) throw error;
    return { code: 'ASK_INVALID', refusal: unreadableReply(error.message) };
  }
  const cell = deps.cells.get(command.cell);
  if (!cell) return { code: 'CELL_NOT_FOUND', refusal: unknownCellReply(command.cell, deps.cells.keys()) };
  const action = Object.hasOwn(cell.actions, command.action) ? cell.actions[command.action] : undefined;
  if (!action) return { code: 'ASK_INVALID', refusal: unknownActionReply(cell.key, command.action, Object.keys(cell.actions)) };
  return { command: action.plan_only ? { ...command, planOnly: true } : command };
}
