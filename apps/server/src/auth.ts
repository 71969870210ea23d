import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AgentlaneError } from '@agentlane/core';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * A route that answers without the API token (it must authenticate its callers
     * another way, as the webhook route does with its HMAC). Everything else,
     * including the not-found handler, needs the token when one is configured.
     */
    public?: boolean;
  }
}

/** Route options that open one route to callers without the API token. */
export const PUBLIC_ROUTE = { config: { public: true } } as const;

/** Constant-time on the digests, so neither content nor length leaks through timing. */
export function tokensMatch(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive), or null. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer[ \t]+(.+?)[ \t]*$/i.exec(header);
  return match ? (match[1] as string) : null;
}

/**
 * Deny by default: with a token configured, every request needs it, unless the route
 * the router matched says `config.public`. The hook runs after routing (fastify's
 * `onRequest`), so the decision is about the route that will answer, never about the
 * URL text: percent-encoding, absolute-form request lines, `//`, `..` or case cannot
 * steer a request to a route the check did not see. Requests that match no route need
 * the token too (401), so the route table is not probed without it; with the token
 * they get 404 `HTTP_NOT_FOUND`.
 */
export function registerAuth(app: FastifyInstance, token: string | undefined): void {
  if (!token) return;
  app.addHook('onRequest', async (request) => {
    if (request.is404 !== true && request.routeOptions.config.public === true) return;
    const given = bearerToken(request);
    if (given === null || !tokensMatch(given, token)) throw new AgentlaneError('HTTP_UNAUTHORIZED', 'A valid bearer token is required');
  });
}
