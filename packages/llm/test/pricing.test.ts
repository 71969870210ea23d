import { describe, expect, it } from 'vitest';
import { loadConfig } from '@agentlane/core';
import { BUILTIN_PRICES, computeCost, createProvider, mergePrices, priceFor, sumUsage, type LlmResponse } from '@agentlane/llm';
import { openAiCompletion, startLoopback } from './loopback.js';

describe('price table', () => {
  it('prices exact names, dated snapshots and -latest aliases, and nothing fuzzier', () => {
    expect(priceFor('claude-sonnet-4-5')).toEqual({ input: 3, output: 15 });
    expect(priceFor('claude-sonnet-4-5-20250929')).toEqual({ input: 3, output: 15 });
    expect(priceFor('claude-sonnet-4-20250514')).toEqual({ input: 3, output: 15 });
    expect(priceFor('gpt-4o-2024-08-06')).toEqual({ input: 2.5, output: 10 });
    expect(priceFor('gpt-4o-mini-2024-07-18')).toEqual({ input: 0.15, output: 0.6 });
    expect(priceFor('claude-3-5-haiku-latest')).toEqual({ input: 0.8, output: 4 });
    expect(priceFor('claude-opus-4-5')).toEqual({ input: 5, output: 25 });
    expect(priceFor('claude-sonnet-5-5')).toEqual({ input: 2, output: 10 });
    expect(priceFor('claude-opus-5-5')).toEqual({ input: 4, output: 20 });
    // Not a prefix match: an unknown newer model is unknown, not priced as its family.
    expect(priceFor('claude-opus-4-7')).toBeUndefined();
    expect(priceFor('claude-sonnet-5-6')).toBeUndefined();
    expect(priceFor('gpt-4o-audio-preview')).toBeUndefined();
    expect(priceFor('llama3')).toBeUndefined();
  });

  it('computes USD per call from per-million prices', () => {
    expect(computeCost({ inputTokens: 1_000_000, outputTokens: 1_000_000 }, { input: 3, output: 15 })).toBe(18);
    expect(computeCost({ inputTokens: 2095, outputTokens: 503 }, BUILTIN_PRICES['claude-sonnet-4-5'])).toBe(0.01383);
    expect(computeCost({ inputTokens: 19, outputTokens: 10 }, BUILTIN_PRICES['gpt-4o-mini'])).toBe(0.00000885);
    expect(computeCost({ inputTokens: 1, outputTokens: 0 }, { input: 0.1, output: 0.4 })).toBe(0.0000001);
    expect(computeCost({ inputTokens: 0, outputTokens: 0 }, { input: 3, output: 15 })).toBe(0);
    expect(computeCost({ inputTokens: 10, outputTokens: 10 }, undefined)).toBeNull();
  });

  it('lets overrides replace and extend the built-in table', () => {
    const table = mergePrices({ 'gpt-4o': { input: 1, output: 2 }, 'local-llama': { input: 0, output: 0 } });
    expect(priceFor('gpt-4o', table)).toEqual({ input: 1, output: 2 });
    expect(priceFor('local-llama', table)).toEqual({ input: 0, output: 0 });
    expect(priceFor('claude-sonnet-4-5', table)).toEqual({ input: 3, output: 15 });
    expect(Object.isFrozen(table)).toBe(true);
  });

  it('sums usage over calls; an unknown cost makes the total unknown', () => {
    const call = (costUsd: number | null): LlmResponse => ({
      text: '',
      model: 'm',
      provider: 'replay',
      usage: { inputTokens: 7, outputTokens: 3 },
      costUsd,
      latencyMs: 0,
      requestHash: 'h',
      stopReason: null,
    });
    expect(sumUsage([call(0.1), call(0.2)])).toEqual({ tokens_in: 14, tokens_out: 6, cost_usd: 0.3 });
    expect(sumUsage([call(0.1), call(null)]).cost_usd).toBeNull();
    expect(sumUsage([])).toEqual({ tokens_in: 0, tokens_out: 0, cost_usd: 0 });
  });

  it('applies LLM_PRICES from the environment to calls', async () => {
    const server = await startLoopback([{ body: openAiCompletion('hi', { model: 'local-llama' }) }]);
    try {
      const config = loadConfig({
        LLM_PROVIDER: 'openai',
        OPENAI_API_KEY: 'sk-local-0000000000000000',
        LLM_BASE_URL: `${server.url}/v1`,
        LLM_MODEL: 'local-llama',
        LLM_PRICES: JSON.stringify({ 'local-llama': { input: 1, output: 100 } }),
      });
      const response = await createProvider(config).complete({ messages: [{ role: 'user', content: 'x' }], maxTokens: 5 });
      // 19 × $1/M + 10 × $100/M
      expect(response.costUsd).toBe(0.001019);
      expect((server.requests[0]!.json as { model: string }).model).toBe('local-llama');
    } finally {
      await server.close();
    }
  });
});
