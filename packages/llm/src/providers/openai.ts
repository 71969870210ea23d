import OpenAI from 'openai';
import { z } from 'zod';
import { mergePrices } from '../pricing.js';
import { systemPrompt } from '../request.js';
import type { LlmProvider } from '../types.js';
import {
  DEFAULT_MAX_RETRIES,
  DEFAULT_MODELS,
  DEFAULT_TIMEOUT_MS,
  InvalidAnswerError,
  defineHttpProvider,
  normalizeSdkError,
  providerLogger,
  type HttpProviderOptions,
  type ProviderAnswer,
} from '../http-provider.js';

export interface OpenAiProviderOptions extends HttpProviderOptions {
  /**
   * The body field that carries `maxTokens`. OpenAI deprecated `max_tokens` for
   * `max_completion_tokens` (which its reasoning models require), but many
   * OpenAI-compatible servers know only `max_tokens`.
   * @defaultValue 'max_completion_tokens' for OpenAI's own base URL, else 'max_tokens'
   */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
}

export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/** The part of a chat completion this layer reads (https://platform.openai.com/docs/api-reference/chat/object). */
const completionSchema = z.object({
  model: z.string(),
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullable().optional(), refusal: z.string().nullable().optional() }).passthrough(),
        finish_reason: z.string().nullable().optional(),
      }).passthrough(),
    )
    .min(1, 'no choices'),
  // Some compatible servers omit usage; the call then counts as 0 tokens.
  usage: z
    .object({ prompt_tokens: z.number().int().nonnegative(), completion_tokens: z.number().int().nonnegative() })
    .passthrough()
    .nullable()
    .optional(),
});

/** `max_completion_tokens` for OpenAI itself (its reasoning models reject `max_tokens`), `max_tokens` elsewhere. */
export function defaultMaxTokensField(baseUrl: string): 'max_tokens' | 'max_completion_tokens' {
  return baseUrl.replace(/\/+$/, '') === OPENAI_BASE_URL ? 'max_completion_tokens' : 'max_tokens';
}

/** OpenAI-compatible chat completions (`POST {baseUrl}/chat/completions`) through the official SDK. */
export function createOpenAiProvider(options: OpenAiProviderOptions): LlmProvider {
  // Explicit values (null included) keep the SDK from reading OPENAI_* variables of its own.
  const baseURL = options.baseUrl ?? OPENAI_BASE_URL;
  const client = new OpenAI({
    apiKey: options.apiKey,
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    baseURL,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    logLevel: 'off',
  });
  const maxTokensField = options.maxTokensField ?? defaultMaxTokensField(baseURL);
  const secrets = [options.apiKey];
  return defineHttpProvider({
    name: 'openai',
    defaultModel: options.defaultModel ?? DEFAULT_MODELS.openai,
    prices: options.prices ?? mergePrices(),
    logger: providerLogger(options.logger, 'openai'),
    async call(request, signal): Promise<ProviderAnswer> {
      const system = systemPrompt(request);
      const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
        ...(system === undefined ? [] : [{ role: 'system' as const, content: system }]),
        ...request.messages,
      ];
      const raw: unknown = await client.chat.completions.create(
        {
          model: request.model,
          messages,
          [maxTokensField]: request.maxTokens,
          ...(request.temperature === null ? {} : { temperature: request.temperature }),
          ...(request.responseFormat === 'json' ? { response_format: { type: 'json_object' as const } } : {}),
        },
        signal ? { signal } : {},
      );
      const parsed = completionSchema.safeParse(raw);
      if (!parsed.success) throw new InvalidAnswerError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`));
      const completion = parsed.data;
      const choice = completion.choices[0]!;
      return {
        text: choice.message.content ?? '',
        model: completion.model,
        usage: { inputTokens: completion.usage?.prompt_tokens ?? 0, outputTokens: completion.usage?.completion_tokens ?? 0 },
        stopReason: choice.finish_reason ?? null,
      };
    },
    normalizeError: (error, context) => normalizeSdkError(error, context, OpenAI, secrets),
  });
}
