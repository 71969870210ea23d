/**
 * Notifiers: how the lane tells someone it stopped itself. A notifier is a small
 * factory behind one interface; the lane file picks the webhook (a JSON POST
 * with a Slack-compatible `text`), tests use a loopback server. The URL itself
 * may hold a token, so it never reaches a log, an event or an error message.
 */
import type { NotifierSpec } from './lane-file.js';

export interface LaneNotification {
  kind: 'lane_stopped' | 'health_check_failed';
  lane: string;
  runId: string;
  text: string;
  details: Record<string, unknown>;
}

export interface Notifier {
  /** A secret-free name for the records (`webhook https://hooks.example.com`). */
  readonly name: string;
  notify(notification: LaneNotification): Promise<void>;
}

export interface WebhookOptions {
  /** @defaultValue 10000 ms */
  timeoutMs?: number;
}

export function webhookNotifier(url: string, options: WebhookOptions = {}): Notifier {
  const origin = new URL(url).origin;
  return {
    name: `webhook ${origin}`,
    async notify(notification) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': 'agentlane-lane' },
          body: JSON.stringify({ ...notification, source: 'agentlane' }),
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (error) {
        throw new Error(`webhook ${origin} unreachable: ${(error as Error).name === 'TimeoutError' ? 'timed out' : (error as Error).message}`);
      }
      await response.body?.cancel();
      if (!response.ok) throw new Error(`webhook ${origin} answered ${response.status}`);
    },
  };
}

export function notifierFor(spec: NotifierSpec): Notifier | null {
  return spec.type === 'webhook' ? webhookNotifier(spec.url) : null;
}
