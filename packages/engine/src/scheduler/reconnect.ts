import { AgentlaneError, isAgentlaneError, redactSecrets } from '@agentlane/core';

/**
 * Losing the database is an environment problem (exit 3), not an internal error: during a
 * PostgreSQL restart, failover or network cut, statements fail with connection errors
 * (the driver's ECONNREFUSED/ECONNRESET, "Connection terminated", SQLSTATE class 08,
 * 57P01–57P03 admin/crash shutdown and "cannot connect now", or a database that is not
 * accepting connections). Callers that can wait retry them with bounded backoff
 * (`retryConnectionLoss`); what still fails is reported as DB_CONNECT_FAILED.
 */
const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
const SQLSTATES = new Set(['57P01', '57P02', '57P03']);
const MESSAGES = /connection terminated|terminating connection|not currently accepting connections|the database system is (starting up|shutting down|in recovery)|server closed the connection|connection is not open|client has encountered a connection error|Client was closed/i;

export function isConnectionLoss(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e !== null && e !== undefined && !seen.has(e); e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    if (isAgentlaneError(e) && e.code === 'DB_CONNECT_FAILED') return true;
    const code = (e as { code?: unknown }).code;
    const pgCode = isAgentlaneError(e) ? (e.details as { pgCode?: unknown } | undefined)?.pgCode : undefined;
    for (const c of [code, pgCode]) {
      if (typeof c !== 'string') continue;
      if (NODE_CODES.has(c) || SQLSTATES.has(c) || /^08[0-9A-Z]{3}$/.test(c)) return true;
    }
    if (e instanceof Error && MESSAGES.test(e.message)) return true;
  }
  return false;
}

export function connectionLost(error: unknown, what: string): AgentlaneError {
  if (isAgentlaneError(error) && error.code === 'DB_CONNECT_FAILED') return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AgentlaneError('DB_CONNECT_FAILED', `Lost the database connection ${what}: ${redactSecrets(message)}`, { cause: error });
}

export interface RetryOptions {
  /** Give up once the connection has been failing this long. */
  budgetMs: number;
  /** What was being done, for the error message ("while waiting for job …"). */
  what: string;
  /** @defaultValue 100, doubling to 2000 */
  initialDelayMs?: number;
  signal?: AbortSignal;
}

/**
 * Run `attempt` until it settles without a connection loss. `attempt` gets `progressed`,
 * to call whenever it got something from the database: the budget counts from the first
 * failure since the last progress. Other errors pass through unchanged.
 */
export async function retryConnectionLoss<T>(attempt: (progressed: () => void) => Promise<T>, options: RetryOptions): Promise<T> {
  let failingSince: number | undefined;
  let delay = options.initialDelayMs ?? 100;
  const progressed = () => {
    failingSince = undefined;
    delay = options.initialDelayMs ?? 100;
  };
  for (;;) {
    try {
      return await attempt(progressed);
    } catch (error) {
      if (!isConnectionLoss(error) || options.signal?.aborted) throw isConnectionLoss(error) ? connectionLost(error, options.what) : error;
      failingSince ??= Date.now();
      if (Date.now() - failingSince >= options.budgetMs) throw connectionLost(error, `${options.what} (no reconnect within ${options.budgetMs} ms)`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }
}
