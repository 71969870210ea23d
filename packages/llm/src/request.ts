import { createHash } from 'node:crypto';
import { z } from 'zod';
import { AgentlaneError } from '@agentlane/core';

/**
 * The request every provider takes. Validated once at the edge (`parseRequest`);
 * inside the package it is a plain type.
 */
export const llmRequestSchema = z
  .object({
    /** Unset: the provider's default model. */
    model: z.string().min(1).max(200).optional(),
    system: z.string().optional(),
    messages: z
      .array(z.object({ role: z.enum(['user', 'assistant']), content: z.string() }).strict())
      .min(1, 'at least one message'),
    maxTokens: z.number().int().positive().max(1_000_000),
    temperature: z.number().min(0).max(2).optional(),
    /** `json`: ask for one JSON object (OpenAI `response_format`, plus a system instruction everywhere). */
    responseFormat: z.literal('json').optional(),
  })
  .strict();

export type LlmRequest = z.infer<typeof llmRequestSchema>;
export type LlmMessage = LlmRequest['messages'][number];

/** Validate a request; LLM_REQUEST_INVALID names every problem by its path. */
export function parseRequest(input: unknown): LlmRequest {
  const parsed = llmRequestSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(request)'}: ${issue.message}`);
    throw new AgentlaneError('LLM_REQUEST_INVALID', `Invalid LLM request: ${problems.join('; ')}`, { details: { problems } });
  }
  return parsed.data;
}

/**
 * The request as it is hashed and stored in a cassette: the model resolved, every
 * optional field present (null when unset), nothing else. Everything that changes
 * the answer is in it; credentials, base URLs and timeouts are not.
 */
export interface CanonicalRequest {
  v: 1;
  model: string;
  system: string | null;
  messages: LlmMessage[];
  maxTokens: number;
  temperature: number | null;
  responseFormat: 'json' | null;
}

export function canonicalRequest(request: LlmRequest, defaultModel: string): CanonicalRequest {
  return {
    v: 1,
    model: request.model ?? defaultModel,
    system: request.system ?? null,
    messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
    maxTokens: request.maxTokens,
    temperature: request.temperature ?? null,
    responseFormat: request.responseFormat ?? null,
  };
}

/** JSON with object keys sorted at every depth, no whitespace: equal values give equal text. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    // undefined, functions and symbols have no JSON form; objects drop such keys below.
    return text === undefined ? 'null' : text;
  }
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, entry]) => entry !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${stableStringify(entry)}`).join(',')}}`;
}

/** sha256 (hex) of the canonical request: the cassette key and the request's id in usage records. */
export function requestHash(canonical: CanonicalRequest): string {
  return createHash('sha256').update(stableStringify(canonical)).digest('hex');
}

/** The instruction added to the system prompt when `responseFormat` is `json`. */
export const JSON_INSTRUCTION = 'Answer with one JSON object only: no prose before or after it, no code fences.';

export function systemPrompt(request: Pick<CanonicalRequest, 'system' | 'responseFormat'>): string | undefined {
  if (request.responseFormat !== 'json') return request.system ?? undefined;
  return request.system ? `${request.system}\n\n${JSON_INSTRUCTION}` : JSON_INSTRUCTION;
}
