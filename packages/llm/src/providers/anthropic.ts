import Anthropic from '@anthropic-ai/sdk';
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

export type AnthropicProviderOptions = HttpProviderOptions;

export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com';

/** The part of a Messages API response this layer reads (https://docs.anthropic.com/en/api/messages). */
const messageSchema = z.object({
  model: z.string(),
  content: z.array(z.object({ type: z.string(), text: z.string().optional() }).passthrough()),
  stop_reason: z.string().nullable().optional(),
  usage: z.object({ input_tokens: z.number().int().nonnegative(), output_tokens: z.number().int().nonnegative() }).passthrough(),
});

/** Anthropic Messages API (`POST {baseUrl}/v1/messages`) through the official SDK. */
export function createAnthropicProvider(options: AnthropicProviderOptions): LlmProvider {
  // Every option is passed explicitly so the SDK reads no ANTHROPIC_* variable of its own:
  // the core config schema is the one place configuration comes from.
  const client = new Anthropic({
    apiKey: options.apiKey,
    authToken: null,
    baseURL: options.baseUrl ?? ANTHROPIC_BASE_URL,
    timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxRetries: options.maxRetries ?? DEFAULT_MAX_RETRIES,
    logLevel: 'off',
  });
  const secrets = [options.apiKey];
  return defineHttpProvider({
    name: 'anthropic',
    defaultModel: options.defaultModel ?? DEFAULT_MODELS.anthropic,
    prices: options.prices ?? mergePrices(),
    logger: providerLogger(options.logger, 'anthropic'),
    async call(request, signal): Promise<ProviderAnswer> {
      const system = systemPrompt(request);
      const raw: unknown = await client.messages.create(
        {
          model: request.model,
          max_tokens: request.maxTokens,
          messages: request.messages,
          ...(system === undefined ? {} : { system }),
          ...(request.temperature === null ? {} : { temperature: request.temperature }),
        },
        signal ? { signal } : {},
      );
      const parsed = messageSchema.safeParse(raw);
      if (!parsed.success) throw new InvalidAnswerError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`));
      const message = parsed.data;
      return {
        text: message.content.map((block) => (block.type === 'text' ? (block.text ?? '') : '')).join(''),
        model: message.model,
        usage: { inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens },
        stopReason: message.stop_reason ?? null,
      };
    },
    normalizeError: (error, context) => normalizeSdkError(error, context, Anthropic, secrets),
  });
}
