import { performance } from 'node:perf_hooks';
import { AgentlaneError, redactSecrets, silentLogger, type ErrorCode, type Logger } from '@agentlane/core';
import { computeCost, priceFor, type PriceTable } from './pricing.js';
import { canonicalRequest, parseRequest, requestHash, type CanonicalRequest, type LlmRequest } from './request.js';
import { toUsageRecord, type CompleteOptions, type LlmProvider, type LlmResponse, type LlmUsage, type ProviderName } from './types.js';

/** What a provider's transport returns for one call, before accounting. */
export interface ProviderAnswer {
  text: string;
  model: string;
  usage: LlmUsage;
  stopReason: string | null;
}

/** Options both HTTP providers take. */
export interface HttpProviderOptions {
  apiKey: string;
  /** API base URL. Default: the vendor's. */
  baseUrl?: string;
  /** Model for requests that name none. Default: `DEFAULT_MODELS[provider]`. */
  defaultModel?: string;
  /** Per-attempt timeout. @defaultValue 300_000 */
  timeoutMs?: number;
  /** Retries on 408/409/429/5xx and connection errors; the SDK backs off and honours retry-after. @defaultValue 2 */
  maxRetries?: number;
  /** @defaultValue BUILTIN_PRICES */
  prices?: PriceTable;
  /** Gets one debug line per call (model, hash, tokens, cost, latency) and never a key or a prompt. */
  logger?: Logger;
}

/** Models used when neither the request nor LLM_MODEL names one. */
export const DEFAULT_MODELS = {
  anthropic: 'claude-sonnet-5-5',
  // Not a reasoning model, so `temperature` works; OpenAI-compatible servers need LLM_MODEL anyway.
  openai: 'gpt-4.1-mini',
} as const satisfies Record<Exclude<ProviderName, 'replay'>, string>;

export const DEFAULT_TIMEOUT_MS = 300_000;
export const DEFAULT_MAX_RETRIES = 2;

interface HttpProviderSpec {
  name: Exclude<ProviderName, 'replay'>;
  defaultModel: string;
  prices: PriceTable;
  logger: Logger;
  call(request: CanonicalRequest, signal: AbortSignal | undefined): Promise<ProviderAnswer>;
  normalizeError(error: unknown, context: CallContext): AgentlaneError;
}

export interface CallContext {
  provider: ProviderName;
  model: string;
  requestHash: string;
  signal: AbortSignal | undefined;
}

/**
 * The part every HTTP provider shares: validate at the edge, resolve the model, hash,
 * time, price, log, report usage. Providers supply only the transport and the error mapping.
 */
export function defineHttpProvider(spec: HttpProviderSpec): LlmProvider {
  return Object.freeze({
    name: spec.name,
    defaultModel: spec.defaultModel,
    async complete(input: LlmRequest, options: CompleteOptions = {}): Promise<LlmResponse> {
      const canonical = canonicalRequest(parseRequest(input), spec.defaultModel);
      const hash = requestHash(canonical);
      const context: CallContext = { provider: spec.name, model: canonical.model, requestHash: hash, signal: options.signal };
      const started = performance.now();
      let answer: ProviderAnswer;
      try {
        answer = await spec.call(canonical, options.signal);
      } catch (error) {
        const normalized = spec.normalizeError(error, context);
        spec.logger.warn({ provider: spec.name, model: canonical.model, requestHash: hash, code: normalized.code }, 'llm call failed');
        throw normalized;
      }
      const response: LlmResponse = {
        text: answer.text,
        model: answer.model,
        provider: spec.name,
        usage: answer.usage,
        // Priced by the model asked for when the answering snapshot is unknown to the table.
        costUsd: computeCost(answer.usage, priceFor(answer.model, spec.prices) ?? priceFor(canonical.model, spec.prices)),
        latencyMs: Math.round(performance.now() - started),
        requestHash: hash,
        stopReason: answer.stopReason,
      };
      spec.logger.debug({ ...toUsageRecord(response) }, 'llm call');
      options.onUsage?.(toUsageRecord(response));
      return response;
    },
  });
}

/** A provider answered 2xx with a body that does not have the documented shape. */
export class InvalidAnswerError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.slice(0, 5).join('; '));
    this.name = 'InvalidAnswerError';
  }
}

/** The error classes of a Stainless-generated SDK (`@anthropic-ai/sdk` and `openai` share the design). */
export interface SdkErrorClasses {
  APIError: new (...args: never[]) => Error;
  APIUserAbortError: new (...args: never[]) => Error;
  APIConnectionError: new (...args: never[]) => Error;
  APIConnectionTimeoutError: new (...args: never[]) => Error;
}

const MAX_MESSAGE = 300;

/**
 * Map anything an SDK call throws to a stable code. The SDK error is not kept as
 * `cause`: it carries the response body, which some APIs use to echo (parts of) the
 * key. What is kept is scrubbed of every secret the provider knows.
 */
export function normalizeSdkError(error: unknown, context: CallContext, classes: SdkErrorClasses, secrets: readonly string[]): AgentlaneError {
  if (error instanceof AgentlaneError) return error;
  if (error instanceof InvalidAnswerError) {
    return new AgentlaneError('LLM_RESPONSE_INVALID', scrub(`${context.provider} answered with an unexpected shape: ${error.message}`, secrets), {
      details: { provider: context.provider, model: context.model, requestHash: context.requestHash, problems: error.problems },
    });
  }
  const base = { provider: context.provider, model: context.model, requestHash: context.requestHash };
  const fail = (code: ErrorCode, message: string, extra: Record<string, unknown> = {}) =>
    new AgentlaneError(code, scrub(message, secrets), { details: { ...base, ...extra } });

  if (error instanceof classes.APIUserAbortError || context.signal?.aborted) {
    return fail('LLM_ABORTED', `The ${context.provider} call was aborted.`);
  }
  if (error instanceof classes.APIConnectionTimeoutError) {
    return fail('LLM_TIMEOUT', `The ${context.provider} call timed out on every attempt.`);
  }
  if (error instanceof classes.APIConnectionError) {
    const cause = (error as { cause?: unknown }).cause;
    const reason = cause instanceof Error ? `: ${cause.message}` : '';
    return fail('LLM_CONNECTION_FAILED', `${context.provider} could not be reached${reason}`);
  }
  if (error instanceof classes.APIError) {
    const status = (error as { status?: unknown }).status;
    const { message, type } = apiErrorBody((error as { error?: unknown }).error);
    const headers = (error as { headers?: unknown }).headers;
    const requestId = headers instanceof Headers ? (headers.get('request-id') ?? headers.get('x-request-id')) : null;
    const extra = { status, type: type ?? null, requestId };
    const text = `${context.provider} answered ${String(status)}${type ? ` (${type})` : ''}: ${message ?? error.message}`;
    if (typeof status !== 'number') return fail('LLM_RESPONSE_INVALID', text, extra);
    if (status === 401 || status === 403) return fail('LLM_AUTH_FAILED', text, extra);
    if (status === 429) return fail('LLM_RATE_LIMITED', text, extra);
    if (status >= 500) return fail('LLM_PROVIDER_UNAVAILABLE', text, extra);
    return fail('LLM_REQUEST_REJECTED', text, extra);
  }
  // A 200 whose body announces JSON but is not: the SDK's response.json() throws.
  if (error instanceof SyntaxError) {
    return fail('LLM_RESPONSE_INVALID', `${context.provider} answered with malformed JSON: ${error.message}`);
  }
  const message = error instanceof Error ? error.message : String(error);
  return fail('INTERNAL', `The ${context.provider} call failed: ${message}`);
}

/** Anthropic nests `{type, error: {type, message}}`; the openai SDK hands over `{message, type, code}`. */
function apiErrorBody(body: unknown): { message: string | undefined; type: string | undefined } {
  if (!body || typeof body !== 'object') return { message: undefined, type: undefined };
  const record = body as Record<string, unknown>;
  const inner = record.error && typeof record.error === 'object' ? (record.error as Record<string, unknown>) : record;
  return {
    message: typeof inner.message === 'string' ? inner.message : undefined,
    type: typeof inner.type === 'string' ? inner.type : typeof inner.code === 'string' ? inner.code : undefined,
  };
}

/** Remove every known secret (and anything that looks like a credential), and bound the length. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('***');
  out = redactSecrets(out);
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE)}…` : out;
}

export function providerLogger(logger: Logger | undefined, name: ProviderName): Logger {
  return (logger ?? silentLogger).child({ component: `llm.${name}` });
}
