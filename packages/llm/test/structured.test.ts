import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AgentlaneError } from '@agentlane/core';
import {
  canonicalRequest,
  completeStructured,
  createAnthropicProvider,
  parseStructuredText,
  requestHash,
  type LlmProvider,
  type LlmRequest,
  type LlmResponse,
} from '@agentlane/llm';
import { anthropicMessage, startLoopback, type Loopback } from './loopback.js';

/** A shape like the LLM Response JSON contract v1 (summary, plan, evidence refs). */
const contract = z
  .object({
    summary: z.string().min(1),
    plan: z.array(z.string()).min(1),
    evidence: z.array(z.object({ ref: z.string() })).default([]),
  })
  .strict();

const request: LlmRequest = { system: 'You plan changes.', messages: [{ role: 'user', content: 'CONTEXT_JSON: {"cell":"hello-s5"}' }], maxTokens: 500 };

/** An LlmProvider that answers from a script and keeps every request it got. */
function scripted(texts: string[], options: { costUsd?: number | null; stopReason?: string } = {}): LlmProvider & { requests: LlmRequest[] } {
  const requests: LlmRequest[] = [];
  return {
    name: 'replay',
    defaultModel: 'scripted',
    requests,
    async complete(input): Promise<LlmResponse> {
      requests.push(input);
      const text = texts[requests.length - 1];
      if (text === undefined) throw new Error('script exhausted: more calls than expected');
      return {
        text,
        model: 'scripted',
        provider: 'replay',
        usage: { inputTokens: 100, outputTokens: 10 },
        costUsd: options.costUsd === undefined ? 0.001 : options.costUsd,
        latencyMs: 1,
        requestHash: requestHash(canonicalRequest(input, 'scripted')),
        stopReason: options.stopReason ?? 'end_turn',
      };
    },
  };
}

const good = JSON.stringify({ summary: 'Add a report', plan: ['write reports/x.md'] });

describe('parseStructuredText', () => {
  it('parses bare JSON and the first fenced block, with or without the json tag', () => {
    expect(parseStructuredText(good, contract)).toEqual({ ok: true, value: { summary: 'Add a report', plan: ['write reports/x.md'], evidence: [] } });
    expect(parseStructuredText(`Here it is:\n\`\`\`json\n${good}\n\`\`\`\nDone.`, contract).ok).toBe(true);
    expect(parseStructuredText(`\`\`\`\n${good}\n\`\`\``, contract).ok).toBe(true);
    expect(parseStructuredText(`  \n${good}\n `, contract).ok).toBe(true);
  });

  it('reports JSON errors and schema issues by path', () => {
    const notJson = parseStructuredText('Sure! I will do that.', contract);
    expect(notJson).toMatchObject({ ok: false, issues: [expect.stringContaining('not valid JSON')] });
    const wrong = parseStructuredText(JSON.stringify({ summary: '', plan: [1], extra: true }), contract);
    expect(wrong.ok).toBe(false);
    const issues = wrong.ok ? [] : wrong.issues;
    expect(issues).toEqual(expect.arrayContaining([expect.stringMatching(/^summary: /), expect.stringMatching(/^plan\.0: /), expect.stringContaining('extra')]));
  });
});

describe('completeStructured', () => {
  it('returns the first answer when it satisfies the schema, asking for JSON', async () => {
    const provider = scripted([good]);
    const result = await completeStructured(provider, request, contract);
    expect(result.value.summary).toBe('Add a report');
    expect(result.responses).toHaveLength(1);
    expect(provider.requests[0]!.responseFormat).toBe('json');
    expect(result.usage).toEqual({ tokens_in: 100, tokens_out: 10, cost_usd: 0.001 });
  });

  it('retries once with the bad answer and the validation error, and returns the second answer', async () => {
    const bad = JSON.stringify({ summary: 'Add a report', plan: 'write it' });
    const provider = scripted([bad, `\`\`\`json\n${good}\n\`\`\``]);
    const result = await completeStructured(provider, request, contract);

    expect(result.value.plan).toEqual(['write reports/x.md']);
    expect(provider.requests).toHaveLength(2);
    const retry = provider.requests[1]!;
    expect(retry.system).toBe(request.system);
    expect(retry.messages.slice(0, 1)).toEqual(request.messages);
    expect(retry.messages[1]).toEqual({ role: 'assistant', content: bad });
    expect(retry.messages[2]!.role).toBe('user');
    expect(retry.messages[2]!.content).toMatch(/^Your previous answer does not satisfy the required JSON format:\n- plan: Expected array, received string/);
    expect(result.responses.map((r) => r.requestHash)).toEqual([
      requestHash(canonicalRequest({ ...request, responseFormat: 'json' }, 'scripted')),
      requestHash(canonicalRequest(retry, 'scripted')),
    ]);
    expect(result.response).toBe(result.responses[1]);
    expect(result.usage).toEqual({ tokens_in: 200, tokens_out: 20, cost_usd: 0.002 });
  });

  it('mentions the token limit when the first answer was cut off', async () => {
    const provider = scripted(['{"summary": "Add', good], { stopReason: 'max_tokens' });
    await completeStructured(provider, request, contract);
    expect(provider.requests[1]!.messages.at(-1)!.content).toContain('cut off at the token limit');
  });

  it('fails with LLM_OUTPUT_INVALID after the second bad answer, keeping issues and usage but not the text', async () => {
    const provider = scripted(['not json at all', JSON.stringify({ summary: 'x', plan: [], token: 'sk-live-abcdefghijklmnopqrstuv' })], { costUsd: null });
    const error = (await completeStructured(provider, request, contract).catch((e: unknown) => e)) as AgentlaneError;
    expect(error).toBeInstanceOf(AgentlaneError);
    expect(error.code).toBe('LLM_OUTPUT_INVALID');
    expect(provider.requests).toHaveLength(2);
    expect(error.details).toMatchObject({
      attempts: 2,
      issues: expect.arrayContaining([expect.stringMatching(/^plan: /), expect.stringContaining('token')]),
      firstIssues: ["(answer): not valid JSON (unexpected 'o')"],
      usage: { tokens_in: 200, tokens_out: 20, cost_usd: null },
    });
    expect(error.details.requestHashes).toHaveLength(2);
    const serialized = JSON.stringify(error);
    expect(serialized).not.toContain('not json at all');
    expect(serialized).not.toContain('sk-live-abcdefghijklmnopqrstuv');
  });

  it('does not retry when the provider call itself fails', async () => {
    const provider = scripted([]);
    await expect(completeStructured(provider, request, contract)).rejects.toThrow('script exhausted');
    expect(provider.requests).toHaveLength(1);
  });
});

describe('completeStructured over HTTP', () => {
  let server: Loopback | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('sends the retry conversation to the API', async () => {
    server = await startLoopback([{ body: anthropicMessage('{"summary": 1}') }, { body: anthropicMessage(good) }]);
    const provider = createAnthropicProvider({ apiKey: 'sk-ant-test-key-000000000000', baseUrl: server.url });
    const result = await completeStructured(provider, request, contract);
    expect(result.value.summary).toBe('Add a report');
    const second = server.requests[1]!.json as { messages: Array<{ role: string; content: string }>; system: string };
    expect(second.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(second.messages[1]!.content).toBe('{"summary": 1}');
    expect(second.messages[2]!.content).toContain('summary: Expected string, received number');
    expect(second.system).toContain('Answer with one JSON object only');
    expect(result.usage.cost_usd).toBeCloseTo(2 * 0.00922, 12);
  });
});
