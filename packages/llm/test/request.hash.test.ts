import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalRequest, requestHash, stableStringify, type LlmRequest } from '@agentlane/llm';

const messageArb = fc.record({ role: fc.constantFrom('user' as const, 'assistant' as const), content: fc.string({ maxLength: 40 }) });
const requestArb: fc.Arbitrary<LlmRequest> = fc.record(
  {
    model: fc.string({ minLength: 1, maxLength: 20 }),
    system: fc.string({ maxLength: 40 }),
    messages: fc.array(messageArb, { minLength: 1, maxLength: 4 }),
    maxTokens: fc.integer({ min: 1, max: 100_000 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    responseFormat: fc.constant('json' as const),
  },
  { requiredKeys: ['messages', 'maxTokens'] },
);

/** The same object with its keys (at every depth) inserted in the order `seed` picks. */
function shuffleKeys(value: unknown, seed: number): unknown {
  if (Array.isArray(value)) return value.map((item, i) => shuffleKeys(item, seed + i + 1));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const order = keys
    .map((key, i) => ({ key, rank: Math.sin(seed * 9301 + i * 49297) }))
    .sort((a, b) => a.rank - b.rank)
    .map(({ key }) => key);
  return Object.fromEntries(order.map((key) => [key, shuffleKeys((value as Record<string, unknown>)[key], seed * 31 + key.length)]));
}

const hashOf = (request: LlmRequest) => requestHash(canonicalRequest(request, 'default-model'));

describe('request hash', () => {
  it('does not depend on key order', () => {
    fc.assert(
      fc.property(requestArb, fc.integer({ min: 1, max: 1_000_000 }), (request, seed) => {
        const shuffled = shuffleKeys(request, seed) as LlmRequest;
        expect(hashOf(shuffled)).toBe(hashOf(request));
        expect(stableStringify(shuffled)).toBe(stableStringify(request));
      }),
    );
  });

  it('changes when any message content changes', () => {
    fc.assert(
      fc.property(requestArb, fc.nat(), fc.string({ minLength: 1, maxLength: 5 }), (request, pick, extra) => {
        const index = pick % request.messages.length;
        const messages = request.messages.map((message, i) => (i === index ? { ...message, content: message.content + extra } : message));
        expect(hashOf({ ...request, messages })).not.toBe(hashOf(request));
      }),
    );
  });

  it('changes with everything else that changes the answer', () => {
    fc.assert(
      fc.property(requestArb, (request) => {
        const base = hashOf(request);
        expect(hashOf({ ...request, model: `${request.model ?? 'default-model'}-x` })).not.toBe(base);
        expect(hashOf({ ...request, maxTokens: request.maxTokens + 1 })).not.toBe(base);
        expect(hashOf({ ...request, system: `${request.system ?? ''}!` })).not.toBe(base);
        expect(hashOf({ ...request, temperature: request.temperature === undefined ? 0.5 : undefined })).not.toBe(base);
        expect(hashOf({ ...request, responseFormat: request.responseFormat === 'json' ? undefined : 'json' })).not.toBe(base);
        const roles = request.messages.map((m) => ({ ...m, role: m.role === 'user' ? ('assistant' as const) : ('user' as const) }));
        expect(hashOf({ ...request, messages: roles })).not.toBe(base);
      }),
    );
  });

  it('resolves the default model before hashing', () => {
    const request: LlmRequest = { messages: [{ role: 'user', content: 'hi' }], maxTokens: 10 };
    expect(requestHash(canonicalRequest(request, 'm1'))).toBe(requestHash(canonicalRequest({ ...request, model: 'm1' }, 'other')));
    expect(requestHash(canonicalRequest(request, 'm1'))).not.toBe(requestHash(canonicalRequest(request, 'm2')));
  });

  it('is pinned: recorded cassettes keep matching across releases', () => {
    // If this changes, every recorded cassette stops matching: bump CanonicalRequest.v instead.
    const request: LlmRequest = { system: 's', messages: [{ role: 'user', content: 'hello' }], maxTokens: 100, temperature: 0, responseFormat: 'json' };
    expect(stableStringify(canonicalRequest(request, 'claude-sonnet-4-5'))).toBe(
      '{"maxTokens":100,"messages":[{"content":"hello","role":"user"}],"model":"claude-sonnet-4-5","responseFormat":"json","system":"s","temperature":0,"v":1}',
    );
    expect(requestHash(canonicalRequest(request, 'claude-sonnet-4-5'))).toBe(PINNED_HASH);
  });
});

// sha256 of the canonical text above, computed outside this package.
const PINNED_HASH = 'ba4eb74a6d68dc6f68807b9f0026a43ba7756a9601e7d7e753112d1f886946d3';
