import { AgentlaneError } from '@agentlane/core';
import { Webhooks } from '@octokit/webhooks';

/**
 * Check a webhook delivery's `X-Hub-Signature-256` (HMAC-SHA256 of the raw body,
 * compared in constant time by @octokit/webhooks). The body must be the
 * exact bytes received: re-serialised JSON would not match.
 */
export async function verifyWebhookSignature(secret: string, rawBody: string, signature: string | undefined): Promise<void> {
  if (!signature || !/^sha256=[0-9a-f]{64}$/.test(signature)) {
    throw new AgentlaneError('WEBHOOK_SIGNATURE_INVALID', 'Missing or malformed X-Hub-Signature-256 header');
  }
  let valid = false;
  try {
    valid = await new Webhooks({ secret }).verify(rawBody, signature);
  } catch {
    valid = false;
  }
  if (!valid) throw new AgentlaneError('WEBHOOK_SIGNATURE_INVALID', 'X-Hub-Signature-256 does not match the body');
}

/** The `X-Hub-Signature-256` value GitHub would send for this body (for local deliveries and tests). */
export function signWebhookBody(secret: string, rawBody: string): Promise<string> {
  return new Webhooks({ secret }).sign(rawBody);
}
