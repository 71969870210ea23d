import type { FastifyRequest } from 'fastify';
import { AgentlaneError } from '@agentlane/core';

/** The first path (`query.path`, `body.files.0`) of a string holding a NUL character, or null. */
export function nulPath(value: unknown, at: string, depth = 0): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? at : null;
  if (depth > 32 || typeof value !== 'object' || value === null) return null;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) return `${at}.${key.replaceAll('\u0000', '\\0')}`;
    const found = nulPath(item, `${at}.${key}`, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

/**
 * No NUL characters in parameters, query strings or JSON bodies (`?path=x%00`): text
 * columns cannot hold them, so they would fail deep in a query as a 500. Rejected at
 * the edge, for every route, as a 400 naming the field.
 */
export async function rejectNulBytes(request: FastifyRequest): Promise<void> {
  const found = nulPath(request.params, 'params') ?? nulPath(request.query, 'query') ?? (typeof request.body === 'object' ? nulPath(request.body, 'body') : null);
  if (found !== null) throw new AgentlaneError('HTTP_BAD_REQUEST', `${found} must not contain NUL characters`, { details: { field: found } });
}
