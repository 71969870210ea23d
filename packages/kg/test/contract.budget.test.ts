import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AgentlaneError } from '@agentlane/core';
import { fitPage, tokenCounter, type Clip } from '../src/index.js';

/** A pager over plain strings: a head line, the items, a "more" line. */
function page(items: string[], offset: number, maxTokens: number, count: (text: string) => number, head = 'head') {
  return fitPage({
    items,
    offset,
    maxTokens,
    count,
    cost: (item, _previous, clip: Clip) => clip(item),
    render: (chosen, next, clip) => [clip(head), ...chosen.map((item) => clip(item)), ...(next === null ? [] : [`more from ${next}`])].join('\n'),
  });
}

describe('fitPage: answers within the budget, whatever the items', () => {
  it('takes items in order while they fit and says where to go on', async () => {
    const count = await tokenCounter();
    const items = Array.from({ length: 500 }, (_, i) => `item number ${i}`);
    const first = page(items, 0, 200, count);
    expect(first.tokens).toBeLessThanOrEqual(200);
    expect(first.next).toBe(first.shown);
    const second = page(items, first.next as number, 200, count);
    expect(second.body.split('\n')[1]).toBe(`item number ${first.shown}`);
    expect(page(items, 0, 32_000, count).next).toBeNull();
  });

  it('clips a hostile item (1 MB, or 10k unusual characters) instead of breaking the budget or paging forever', async () => {
    const count = await tokenCounter();
    for (const hostile of ['x'.repeat(1_000_000), '\u{1F600}\u0301'.repeat(10_000), 'a b '.repeat(50_000)]) {
      const answer = page([hostile, 'next'], 0, 64, count, hostile);
      expect(answer.tokens).toBeLessThanOrEqual(64);
      expect(answer.shown).toBeGreaterThan(0);
    }
  });

  it('holds for any items and budgets (property)', async () => {
    const count = await tokenCounter();
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 400 }), { maxLength: 40 }), fc.integer({ min: 96, max: 2_000 }), (items, maxTokens) => {
        let offset = 0;
        const seen: number[] = [];
        for (let guard = 0; guard < 100; guard += 1) {
          const answer = page(items, offset, maxTokens, count);
          expect(answer.tokens).toBeLessThanOrEqual(maxTokens);
          seen.push(answer.shown);
          if (answer.next === null) break;
          expect(answer.next).toBeGreaterThan(offset);
          offset = answer.next;
        }
        expect(seen.reduce((a, b) => a + b, 0)).toBe(items.length);
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a budget nothing fits in, and an offset past the end', async () => {
    const count = await tokenCounter();
    expect(() => page(['a'], 0, 2, count, 'a long head line that cannot fit')).toThrow(AgentlaneError);
    expect(() => page(['a'], 5, 500, count)).toThrow(/past the end/);
  });
});
