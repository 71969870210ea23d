import type { FastifyInstance, FastifyReply } from 'fastify';
import { zodToJsonSchema } from 'zod-to-json-schema';
import type { z } from 'zod';
import { KG_OPERATIONS, createKgService, type KgDeps, type KgOperation, type KgService } from '@agentlane/kg';

/**
 * The KG HTTP routes, derived from the operation contract (`KG_OPERATIONS` in
 * @agentlane/kg): each operation's input schema is the route's querystring or body
 * (its path parameter, if any, taken out), its output schema the JSON response, and the
 * answer is the same text or JSON the MCP tool gives, within `maxTokens`. Errors go
 * through the one error reply (reply.ts).
 */

type JsonSchema = Record<string, unknown>;

export function jsonSchemaOf(schema: z.ZodTypeAny): JsonSchema {
  const { $schema: _ignored, ...rest } = zodToJsonSchema(schema, { target: 'openApi3', $refStrategy: 'none' }) as JsonSchema;
  return rest;
}

/** The object schema without `omit`'s properties (a path parameter is not a query field). */
function without(schema: JsonSchema, omit: string | undefined): JsonSchema {
  if (!omit) return schema;
  const properties = { ...(schema.properties as Record<string, unknown>) };
  delete properties[omit];
  const { required: _required, ...rest } = schema;
  const required = ((schema.required as string[] | undefined) ?? []).filter((name) => name !== omit);
  return { ...rest, properties, ...(required.length > 0 ? { required } : {}) };
}

function send(reply: FastifyReply, answer: { format: 'text' | 'json'; body: string }): FastifyReply {
  return reply.type(answer.format === 'json' ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8').send(answer.body);
}

export interface KgRouteOptions {
  deps: KgDeps;
  /** Error responses, documented on every route. */
  errors: Record<number, JsonSchema>;
}

export function registerKgRoutes(app: FastifyInstance, options: KgRouteOptions): KgService {
  const service = createKgService(options.deps);
  for (const operation of Object.values(KG_OPERATIONS) as KgOperation[]) {
    const input = jsonSchemaOf(operation.input);
    const param = operation.http.param;
    const fields = without(input, param);
    const paramSchema = param
      ? { type: 'object', properties: { [param]: (input.properties as Record<string, JsonSchema>)[param] }, required: [param] }
      : undefined;
    const schema = {
      summary: operation.summary,
      description: `${operation.description} Answers compact text unless \`format=json\`; \`maxTokens\` bounds the whole answer; \`nextCursor\` pages the rest.`,
      operationId: `kg_${operation.name}`,
      tags: ['kg'],
      ...(paramSchema ? { params: paramSchema } : {}),
      ...(operation.http.method === 'GET' ? { querystring: fields } : { body: fields }),
      response: {
        200: {
          description: 'The answer: text by default, JSON with format=json',
          content: { 'text/plain': { schema: { type: 'string' } }, 'application/json': { schema: jsonSchemaOf(operation.output) } },
        },
        ...options.errors,
      },
    };
    app.route({
      method: operation.http.method,
      url: operation.http.path,
      schema,
      handler: async (request, reply) => {
        const source = (operation.http.method === 'GET' ? request.query : request.body) ?? {};
        const raw = { ...(source as Record<string, unknown>), ...(param ? { [param]: (request.params as Record<string, string>)[param] } : {}) };
        return send(reply, await service.answer(operation.name, raw));
      },
    });
  }
  return service;
}
