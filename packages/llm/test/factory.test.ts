import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentlaneError, loadConfig } from '@agentlane/core';
import { DEFAULT_MODELS, cassetteDirFor, createProvider } from '@agentlane/llm';

function configError(env: Record<string, string>): AgentlaneError {
  try {
    createProvider(loadConfig(env));
  } catch (error) {
    expect(error).toBeInstanceOf(AgentlaneError);
    return error as AgentlaneError;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('LLM configuration', () => {
  it('defaults to the replay provider with cassettes under the state directory', () => {
    const config = loadConfig({});
    expect(config.llm).toEqual({
      provider: 'replay',
      model: undefined,
      baseUrl: undefined,
      cassetteDir: undefined,
      record: false,
      timeoutMs: 300_000,
      maxRetries: 2,
      prices: {},
      anthropicApiKey: undefined,
      openaiApiKey: undefined,
    });
    const provider = createProvider(config, { repoRoot: '/repo' });
    expect(provider.name).toBe('replay');
    expect(provider.defaultModel).toBe(DEFAULT_MODELS.anthropic);
    expect(cassetteDirFor(config, { repoRoot: '/repo' })).toBe(path.join('/repo', '.agentlane', 'cassettes'));
    expect(cassetteDirFor(loadConfig({ LLM_CASSETTE_DIR: 'fixtures/c' }))).toBe(path.resolve('fixtures/c'));
    expect(cassetteDirFor(config, { cassetteDir: '/demo/cassettes' })).toBe('/demo/cassettes');
  });

  it('builds each provider from its variables', () => {
    expect(createProvider(loadConfig({ LLM_PROVIDER: 'anthropic', ANTHROPIC_API_KEY: 'k' })).name).toBe('anthropic');
    const openai = createProvider(loadConfig({ LLM_PROVIDER: 'openai', OPENAI_API_KEY: 'k', LLM_MODEL: 'gpt-4.1' }));
    expect([openai.name, openai.defaultModel]).toEqual(['openai', 'gpt-4.1']);
    const recording = createProvider(loadConfig({ LLM_PROVIDER: 'openai', OPENAI_API_KEY: 'k', LLM_RECORD: 'true' }));
    expect([recording.name, recording.defaultModel]).toEqual(['replay', DEFAULT_MODELS.openai]);
  });

  it('rejects missing keys and impossible combinations with CONFIG_INVALID', () => {
    const noKey = configError({ LLM_PROVIDER: 'anthropic', OPENAI_API_KEY: 'sk-other-provider-key-123456' });
    expect(noKey.code).toBe('CONFIG_INVALID');
    expect(noKey.message).toContain('ANTHROPIC_API_KEY');
    expect(noKey.message).not.toContain('sk-other-provider-key-123456');
    expect(configError({ LLM_PROVIDER: 'openai' }).message).toContain('OPENAI_API_KEY');
    expect(configError({ LLM_RECORD: 'true' }).message).toContain('LLM_RECORD');
  });

  it('rejects invalid values naming the variable, never echoing a key', () => {
    expect(() => loadConfig({ LLM_PROVIDER: 'gemini' })).toThrow(/LLM_PROVIDER/);
    expect(() => loadConfig({ LLM_BASE_URL: 'not a url' })).toThrow(/LLM_BASE_URL/);
    expect(() => loadConfig({ LLM_RECORD: 'sometimes' })).toThrow(/LLM_RECORD/);
    expect(() => loadConfig({ LLM_MAX_RETRIES: '11' })).toThrow(/LLM_MAX_RETRIES/);
    expect(() => loadConfig({ LLM_TIMEOUT_MS: '10' })).toThrow(/LLM_TIMEOUT_MS/);
    expect(() => loadConfig({ LLM_PRICES: '{nope' })).toThrow(/LLM_PRICES/);
    expect(() => loadConfig({ LLM_PRICES: '{"m": {"input": -1, "output": 2}}' })).toThrow(/LLM_PRICES/);
    let message = '';
    try {
      loadConfig({ LLM_PROVIDER: 'x', ANTHROPIC_API_KEY: 'sk-ant-secret-value-123456789' });
    } catch (error) {
      message = `${(error as Error).message} ${JSON.stringify(error)}`;
    }
    expect(message).toContain('LLM_PROVIDER');
    expect(message).not.toContain('sk-ant-secret-value-123456789');
    expect(loadConfig({ LLM_PRICES: '{"m": {"input": 1, "output": 2}}' }).llm.prices).toEqual({ m: { input: 1, output: 2 } });
  });
});
