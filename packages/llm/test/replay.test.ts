import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentlaneError, loadConfig } from '@agentlane/core';
import {
  cassettePath,
  createAnthropicProvider,
  createOpenAiProvider,
  createProvider,
  createReplayProvider,
  writeCassette,
  type LlmRequest,
  type UsageRecord,
} from '@agentlane/llm';
import { anthropicMessage, openAiCompletion, startLoopback, type Loopback } from './loopback.js';

const KEY = 'sk-ant-test-9876543210zyxwvuSECRETKEY';
const request: LlmRequest = { system: 'Be brief.', messages: [{ role: 'user', content: 'Name a colour' }], maxTokens: 32, temperature: 0 };

let dir: string;
let servers: Loopback[] = [];
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'agentlane-llm-cassettes-'));
});
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
  await fs.rm(dir, { recursive: true, force: true });
});

async function anthropicServer(text: string): Promise<Loopback> {
  const server = await startLoopback([{ body: anthropicMessage(text) }]);
  servers.push(server);
  return server;
}

async function allCassetteText(): Promise<string> {
  const files = await fs.readdir(dir);
  return (await Promise.all(files.map((file) => fs.readFile(path.join(dir, file), 'utf8')))).join('\n');
}

describe('replay provider', () => {
  it('records a miss through the real provider, then replays it without any HTTP call', async () => {
    const server = await anthropicServer('Teal.');
    const recorder = createReplayProvider({ dir, record: createAnthropicProvider({ apiKey: KEY, baseUrl: server.url }) });
    const recorded = await recorder.complete(request);
    expect(recorded).toMatchObject({ text: 'Teal.', provider: 'anthropic' });
    expect(recorded.costUsd).toBeGreaterThan(0);
    expect(server.requests).toHaveLength(1);

    const files = await fs.readdir(dir);
    expect(files).toEqual([`${recorded.requestHash}.json`]);
    const cassette = JSON.parse(await fs.readFile(cassettePath(dir, recorded.requestHash), 'utf8')) as Record<string, unknown>;
    expect(cassette).toMatchObject({
      version: 1,
      hash: recorded.requestHash,
      request: { v: 1, model: 'claude-sonnet-5-5', system: 'Be brief.', maxTokens: 32, temperature: 0, responseFormat: null },
      response: { text: 'Teal.', model: 'claude-sonnet-5-5', provider: 'anthropic', usage: { inputTokens: 2095, outputTokens: 503 } },
    });

    // A record-mode hit does not call the API again.
    await recorder.complete(request);
    expect(server.requests).toHaveLength(1);

    const records: UsageRecord[] = [];
    const replay = createReplayProvider({ dir });
    const replayed = await replay.complete(request, { onUsage: (record) => records.push(record) });
    expect(replayed).toMatchObject({ text: 'Teal.', provider: 'replay', model: 'claude-sonnet-5-5', requestHash: recorded.requestHash, costUsd: 0 });
    expect(replayed.usage).toEqual(recorded.usage);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ provider: 'replay', tokens_in: 2095, tokens_out: 503, cost_usd: 0 });
    expect(server.requests).toHaveLength(1);
  });

  it('never writes keys, auth headers or the base URL into a cassette', async () => {
    const server = await anthropicServer('Red.');
    await createReplayProvider({ dir, record: createAnthropicProvider({ apiKey: KEY, baseUrl: server.url }) }).complete(request);
    const openai = await startLoopback([{ body: openAiCompletion('Blue.') }]);
    servers.push(openai);
    await createReplayProvider({ dir, record: createOpenAiProvider({ apiKey: KEY, baseUrl: `${openai.url}/v1` }) }).complete(request);
    const text = await allCassetteText();
    expect((await fs.readdir(dir)).length).toBe(2);
    expect(text).toContain('Red.');
    expect(text).toContain('Blue.');
    for (const forbidden of [KEY, 'x-api-key', 'authorization', 'Bearer', '127.0.0.1']) expect(text.toLowerCase()).not.toContain(forbidden.toLowerCase());
  });

  it('fails a miss with LLM_CASSETTE_MISSING naming the hash and how to record it', async () => {
    const replay = createReplayProvider({ dir });
    const error = (await replay.complete(request).catch((e: unknown) => e)) as AgentlaneError;
    expect(error).toBeInstanceOf(AgentlaneError);
    expect(error.code).toBe('LLM_CASSETTE_MISSING');
    expect(error.details.requestHash).toMatch(/^[0-9a-f]{64}$/);
    expect(error.message).toContain(error.details.requestHash as string);
    expect(error.message).toContain('LLM_RECORD=true');
    expect(error.details.path).toBe(cassettePath(dir, error.details.requestHash as string));
  });

  it('answers from a hand-written cassette (writeCassette)', async () => {
    const replay = createReplayProvider({ dir, defaultModel: 'demo-model' });
    const { hash, path: file } = await writeCassette(dir, request, { text: '{"ok":true}', usage: { inputTokens: 5, outputTokens: 3 } }, { defaultModel: replay.defaultModel });
    expect(file).toBe(cassettePath(dir, hash));
    const response = await replay.complete(request);
    expect(response).toMatchObject({ text: '{"ok":true}', model: 'demo-model', requestHash: hash, usage: { inputTokens: 5, outputTokens: 3 }, stopReason: 'end_turn' });
    // A different default model is a different request.
    await expect(createReplayProvider({ dir, defaultModel: 'other' }).complete(request)).rejects.toMatchObject({ code: 'LLM_CASSETTE_MISSING' });
  });

  it('rejects a corrupt cassette and one whose request does not hash to its name', async () => {
    const replay = createReplayProvider({ dir });
    const { hash, path: file } = await writeCassette(dir, request, { text: 'x' }, { defaultModel: replay.defaultModel });

    const cassette = JSON.parse(await fs.readFile(file, 'utf8')) as { request: { messages: Array<{ content: string }> } };
    cassette.request.messages[0]!.content = 'Name a shape';
    await fs.writeFile(file, JSON.stringify(cassette));
    const tampered = (await replay.complete(request).catch((e: unknown) => e)) as AgentlaneError;
    expect(tampered.code).toBe('LLM_CASSETTE_INVALID');

    await fs.writeFile(file, '{"version": 1, "hash": ');
    await expect(replay.complete(request)).rejects.toMatchObject({ code: 'LLM_CASSETTE_INVALID', details: { hash } });

    await fs.writeFile(file, JSON.stringify({ version: 2 }));
    await expect(replay.complete(request)).rejects.toMatchObject({ code: 'LLM_CASSETTE_INVALID' });
  });

  it('round-trips through createProvider: record with LLM_RECORD=true, replay with the defaults', async () => {
    const server = await anthropicServer('Green.');
    const recordConfig = loadConfig({
      LLM_PROVIDER: 'anthropic',
      LLM_RECORD: 'true',
      LLM_BASE_URL: server.url,
      ANTHROPIC_API_KEY: KEY,
      LLM_CASSETTE_DIR: dir,
    });
    const recorded = await createProvider(recordConfig).complete(request);
    expect(recorded.provider).toBe('anthropic');

    const replay = createProvider(loadConfig({ LLM_CASSETTE_DIR: dir }));
    expect(replay.name).toBe('replay');
    const replayed = await replay.complete(request);
    expect(replayed).toMatchObject({ text: 'Green.', provider: 'replay', requestHash: recorded.requestHash });
    expect(server.requests).toHaveLength(1);
    expect(await allCassetteText()).not.toContain(KEY);
  });

  it('honours an aborted signal', async () => {
    await expect(createReplayProvider({ dir }).complete(request, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'LLM_ABORTED' });
  });
});
