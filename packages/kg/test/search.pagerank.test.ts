import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, pageRank } from '../src/index.js';

const sum = (values: Float64Array) => values.reduce((a, b) => a + b, 0);

describe('pageRank', () => {
  it('ranks a node everyone points to highest, and sums to 1', () => {
    const g = new GraphBuilder<string>();
    for (const leaf of ['a', 'b', 'c', 'd']) g.edge(leaf, 'hub');
    g.edge('hub', 'a');
    const { rank } = pageRank(g.build());
    const hub = rank[g.indexOf('hub') as number] as number;
    for (const leaf of ['b', 'c', 'd']) expect(hub).toBeGreaterThan(rank[g.indexOf(leaf) as number] as number);
    expect(sum(rank)).toBeCloseTo(1, 9);
  });

  it('is uniform on a cycle', () => {
    const g = new GraphBuilder<number>();
    for (let i = 0; i < 5; i += 1) g.edge(i, (i + 1) % 5);
    const { rank } = pageRank(g.build());
    for (const value of rank) expect(value).toBeCloseTo(0.2, 6);
  });

  it('concentrates on the personalization seeds and their neighbours', () => {
    const g = new GraphBuilder<string>();
    g.edge('seed', 'callee');
    g.edge('far1', 'far2');
    g.edge('far2', 'far1');
    const built = g.build();
    const personalization = new Float64Array(built.nodeCount);
    personalization[g.indexOf('seed') as number] = 1;
    const { rank } = pageRank(built, { personalization });
    expect(rank[g.indexOf('callee') as number]).toBeGreaterThan(0.3);
    expect(rank[g.indexOf('far1') as number]).toBe(0);
  });

  it('rejects bad options with a clear error', () => {
    const built = new GraphBuilder<number>().build();
    expect(pageRank(built).rank.length).toBe(0);
    const g = new GraphBuilder<number>();
    g.edge(1, 2);
    expect(() => pageRank(g.build(), { damping: 1 })).toThrow(/damping/);
    expect(() => pageRank(g.build(), { personalization: new Float64Array(3) })).toThrow(/personalization has 3 entries/);
  });

  it('always yields a probability distribution, whatever the graph', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }).chain((n) =>
          fc.tuple(fc.constant(n), fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.double({ min: 0.01, max: 5, noNaN: true })), { maxLength: 80 })),
        ),
        ([n, edges]) => {
          const g = new GraphBuilder<number>();
          for (let i = 0; i < n; i += 1) g.node(i);
          for (const [a, b, w] of edges) g.edge(a, b, w);
          const { rank } = pageRank(g.build());
          expect(sum(rank)).toBeCloseTo(1, 6);
          for (const value of rank) expect(value).toBeGreaterThan(0);
        },
      ),
    );
  });
});
