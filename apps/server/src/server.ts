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
import {
  DEFAULT_BUDGET_TOKENS,
  DEFAULT_SEARCH_LIMIT,
  MAX_BUDGET_TOKENS,
  MAX_DEPTH,
  MAX_QUERY_LENGTH,
  MAX_SEARCH_LIMIT,
  MIN_BUDGET_TOKENS,
  OBJECT_KINDS,
  RELATION_KINDS,
  buildContext,
  fileOutline,
  freshnessProbe,
  getObject,
  impactOf,
  kgStats,
  relationsOf,
  searchObjects,
  type ObjectKind,
  type RelationKind,
} from '@agentlane/kg';

/**
 * The KG HTTP API for agents: code search, objects, relations, file outlines,
 * impact, context packs and stats, each answer carrying the index's freshness. Input
 * is validated by JSON Schema (which also feeds `/openapi.json`), errors are JSON
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
  /** When set, `POST /webhooks/github` takes signed GitHub deliveries (the /ask intake). */
  webhooks?: GitHubWebhookOptions;
  logger?: Logger;
}

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } },
} as const;

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' } },
  required: ['id'],
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

  const freshness = freshnessProbe(options.sql, { repoRoot: options.repoRoot });
  const responses = { 400: errorSchema, 401: errorSchema, 404: errorSchema, 409: errorSchema, 500: errorSchema };

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await registerEngineRoutes(app, { sql: options.sql, logger: options.logger });
  if (options.webhooks) {
    await registerGitHubWebhooks(app, { logger: options.logger, ...options.webhooks });
    await registerAskRoutes(app, { sql: options.sql });
  }

  app.get('/api/kg/stats', { schema: { summary: 'What the index holds', response: responses } }, async () => ({
    stats: await kgStats(options.sql),
    freshness: await freshness(),
  }));

  app.get<{ Params: { id: string } }>(
    '/api/kg/objects/:id',
    { schema: { summary: 'One CBO object', params: idParams, response: responses } },
    async (request) => ({ object: await getObject(options.sql, request.params.id), freshness: await freshness() }),
  );

  app.get<{ Params: { id: string }; Querystring: { kind?: RelationKind[]; direction?: 'in' | 'out' | 'both'; depth?: number; limit?: number } }>(
    '/api/kg/objects/:id/relations',
    {
      schema: {
        summary: 'Relations of an object: in = callers/importers/subclasses, out = callees/imports/bases',
        params: idParams,
        querystring: {
          type: 'object',
          properties: {
            kind: { type: 'array', items: { type: 'string', enum: [...RELATION_KINDS] } },
            direction: { type: 'string', enum: ['in', 'out', 'both'], default: 'out' },
            depth: { type: 'integer', minimum: 1, maximum: MAX_DEPTH, default: 1 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 },
          },
          additionalProperties: false,
        },
        response: responses,
      },
    },
    async (request) => ({
      ...(await relationsOf(options.sql, request.params.id, {
        kinds: request.query.kind,
        direction: request.query.direction,
        depth: request.query.depth,
        limit: request.query.limit,
      })),
      freshness: await freshness(),
    }),
  );

  app.get<{ Querystring: { path: string } }>(
    '/api/kg/files/outline',
    {
      schema: {
        summary: "A file's objects as a tree",
        querystring: { type: 'object', properties: { path: { type: 'string', minLength: 1, maxLength: 4096 } }, required: ['path'] },
        response: responses,
      },
    },
    async (request) => ({ outline: await fileOutline(options.sql, request.query.path), freshness: await freshness() }),
  );

  app.post<{ Body: { ids?: string[]; files?: string[]; depth?: number; limit?: number } }>(
    '/api/kg/impact',
    {
      schema: {
        summary: 'Transitive dependents of objects or files',
        body: {
          type: 'object',
          properties: {
            ids: { type: 'array', items: idParams.properties.id, maxItems: 1000 },
            files: { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 1000 },
            depth: { type: 'integer', minimum: 1, maximum: 5, default: 3 },
            limit: { type: 'integer', minimum: 1, maximum: 5000, default: 200 },
          },
          additionalProperties: false,
        },
        response: responses,
      },
    },
    async (request) => ({ ...(await impactOf(options.sql, request.body ?? {})), freshness: await freshness() }),
  );

  app.get<{ Querystring: { q: string; kind?: ObjectKind[]; language?: 'ts' | 'py'; path?: string; limit?: number } }>(
    '/api/search/code',
    {
      schema: {
        summary: 'Hybrid code search: exact, name-in-context, prefix, fuzzy and full-text rankers fused with a PageRank prior',
        querystring: {
          type: 'object',
          properties: {
            q: { type: 'string', minLength: 1, maxLength: MAX_QUERY_LENGTH, pattern: '\\S' },
            kind: { type: 'array', items: { type: 'string', enum: [...OBJECT_KINDS] } },
            language: { type: 'string', enum: ['ts', 'py'] },
            path: { type: 'string', minLength: 1, maxLength: 1024 },
            limit: { type: 'integer', minimum: 1, maximum: MAX_SEARCH_LIMIT, default: DEFAULT_SEARCH_LIMIT },
          },
          required: ['q'],
          additionalProperties: false,
        },
        response: responses,
      },
    },
    async (request) => {
      const { q, kind, language, path, limit } = request.query;
      return { ...(await searchObjects(options.sql, q, { kind, language, path, limit })), freshness: await freshness() };
    },
  );

  app.post<{ Body: { query?: string; files?: string[]; symbols?: string[]; budget_tokens?: number } }>(
    '/api/kg/context',
    {
      schema: {
        summary: 'A context pack: signatures of the code relevant to a task, grouped by file, within a token budget',
        body: {
          type: 'object',
          properties: {
            query: { type: 'string', maxLength: MAX_QUERY_LENGTH },
            files: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 4096 }, maxItems: 100 },
            // Each symbol is searched as a query, so it has a query's limit.
            symbols: { type: 'array', items: { type: 'string', minLength: 1, maxLength: MAX_QUERY_LENGTH }, maxItems: 100 },
            budget_tokens: { type: 'integer', minimum: MIN_BUDGET_TOKENS, maximum: MAX_BUDGET_TOKENS, default: DEFAULT_BUDGET_TOKENS },
          },
          additionalProperties: false,
        },
        response: responses,
      },
    },
    async (request) => {
      const { query, files, symbols, budget_tokens } = request.body ?? {};
      return { ...(await buildContext(options.sql, { query, files, symbols, budgetTokens: budget_tokens })), freshness: await freshness() };
    },
  );

  return app;
}
