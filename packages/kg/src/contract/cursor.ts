import { createHash } from 'node:crypto';
import { AgentlaneError } from '@agentlane/core';

/**
 * Paging cursors: opaque to callers, an offset into the answer's ordered items plus a
 * digest of the arguments it was given for, so a cursor replayed with other arguments
 * (or tampered with) is refused with KG_INVALID_CURSOR instead of paging something else.
 */

interface CursorBody {
  op: string;
  offset: number;
  key: string;
}

/** The arguments that define an answer: everything but how it is paged and printed. */
export function argumentsKey(op: string, input: Record<string, unknown>): string {
  const { cursor: _cursor, maxTokens: _maxTokens, format: _format, ...rest } = input;
  const canonical = JSON.stringify(Object.keys(rest).sort().map((k) => [k, rest[k]]));
  return createHash('sha256').update(`${op}\0${canonical}`).digest('base64url').slice(0, 16);
}

export function encodeCursor(body: CursorBody): string {
  return Buffer.from(JSON.stringify([body.op, body.offset, body.key])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, op: string, key: string): number {
  if (cursor === undefined) return 0;
  const invalid = () => new AgentlaneError('KG_INVALID_CURSOR', 'The cursor is not one this operation gave for these arguments: ask again without it', { details: { op } });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw invalid();
  const [cursorOp, offset, cursorKey] = parsed as unknown[];
  if (cursorOp !== op || cursorKey !== key || typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) throw invalid();
  return offset;
}
