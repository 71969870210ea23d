import { AgentlaneError, isAgentlaneError } from '@agentlane/core';
import type { Sql } from '@agentlane/store';
import { z } from 'zod';
import type { Cell } from '../cells/schema.js';
import { canWrite, type Forge } from '../forge/port.js';
import { findAskLine, parseAsk, type AskCommand } from './parse.js';

/** The part of GitHub's `issue_comment` webhook payload the intake reads. */
export const issueCommentPayloadSchema = z.object({
  action: z.string(),
  comment: z.object({ id: z.number().int(), body: z.string().nullable(), user: z.object({ login: z.string(), type: z.string().optional() }).nullable() }),
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
  /** The cells of the repository, by key. */
  cells: ReadonlyMap<string, Cell>;
  /** Queue the accepted ask (BullMQ `ask` queue, or inline). Called after the ask is recorded. */
  enqueue(askId: string): Promise<void>;
}

/**
 * Take one `issue_comment` delivery: find an `/ask`, check the grammar, the caller's
 * write permission (through the forge, never from the payload), the cell and its
 * actions; record the ask (a redelivery of the same delivery id changes nothing) and
 * queue it, or refuse politely with a reply comment. The comment text stays data.
 */
export async function takeAsk(deps: IntakeDeps, deliveryId: string, payload: unknown): Promise<IntakeResult> {
  const parsed = issueCommentPayloadSchema.safeParse(payload);
  if (!parsed.success) throw new AgentlaneError('ASK_INVALID', 'Not an issue_comment payload', { details: { problems: parsed.error.issues.map((i) => i.path.join('.')) } });
  const event = parsed.data;
  if (event.action !== 'created') return { status: 'ignored', reason: `comment ${event.action}` };
  if (event.sender.type === 'Bot' || event.comment.user?.type === 'Bot') return { status: 'ignored', reason: 'comment by a bot' };
  const line = findAskLine(event.comment.body ?? '');
  if (line === null) return { status: 'ignored', reason: 'no /ask in the comment' };

  // A redelivery is answered from the record, without asking the forge again.
  const seen = await deps.sql.query<{ id: string }>('SELECT id FROM gitops.asks WHERE delivery_id = $1', [deliveryId]);
  if (seen.rows[0]) return { status: 'duplicate', askId: seen.rows[0].id };

  const actor = event.sender.login;
  const issueNumber = event.issue.number;
  const screened = await screen(deps, line, actor);
  const command = 'command' in screened ? screened.command : null;
  const refusal = 'refusal' in screened ? screened : null;

  const inserted = await deps.sql.query<{ id: string }>(
    `INSERT INTO gitops.asks (delivery_id, repo, issue_number, comment_id, actor, cell, action, command, plan_only, status, error_code, error_message, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, CASE WHEN $10 = 'refused' THEN now() END)
     ON CONFLICT (delivery_id) DO NOTHING RETURNING id`,
    [
      deliveryId,
      event.repository.full_name,
      issueNumber,
      event.comment.id,
      actor,
      command?.cell ?? null,
      command?.action ?? null,
      JSON.stringify(command ?? { line }),
      command?.planOnly ?? false,
      refusal === null ? 'queued' : 'refused',
      refusal?.code ?? null,
      refusal?.refusal ?? null,
    ],
  );
  const row = inserted.rows[0];
  if (!row) {
    // The same delivery, taken concurrently between the check above and this insert.
    const existing = await deps.sql.query<{ id: string }>('SELECT id FROM gitops.asks WHERE delivery_id = $1', [deliveryId]);
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

/** Grammar, then the caller's permission (asked of the forge), then the cell and its actions. */
async function screen(deps: IntakeDeps, line: string, actor: string): Promise<Screened> {
  let command: AskCommand;
  try {
    command = parseAsk(line);
  } catch (error) {
    if (!isAgentlaneError(error)) throw error;
    return { code: 'ASK_INVALID', refusal: `I could not read that: ${error.message}. Usage: \`/ask <cell> <action> [args] [--plan-only]\`.` };
  }
  const permission = await deps.forge.permissionOf(actor);
  if (!canWrite(permission)) {
    return { code: 'ASK_FORBIDDEN', refusal: `Sorry @${actor}, only people with write access to this repository can use /ask (you have ${permission}).` };
  }
  const cell = deps.cells.get(command.cell);
  if (!cell) {
    return { code: 'CELL_NOT_FOUND', refusal: `There is no cell \`${command.cell}\`. Cells here: ${[...deps.cells.keys()].map((k) => `\`${k}\``).join(', ')}.` };
  }
  const action = Object.hasOwn(cell.actions, command.action) ? cell.actions[command.action] : undefined;
  if (!action) {
    return { code: 'ASK_INVALID', refusal: `Cell \`${cell.key}\` has no action \`${command.action}\`. It allows: ${Object.keys(cell.actions).map((a) => `\`${a}\``).join(', ')}.` };
  }
  return { command: action.plan_only ? { ...command, planOnly: true } : command };
}
