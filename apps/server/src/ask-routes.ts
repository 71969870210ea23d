import type { FastifyInstance } from 'fastify';
import { AgentlaneError } from '@agentlane/core';
import { auditTrail } from '@agentlane/gitops';
import type { Sql } from '@agentlane/store';

export interface AskRouteOptions {
  sql: Sql;
}

const askParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' } },
  required: ['id'],
} as const;

/**
 * `GET /api/asks/:id`: what became of one `/ask` (the same record as `agentlane ask
 * audit`): its status, the workflow run, the policy verdict, the pull request, its
 * checks and the last merge decision. Clients poll it after a webhook delivery.
 */
export async function registerAskRoutes(app: FastifyInstance, options: AskRouteOptions): Promise<void> {
  app.get<{ Params: { id: string } }>('/api/asks/:id', { schema: { summary: 'An /ask and what became of it: run, verdict, PR, checks, merge', params: askParams } }, async (request) => {
    const [ask] = await auditTrail(options.sql, { askId: request.params.id });
    if (!ask) throw new AgentlaneError('ASK_NOT_FOUND', `No ask ${request.params.id}`, { details: { id: request.params.id } });
    return { ask };
  });
}
