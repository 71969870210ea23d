import type { FastifyInstance } from 'fastify';
import { AgentlaneError, coerceError } from '@agentlane/core';
import { verifyWebhookSignature, type IntakeResult } from '@agentlane/gitops';

export interface GitHubWebhookOptions {
  secret: string;
  /** Take a verified `issue_comment` delivery (the ask service's intake). */
  onIssueComment(deliveryId: string, payload: unknown): Promise<IntakeResult>;
}

/**
 * `POST /webhooks/github`: verified against `X-Hub-Signature-256` over the raw body
 * (401 on mismatch, before anything is parsed or stored), then `issue_comment`
 * deliveries go to the ask intake; `ping` is acknowledged; other events are ignored.
 * Registered in its own plugin scope, so only this route keeps bodies raw.
 */
export async function registerGitHubWebhooks(app: FastifyInstance, options: GitHubWebhookOptions): Promise<void> {
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: 5 * 1024 * 1024 }, (_request, body, done) => done(null, body));
    scope.post('/webhooks/github', { schema: { hide: true } }, async (request, reply) => {
      const raw = typeof request.body === 'string' ? request.body : '';
      const signature = request.headers['x-hub-signature-256'];
      try {
        await verifyWebhookSignature(options.secret, raw, typeof signature === 'string' ? signature : undefined);
      } catch (error) {
        const failure = coerceError(error);
        return reply.code(401).send({ error: { code: failure.code, message: failure.message } });
      }
      const event = String(request.headers['x-github-event'] ?? '');
      const delivery = String(request.headers['x-github-delivery'] ?? '');
      if (!/^[A-Za-z0-9-]{1,100}$/.test(delivery)) {
        return reply.code(400).send({ error: { code: 'HTTP_BAD_REQUEST', message: 'Missing or malformed X-GitHub-Delivery header' } });
      }
      let payload: unknown;
      try {
        payload = JSON.parse(raw);
      } catch {
        return reply.code(400).send({ error: { code: 'HTTP_BAD_REQUEST', message: 'The body is not JSON' } });
      }
      if (event === 'ping') return reply.code(200).send({ ok: true });
      if (event !== 'issue_comment') return reply.code(202).send({ status: 'ignored', reason: `event ${event || '(none)'}` });
      try {
        const result = await options.onIssueComment(delivery, payload);
        return reply.code(202).send(result.status === 'queued' ? { status: 'queued', askId: result.askId } : result);
      } catch (error) {
        const failure = error instanceof AgentlaneError ? error : coerceError(error);
        const status = failure.code === 'ASK_INVALID' ? 400 : 500;
        return reply.code(status).send({ error: { code: failure.code, message: failure.message } });
      }
    });
  });
}
