import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { AgentlaneError, type Logger } from '@agentlane/core';
import { buildCassette, cassettePath, readCassette, saveCassette } from '../cassette.js';
import { DEFAULT_MODELS, providerLogger } from '../http-provider.js';
import { canonicalRequest, parseRequest, requestHash, type LlmRequest } from '../request.js';
import { toUsageRecord, type CompleteOptions, type LlmProvider, type LlmResponse } from '../types.js';

export interface ReplayProviderOptions {
  /** Directory of `<hash>.json` cassettes. */
  dir: string;
  /**
   * Record mode: a request without a cassette goes to this provider and its answer is
   * written as a cassette. Requests with one are still answered from it (delete the
   * file to record it again). Unset: replay only, and a miss is LLM_CASSETTE_MISSING.
   */
  record?: LlmProvider;
  /**
   * Model for requests that name none; part of the hash. @defaultValue the recording
   * provider's default model, else `DEFAULT_MODELS.anthropic`
   */
  defaultModel?: string;
  logger?: Logger;
}

/**
 * Answers from recorded cassettes, matched by the sha256 of the canonical request.
 * A replayed answer reports the recorded token counts and costs 0 USD: nothing was spent.
 */
export function createReplayProvider(options: ReplayProviderOptions): LlmProvider {
  const dir = path.resolve(options.dir);
  const inner = options.record;
  const defaultModel = options.defaultModel ?? inner?.defaultModel ?? DEFAULT_MODELS.anthropic;
  const logger = providerLogger(options.logger, 'replay');

  return Object.freeze({
    name: 'replay' as const,
    defaultModel,
    async complete(input: LlmRequest, callOptions: CompleteOptions = {}): Promise<LlmResponse> {
      const canonical = canonicalRequest(parseRequest(input), defaultModel);
      const hash = requestHash(canonical);
      if (callOptions.signal?.aborted) {
        throw new AgentlaneError('LLM_ABORTED', 'The replay call was aborted.', { details: { provider: 'replay', requestHash: hash } });
      }
      const started = performance.now();
      const cassette = await readCassette(dir, hash);
      if (cassette) {
        const response: LlmResponse = {
          text: cassette.response.text,
          model: cassette.response.model,
          provider: 'replay',
          usage: { ...cassette.response.usage },
          costUsd: 0,
          latencyMs: Math.round(performance.now() - started),
          requestHash: hash,
          stopReason: cassette.response.stopReason,
        };
        logger.debug({ ...toUsageRecord(response) }, 'llm replay');
        callOptions.onUsage?.(toUsageRecord(response));
        return response;
      }
      if (!inner) {
        const file = cassettePath(dir, hash);
        throw new AgentlaneError(
          'LLM_CASSETTE_MISSING',
          `No cassette for LLM request ${hash} (model ${canonical.model}) in ${dir}. ` +
            'Record it by running the same step with LLM_PROVIDER=anthropic or openai, its API key and LLM_RECORD=true ' +
            `(same LLM_CASSETTE_DIR and LLM_MODEL), or write ${file} with writeCassette().`,
          { details: { requestHash: hash, model: canonical.model, dir, path: file } },
        );
      }
      // The resolved model goes to the recording provider, so its hash is this one.
      const response = await inner.complete(
        {
          model: canonical.model,
          ...(canonical.system === null ? {} : { system: canonical.system }),
          messages: canonical.messages,
          maxTokens: canonical.maxTokens,
          ...(canonical.temperature === null ? {} : { temperature: canonical.temperature }),
          ...(canonical.responseFormat === null ? {} : { responseFormat: canonical.responseFormat }),
        },
        callOptions,
      );
      const file = await saveCassette(dir, buildCassette(canonical, response));
      logger.info({ requestHash: hash, model: canonical.model, path: file }, 'llm cassette recorded');
      return response;
    },
  });
}
