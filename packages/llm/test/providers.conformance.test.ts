import util from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentlaneError } from '@agentlane/core';
import {
  canonicalRequest,
  createAnthropicProvider,
  createOpenAiProvider,
  defaultMaxTokensField,
  requestHash,
  type HttpProviderOptions,
  type LlmProvider,
  type LlmRequest,
  type UsageRecord,
} from '@agentlane/llm';
import {
  anthropicError,
  anthropicMessage,
  captureLogger,
  deadUrl,
  openAiCompletion,
  openAiError,
  startLoopback,
  type Loopback,
  type ReceivedRequest,
  type Reply,
} from './loopback.js';

// Not shaped like a vendor key, so only the provider's own scrubbing can hide it (redactSecrets knows sk-…).
const KEY = 'loopback-key-0123456789-SECRET';

/** What differs between the two HTTP providers; every test below runs on both. */
interface ProviderFixture {
  name: 'anthropic' | 'openai';
  make(url: string, options?: Partial<HttpProviderOptions>): LlmProvider;
  path: string;
  ok(text: string): Record<string, unknown>;
  usage: { inputTokens: number; outputTokens: number };
  model: string;
  /** USD for `usage` at the model's built-in price. */
  cost: number;
  error(type: string, message: string): Record<string, unknown>;
  checkAuth(headers: ReceivedRequest['headers']): void;
}

const fixtures: ProviderFixture[] = [
  {
    name: 'anthropic',
    make: (url, options = {}) => createAnthropicProvider({ apiKey: KEY, baseUrl: url, maxRetries: 2, ...options }),
    path: '/v1/messages',
    ok: (text) => anthropicMessage(text),
    usage: { inputTokens: 2095, outputTokens: 503 },
    model: 'claude-sonnet-5-5',
    // 2095 × $2/M + 503 × $10/M
    cost: 0.00922,
    error: anthropicError,
    checkAuth(headers) {
      // @anthropic-ai/sdk 1.x speaks API version 2026-10-21, which takes the key as a
      // bearer token (0.x sent `x-api-key` with 2023-06-01). A new SDK major changing
      // the version fails here on purpose: response shapes may change with it.
      expect(headers['anthropic-version']).toBe('2026-10-21');
      expect(headers.authorization).toBe(`Bearer ${KEY}`);
      expect(headers['x-api-key']).toBeUndefined();
    },
  },
  {
    name: 'openai',
    make: (url, options = {}) => createOpenAiProvider({ apiKey: KEY, baseUrl: `${url}/v1`, maxRetries: 2, ...options }),
    path: '/v1/chat/completions',
    ok: (text) => openAiCompletion(text),
    usage: { inputTokens: 19, outputTokens: 10 },
    model: 'gpt-4o-mini-2024-07-18',
    // 19 × $0.15/M + 10 × $0.60/M
    cost: 0.00000885,
    error: (type, message) => openAiError(type, message),
    checkAuth(headers) {
      expect(headers.authorization).toBe(`Bearer ${KEY}`);
      expect(headers['x-api-key']).toBeUndefined();
    },
  },
];

const request: LlmRequest = { messages: [{ role: 'user', content: 'Say hello' }], maxTokens: 64 };

let servers: Loopback[] = [];
async function serve(replies: Reply[]): Promise<Loopback> {
  const server = await startLoopback(replies);
  servers.push(server);
  return server;
}
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

async function failure(promise: Promise<unknown>): Promise<AgentlaneError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgentlaneError);
  return error as AgentlaneError;
}

describe.each(fixtures)('$name provider (conformance)', (fixture) => {
  it('posts to the documented path with the documented auth headers and reads text, usage and cost', async () => {
    const server = await serve([{ body: fixture.ok('Hello!') }]);
    const provider = fixture.make(server.url);
    const records: UsageRecord[] = [];
    const response = await provider.complete(request, { onUsage: (record) => records.push(record) });

    expect(server.requests).toHaveLength(1);
    const received = server.requests[0]!;
    expect(received.method).toBe('POST');
    expect(received.path).toBe(fixture.path);
    expect(received.headers['content-type']).toContain('application/json');
    fixture.checkAuth(received.headers);

    expect(response).toMatchObject({ text: 'Hello!', model: fixture.model, provider: fixture.name, usage: fixture.usage, stopReason: expect.any(String) });
    expect(response.costUsd).toBeCloseTo(fixture.cost, 12);
    expect(response.latencyMs).toBeGreaterThanOrEqual(0);
    expect(response.requestHash).toBe(requestHash(canonicalRequest(request, provider.defaultModel)));
    expect(records).toEqual([
      {
        provider: fixture.name,
        model: fixture.model,
        requestHash: response.requestHash,
        tokens_in: fixture.usage.inputTokens,
        tokens_out: fixture.usage.outputTokens,
        cost_usd: response.costUsd,
        latency_ms: response.latencyMs,
      },
    ]);
  });

  it('retries a 429 after the retry-after delay and then succeeds', async () => {
    const server = await serve([
      { status: 429, headers: { 'retry-after': '1' }, body: fixture.error('rate_limit_error', 'slow down') },
      { body: fixture.ok('after the wait') },
    ]);
    const response = await fixture.make(server.url).complete(request);
    expect(response.text).toBe('after the wait');
    expect(server.requests).toHaveLength(2);
    // retry-after: 1 (seconds) was honoured, not the SDK's 0.5 s default backoff.
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it('gives up on repeated 5xx after maxRetries with LLM_PROVIDER_UNAVAILABLE', async () => {
    const server = await serve([{ status: 500, headers: { 'retry-after-ms': '10' }, body: fixture.error('api_error', 'Internal server error') }]);
    const error = await failure(fixture.make(server.url, { maxRetries: 2 }).complete(request));
    expect(error.code).toBe('LLM_PROVIDER_UNAVAILABLE');
    expect(error.details).toMatchObject({ provider: fixture.name, status: 500, type: 'api_error' });
    expect(server.requests).toHaveLength(3);
  });

  it('maps 429 after every retry to LLM_RATE_LIMITED', async () => {
    const server = await serve([{ status: 429, headers: { 'retry-after-ms': '10' }, body: fixture.error('rate_limit_error', 'slow down') }]);
    const error = await failure(fixture.make(server.url, { maxRetries: 1 }).complete(request));
    expect(error.code).toBe('LLM_RATE_LIMITED');
    expect(server.requests).toHaveLength(2);
  });

  it('does not retry a 400 and maps it to LLM_REQUEST_REJECTED', async () => {
    const server = await serve([{ status: 400, body: fixture.error('invalid_request_error', 'max_tokens: too large') }]);
    const error = await failure(fixture.make(server.url).complete(request));
    expect(error.code).toBe('LLM_REQUEST_REJECTED');
    expect(error.message).toContain('max_tokens: too large');
    expect(server.requests).toHaveLength(1);
  });

  it('maps malformed JSON and an unexpected shape to LLM_RESPONSE_INVALID', async () => {
    const server = await serve([{ raw: '{"id": "msg_01", "content": [' }, { body: { hello: 'world' } }]);
    const provider = fixture.make(server.url, { maxRetries: 0 });
    expect((await failure(provider.complete(request))).code).toBe('LLM_RESPONSE_INVALID');
    const shape = await failure(provider.complete(request));
    expect(shape.code).toBe('LLM_RESPONSE_INVALID');
    expect(shape.details.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^(model|content|choices)/)]));
  });

  it('stops when the caller aborts, with LLM_ABORTED', async () => {
    const server = await serve([{ hang: true }]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await failure(fixture.make(server.url).complete(request, { signal: controller.signal }));
    expect(error.code).toBe('LLM_ABORTED');
    expect(server.requests).toHaveLength(1);

    const already = await failure(fixture.make(server.url).complete(request, { signal: AbortSignal.abort() }));
    expect(already.code).toBe('LLM_ABORTED');
  });

  it('times out with LLM_TIMEOUT', async () => {
    const server = await serve([{ hang: true }]);
    const error = await failure(fixture.make(server.url, { timeoutMs: 150, maxRetries: 0 }).complete(request));
    expect(error.code).toBe('LLM_TIMEOUT');
  });

  it('reports an unreachable endpoint as LLM_CONNECTION_FAILED', async () => {
    const error = await failure(fixture.make(await deadUrl(), { maxRetries: 0 }).complete(request));
    expect(error.code).toBe('LLM_CONNECTION_FAILED');
  });

  it('validates the request before any HTTP call (LLM_REQUEST_INVALID)', async () => {
    const server = await serve([{ body: fixture.ok('never') }]);
    const provider = fixture.make(server.url);
    const error = await failure(provider.complete({ messages: [], maxTokens: 0 } as LlmRequest));
    expect(error.code).toBe('LLM_REQUEST_INVALID');
    expect(error.details.problems).toEqual(expect.arrayContaining([expect.stringContaining('messages'), expect.stringContaining('maxTokens')]));
    await expect(provider.complete({ ...request, tools: [] } as unknown as LlmRequest)).rejects.toMatchObject({ code: 'LLM_REQUEST_INVALID' });
    expect(server.requests).toHaveLength(0);
  });

  it('never lets the API key reach an error, its JSON, a log line or the provider object', async () => {
    // The body echoes the key, as some APIs do on a 401.
    const server = await serve([{ status: 401, body: fixture.error('authentication_error', `invalid x-api-key ${KEY}`) }]);
    const { logger, lines } = captureLogger();
    const provider = fixture.make(server.url, { logger });
    const error = await failure(provider.complete(request));
    expect(error.code).toBe('LLM_AUTH_FAILED');
    expect(error.message).toContain('invalid x-api-key');
    const surfaces = [error.message, error.stack ?? '', JSON.stringify(error), JSON.stringify(error.details), util.inspect(error, { depth: 10 }), String(error.cause ?? '')];

    const ok = await serve([{ body: fixture.ok('fine') }]);
    const good = fixture.make(ok.url, { logger });
    await good.complete(request);
    surfaces.push(lines.join(''), JSON.stringify(provider), util.inspect(provider, { depth: 10, showHidden: true }));
    expect(lines.length).toBeGreaterThan(0);
    for (const surface of surfaces) expect(surface).not.toContain(KEY);
  });
});

describe('anthropic request body', () => {
  it('sends model, max_tokens, messages, system and temperature as the Messages API names them', async () => {
    const server = await serve([{ body: anthropicMessage('{}') }]);
    await createAnthropicProvider({ apiKey: KEY, baseUrl: server.url, defaultModel: 'claude-haiku-4-5' }).complete({
      system: 'You are terse.',
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: 'c' },
      ],
      maxTokens: 100,
      temperature: 0.2,
      responseFormat: 'json',
    });
    const body = server.requests[0]!.json as Record<string, unknown>;
    expect(body).toMatchObject({
      model: 'claude-haiku-4-5',
      max_tokens: 100,
      temperature: 0.2,
      messages: [
        { role: 'user', content: 'a' },
        { role: 'assistant', content: 'b' },
        { role: 'user', content: 'c' },
      ],
    });
    expect(body.system).toMatch(/^You are terse\.\n\nAnswer with one JSON object only/);
    expect(body.stream).toBeFalsy();
  });

  it('omits system and temperature when unset and joins text blocks', async () => {
    const server = await serve([{ body: anthropicMessage('', { content: [{ type: 'text', text: 'one ' }, { type: 'text', text: 'two' }] }) }]);
    const response = await createAnthropicProvider({ apiKey: KEY, baseUrl: server.url }).complete(request);
    const body = server.requests[0]!.json as Record<string, unknown>;
    expect(body).not.toHaveProperty('system');
    expect(body).not.toHaveProperty('temperature');
    expect(body.model).toBe('claude-sonnet-5-5');
    expect(response.text).toBe('one two');
  });

  it('treats 529 overloaded as LLM_PROVIDER_UNAVAILABLE', async () => {
    const server = await serve([{ status: 529, body: anthropicError('overloaded_error', 'Overloaded') }]);
    const error = await failure(createAnthropicProvider({ apiKey: KEY, baseUrl: server.url, maxRetries: 0 }).complete(request));
    expect(error.code).toBe('LLM_PROVIDER_UNAVAILABLE');
    expect(error.details.type).toBe('overloaded_error');
  });
});

describe('openai request body', () => {
  it('puts the system prompt first, asks for json_object and sends max_tokens', async () => {
    const server = await serve([{ body: openAiCompletion('{}') }]);
    await createOpenAiProvider({ apiKey: KEY, baseUrl: `${server.url}/v1` }).complete({
      model: 'gpt-4.1',
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'a' }],
      maxTokens: 100,
      temperature: 0,
      responseFormat: 'json',
    });
    const body = server.requests[0]!.json as Record<string, unknown>;
    expect(body).toMatchObject({ model: 'gpt-4.1', max_tokens: 100, temperature: 0, response_format: { type: 'json_object' } });
    const messages = body.messages as Array<{ role: string; content: string }>;
    expect(messages[0]!.role).toBe('system');
    expect(messages[0]!.content).toMatch(/^You are terse\.\n\nAnswer with one JSON object only/);
    expect(messages.slice(1)).toEqual([{ role: 'user', content: 'a' }]);
  });

  it('sends max_completion_tokens to OpenAI itself and max_tokens to other endpoints by default', () => {
    expect(defaultMaxTokensField('https://api.openai.com/v1')).toBe('max_completion_tokens');
    expect(defaultMaxTokensField('https://api.openai.com/v1/')).toBe('max_completion_tokens');
    expect(defaultMaxTokensField('http://127.0.0.1:11434/v1')).toBe('max_tokens');
  });

  it('can send max_completion_tokens instead, and counts a missing usage as 0 tokens', async () => {
    const server = await serve([{ body: openAiCompletion('hi', { usage: undefined, model: 'local-model' }) }]);
    const response = await createOpenAiProvider({ apiKey: KEY, baseUrl: `${server.url}/v1`, maxTokensField: 'max_completion_tokens' }).complete({
      ...request,
      model: 'local-model',
    });
    const body = server.requests[0]!.json as Record<string, unknown>;
    expect(body.max_completion_tokens).toBe(64);
    expect(body).not.toHaveProperty('max_tokens');
    expect(body).not.toHaveProperty('response_format');
    expect(response.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
    // `local-model` has no price: the cost is unknown, not 0.
    expect(response.costUsd).toBeNull();
  });
});
