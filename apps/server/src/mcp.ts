import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ERROR_CODES, coerceError } from '@agentlane/core';
import type { Sql } from '@agentlane/store';
import {
  DEFAULT_BUDGET_TOKENS,
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
 * The KG as Model Context Protocol tools, so coding agents can query it directly
 * (`agentlane mcp` serves it over stdio). Each result is JSON text carrying the
 * index's freshness; a failure is a tool error with the stable code, not a crash.
 */
export interface McpOptions {
  sql: Sql;
  repoRoot: string;
  version?: string;
}

/** Tool text arguments: no NUL characters (text columns cannot hold them; they would fail as an internal error). */
const text = (max = 4096) => z.string().min(1).max(max).refine((value) => !value.includes('\u0000'), 'must not contain NUL characters');

type ToolResult = { content: { type: 'text'; text: string }[]; isError?: boolean };

export function createMcpServer(options: McpOptions): McpServer {
  const server = new McpServer({ name: 'agentlane-kg', version: options.version ?? '0.1.0' });
  const probe = freshnessProbe(options.sql, { repoRoot: options.repoRoot });
  const answer = async (work: () => Promise<unknown>): Promise<ToolResult> => {
    try {
      const result = await work();
      const freshness = await probe();
      return { content: [{ type: 'text', text: JSON.stringify({ result, freshness }) }] };
    } catch (error) {
      const failure = coerceError(error);
      // As over HTTP: an internal failure says what kind it was, not its internal message.
      const message = failure.httpStatus >= 500 ? ERROR_CODES[failure.code] : failure.message;
      return { isError: true, content: [{ type: 'text', text: `${failure.code}: ${message}` }] };
    }
  };

  server.registerTool(
    'kg_search',
    {
      description:
        'Find code objects (functions, classes, methods, modules…) by name, partial name, typo or a description in words. Each hit says why it matched.',
      inputSchema: {
        query: text(MAX_QUERY_LENGTH),
        kind: z.array(z.enum(OBJECT_KINDS as [ObjectKind, ...ObjectKind[]])).optional(),
        language: z.enum(['ts', 'py']).optional(),
        path: text().optional().describe('path prefix or glob, e.g. src/ or **/*.py'),
        limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).default(10),
      },
    },
    ({ query, kind, language, path, limit }) => answer(() => searchObjects(options.sql, query, { kind, language, path, limit })),
  );
  server.registerTool(
    'kg_context',
    {
      description:
        'A map of the code relevant to a task within a token budget: signatures (not bodies) grouped by file, ranked by personalized PageRank from the query, files and symbols.',
      inputSchema: {
        query: z.string().max(MAX_QUERY_LENGTH).refine((value) => !value.includes('\u0000'), 'must not contain NUL characters').optional(),
        files: z.array(text()).max(100).optional(),
        // Each symbol is searched as a query, so it has a query's limit.
        symbols: z.array(text(MAX_QUERY_LENGTH)).max(100).optional(),
        budget_tokens: z.number().int().min(MIN_BUDGET_TOKENS).max(MAX_BUDGET_TOKENS).default(DEFAULT_BUDGET_TOKENS),
      },
    },
    ({ query, files, symbols, budget_tokens }) => answer(() => buildContext(options.sql, { query, files, symbols, budgetTokens: budget_tokens })),
  );
  server.registerTool(
    'kg_symbol',
    { description: 'One code object (function, class, method, …) by id: signature, params, returns, fields, file and lines.', inputSchema: { id: z.string() } },
    ({ id }) => answer(() => getObject(options.sql, id)),
  );
  server.registerTool(
    'kg_references',
    {
      description: 'Relations of an object. direction "in": callers, importers, subclasses; "out": callees, imports, bases.',
      inputSchema: {
        id: z.string(),
        kinds: z.array(z.enum(RELATION_KINDS as [RelationKind, ...RelationKind[]])).optional(),
        direction: z.enum(['in', 'out', 'both']).default('in'),
        depth: z.number().int().min(1).max(MAX_DEPTH).default(1),
      },
    },
    ({ id, kinds, direction, depth }) => answer(() => relationsOf(options.sql, id, { kinds, direction, depth, limit: 200 })),
  );
  server.registerTool(
    'kg_outline',
    { description: "A file's objects as a tree (repo-relative path).", inputSchema: { path: text() } },
    ({ path }) => answer(() => fileOutline(options.sql, path)),
  );
  server.registerTool(
    'kg_impact',
    {
      description: 'Transitive dependents of changed objects or files: who calls, imports, extends or uses them.',
      inputSchema: { ids: z.array(text()).optional(), files: z.array(text()).optional(), depth: z.number().int().min(1).max(5).default(3) },
    },
    ({ ids, files, depth }) => answer(() => impactOf(options.sql, { ids, files, depth, limit: 200 })),
  );
  server.registerTool(
    'kg_stats',
    { description: 'What the index holds and how fresh it is.', inputSchema: {} },
    () => answer(() => kgStats(options.sql)),
  );
  return server;
}
