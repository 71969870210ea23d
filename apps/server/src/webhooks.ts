import type { FastifyInstance } from 'fastify';
import { AgentlaneError, type Logger } from '@agentlane/core';
import { isCheckEvent, verifyWebhookSignature, type CheckEvent, type CheckEventResult, type IntakeResult } from '@agentlane/gitops';
import { PUBLIC_ROUTE } from './auth.js';
import { sendError } from './reply.js';

export interface GitHubWebhookOptions {
  secret: string;
  /**
   * Take a verified `issue_comment` delivery (the ask service's intake). It refuses
   * deliveries of other repositories (`WEBHOOK_REPOSITORY_MISMATCH`, 403) and takes
   * each comment once, whatever the delivery id.
   */
  onIssueComment(deliveryId: string, payload: unknown): Promise<IntakeResult>;
  /**
   * Take a verified `check_run`, `check_suite`, `workflow_run` or `pull_request` delivery:
   * the merge decision is made again for that head. Unset: those events are ignored.
   */
  onCheckEvent?(event: CheckEvent, deliveryId: string, payload: unknown): Promise<CheckEventResult>;
  logger?: Logger;
}

const DELIVERY_ID = /^[A-Za-z0-9-]{1,100}$/;

/**
 * `POST /webhooks/github`: verified against `X-Hub-Signature-256` over the raw body
 * (401 on mismatch, before anything is parsed or stored), then `issue_comment`
 * deliveries go to the ask intake, check and pull request events to the merge decision;
 * `ping` is acknowledged; other events are ignored.
 * Registered in its own plugin scope, so only this route keeps bodies raw. The route
 * is public (no API token: GitHub cannot send one); the HMAC is its authentication.
 * Every error goes through the server's one error reply.
 */
export async function registerGitHubWebhooks(app: FastifyInstance, options: GitHubWebhookOptions): Promise<void> {
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 5 * 1024 * 1024 }, (_request, body, done) => done(null, body));
    scope.post('/webhooks/github', { ...PUBLIC_ROUTE, schema: { hide: true } }, async (request, reply) => {
      const raw = typeof request.body === 'string' ? request.body : '';
      const signature = request.headers['x-hub-signature-256'];
      try {
        await verifyWebhookSignature(options.secret, raw, typeof signature === 'string' ? signature : undefined);
        const event = String(request.headers['x-github-event'] ?? '');
        const delivery = String(request.headers['x-github-delivery'] ?? '');
        if (!DELIVERY_ID.test(delivery)) throw new AgentlaneError('HTTP_BAD_REQUEST', 'Missing or malformed X-GitHub-Delivery header');
        let payload: unknown;
        try {
          payload = JSON.parse(raw);
        } catch {
          throw new AgentlaneError('HTTP_BAD_REQUEST', 'The body is not JSON');
        }
        if (event === 'ping') return reply.code(200).send({ ok: true });
        if (isCheckEvent(event) && options.onCheckEvent) return reply.code(202).send(await options.onCheckEvent(event, delivery, payload));
        if (event !== 'issue_comment') return reply.code(202).send({ status: 'ignored', reason: 'event not handled' });
        const result = await options.onIssueComment(delivery, payload);
        return reply.code(202).send(result.status === 'queued' ? { status: 'queued', askId: result.askId } : result);
      } catch (error) {
        return sendError(reply, error, options.logger);
      }
    });
  });
}
