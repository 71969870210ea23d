import type { LlmRequest } from './request.js';

export type ProviderName = 'anthropic' | 'openai' | 'replay';

export interface LlmUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface LlmResponse {
  text: string;
  /** The model that answered, as the provider names it (often a dated snapshot). */
  model: string;
  /** Who answered: `replay` when a cassette did. */
  provider: ProviderName;
  usage: LlmUsage;
  /** USD for this call; `null` when the model has no price; 0 for a replayed answer. */
  costUsd: number | null;
  latencyMs: number;
  /** sha256 of the canonical request (the cassette key). */
  requestHash: string;
  /** Why generation stopped (`end_turn`, `max_tokens`, `stop`, `length`, …); null if not given. */
  stopReason: string | null;
}

/**
 * What one call cost, in the shape of `engine_v2.job_task_attempts` (tokens_in,
 * tokens_out, cost_usd) plus what identifies the call.
 */
export interface UsageRecord {
  provider: ProviderName;
  model: string;
  requestHash: string;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number | null;
  latency_ms: number;
}

export interface CompleteOptions {
  signal?: AbortSignal;
  /** Called once per answered call (not for calls that fail), e.g. to write the engine attempt's usage. */
  onUsage?: (record: UsageRecord) => void;
}

export interface LlmProvider {
  readonly name: ProviderName;
  /** The model used when a request names none. */
  readonly defaultModel: string;
  complete(request: LlmRequest, options?: CompleteOptions): Promise<LlmResponse>;
}

export function toUsageRecord(response: LlmResponse): UsageRecord {
  return {
    provider: response.provider,
    model: response.model,
    requestHash: response.requestHash,
    tokens_in: response.usage.inputTokens,
    tokens_out: response.usage.outputTokens,
    cost_usd: response.costUsd,
    latency_ms: response.latencyMs,
  };
}

/** Totals over several calls (e.g. a structured answer and its retry); cost is null if any call's is. */
export function sumUsage(responses: readonly LlmResponse[]): { tokens_in: number; tokens_out: number; cost_usd: number | null } {
  let tokensIn = 0;
  let tokensOut = 0;
  let cost: number | null = 0;
  for (const response of responses) {
    tokensIn += response.usage.inputTokens;
    tokensOut += response.usage.outputTokens;
    cost = cost === null || response.costUsd === null ? null : cost + response.costUsd;
  }
  return { tokens_in: tokensIn, tokens_out: tokensOut, cost_usd: cost === null ? null : Math.round(cost * 1e9) / 1e9 };
}
