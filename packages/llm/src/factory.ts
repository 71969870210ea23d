import path from 'node:path';
import { AgentlaneError, homeFor, type Config, type Logger } from '@agentlane/core';
import { mergePrices } from './pricing.js';
import { createAnthropicProvider } from './providers/anthropic.js';
import { createOpenAiProvider } from './providers/openai.js';
import { createReplayProvider } from './providers/replay.js';
import { DEFAULT_MODELS } from './http-provider.js';
import type { LlmProvider } from './types.js';

export interface CreateProviderOptions {
  /** Repository whose state directory holds the cassettes when LLM_CASSETTE_DIR is unset. @defaultValue process.cwd() */
  repoRoot?: string;
  /** Overrides LLM_CASSETTE_DIR (e.g. the demo's shipped cassettes). */
  cassetteDir?: string;
  logger?: Logger;
}

/** The cassette directory: the option, else LLM_CASSETTE_DIR, else `<state dir>/cassettes`. */
export function cassetteDirFor(config: Config, options: CreateProviderOptions = {}): string {
  if (options.cassetteDir !== undefined) return path.resolve(options.cassetteDir);
  return config.llm.cassetteDir ?? path.join(homeFor(config, options.repoRoot ?? process.cwd()), 'cassettes');
}

/**
 * The provider the configuration asks for:
 * - `LLM_PROVIDER=replay` (default): cassettes only;
 * - `anthropic` / `openai`: the API, with its key from the environment;
 * - either API with `LLM_RECORD=true`: cassettes first, the API on a miss, which is recorded.
 */
export function createProvider(config: Config, options: CreateProviderOptions = {}): LlmProvider {
  const llm = config.llm;
  const dir = cassetteDirFor(config, options);
  if (llm.provider === 'replay') {
    if (llm.record) {
      throw new AgentlaneError('CONFIG_INVALID', 'LLM_RECORD=true needs LLM_PROVIDER=anthropic or openai: the provider to record from.', {
        details: { problems: ['LLM_RECORD: needs LLM_PROVIDER=anthropic or openai'] },
      });
    }
    return createReplayProvider({ dir, defaultModel: llm.model ?? DEFAULT_MODELS.anthropic, ...(options.logger ? { logger: options.logger } : {}) });
  }
  const keyVariable = llm.provider === 'anthropic' ? 'ANTHROPIC_API_KEY' : 'OPENAI_API_KEY';
  const apiKey = llm.provider === 'anthropic' ? llm.anthropicApiKey : llm.openaiApiKey;
  if (apiKey === undefined) {
    throw new AgentlaneError('CONFIG_INVALID', `LLM_PROVIDER=${llm.provider} needs ${keyVariable}.`, {
      details: { problems: [`${keyVariable}: required when LLM_PROVIDER=${llm.provider}`] },
    });
  }
  const common = {
    apiKey,
    ...(llm.baseUrl === undefined ? {} : { baseUrl: llm.baseUrl }),
    ...(llm.model === undefined ? {} : { defaultModel: llm.model }),
    timeoutMs: llm.timeoutMs,
    maxRetries: llm.maxRetries,
    prices: mergePrices(llm.prices),
    ...(options.logger ? { logger: options.logger } : {}),
  };
  const provider = llm.provider === 'anthropic' ? createAnthropicProvider(common) : createOpenAiProvider(common);
  if (!llm.record) return provider;
  return createReplayProvider({ dir, record: provider, ...(options.logger ? { logger: options.logger } : {}) });
}
