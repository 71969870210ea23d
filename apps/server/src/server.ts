import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { AgentlaneError, type Logger } from '@agentlane/core';
import type { Sql } from '@agentlane/store';
import { registerAuth } from './auth.js';
import { registerAskRoutes } from './ask-routes.js';
import { registerEngineRoutes } from './engine-routes.js';
import { rejectNulBytes } from './input.js';
import { clientErrorResponse, sendError } from './reply.js';
import { registerGitHubWebhooks, type GitHubWebhookOptions } from './webhooks.js';
import type { KgDeps } from '@agentlane/kg';
import { registerKgRoutes } from './kg-routes.js';
import { docsPage } from './docs.js';

/**
 * The KG HTTP API for agents: code search, objects, relations, file outlines,
 * impact, context packs, stats and on-demand indexing (kg-routes.ts, derived from the
 * operation contract), each answer carrying the index's freshness. Input is validated
 * by JSON Schema (which also feeds `/openapi.json` and the `/docs` page), errors are JSON
 * `{error: {code, message}}` with the catalogue's status (`sendError`), never a bare
 * 500 for bad input, never an internal message in a 5xx.
 */
export interface ServerOptions {
  sql: Sql;
  repoRoot: string;
  /**
   * When set, every request needs `Authorization: Bearer <token>` except the routes
   * marked public (`POST /webhooks/github`, which checks its HMAC instead); see auth.ts.
   */
  token?: string;
  /** Settings of on-demand index runs (`POST /api/kg/index`). */
  index?: KgDeps['index'];
  /** When set, `POST /webhooks/github` takes signed GitHub deliveries (the /ask intake). */
  webhooks?: GitHubWebhookOptions;
  logger?: Logger;
}

const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        // KG_AMBIGUOUS: the objects a name fits, to choose from.
        candidates: { type: 'array', items: { type: 'object', additionalProperties: true } },
      },
      required: ['code', 'message'],
    },
  },
} as const;

export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    // Malformed URLs (`/api/kg/stats%`) get the one error reply too, not fastify's own shape.
    frameworkErrors: (error, _request, reply) => void sendError(reply, error, options.logger),
    clientErrorHandler: (error, socket) => {
      const response = clientErrorResponse(error);
      if (response !== null && socket.writable) socket.end(response);
      else socket.destroy(error);
    },
  });
  await app.register(swagger, {
    openapi: {
      info: { title: 'agentlane KG API', version: '0.1.0' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      ...(options.token ? { security: [{ bearer: [] }] } : {}),
    },
  });

  // Hooks first: they apply to every route registered below, the webhook scope included.
  registerAuth(app, options.token);
  app.addHook('preValidation', rejectNulBytes);
  app.setErrorHandler((error, _request, reply) => sendError(reply, error, options.logger));
  app.setNotFoundHandler((_request, reply) => sendError(reply, new AgentlaneError('HTTP_NOT_FOUND', 'No route matches the request')));

  const responses = { 400: errorSchema, 401: errorSchema, 404: errorSchema, 409: errorSchema, 500: errorSchema, 503: errorSchema };

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/docs', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(docsPage(app.swagger() as unknown as Parameters<typeof docsPage>[0])));
  await registerEngineRoutes(app, { sql: options.sql, logger: options.logger });
  if (options.webhooks) {
    await registerGitHubWebhooks(app, { logger: options.logger, ...options.webhooks });
    await registerAskRoutes(app, { sql: options.sql });
  }
  registerKgRoutes(app, { deps: { sql: options.sql, repoRoot: options.repoRoot, ...(options.index ? { index: options.index } : {}) }, errors: responses });

  return app;
}
