import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../src/scheduler/group-commit.js';

/**
 * GroupCommit on its own, with a run() that records every call. No database: the
 * properties are about who gets which answer, group sizes, concurrency and order.
 */

interface Item {
  id: number;
  poison: boolean;
}

const answer = (item: Item) => `r${item.id}`;
const nextImmediate = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type Outcome = { ok: true; value: string } | { ok: false; error: unknown };

function settle(promise: Promise<string>): Promise<Outcome> {
  return promise.then(
    (value): Outcome => ({ ok: true, value }),
    (error: unknown): Outcome => ({ ok: false, error }),
  );
}

/** How the next burst of submits is separated from the previous one. */
type Gap = 'sync' | 'microtask' | 'immediate' | 'timer';

interface Scenario {
  bursts: { gap: Gap; size: number; poison: boolean[] }[];
  /** Per run() call, cycled: how long that call takes (0 = resolves after a microtask). */
  latencies: number[];
  maxGroupSize: number;
  maxInFlight: number;
}

const scenarioArbitrary: fc.Arbitrary<Scenario> = fc.record({
  bursts: fc.array(
    fc.integer({ min: 1, max: 12 }).chain((size) =>
      fc.record({
        gap: fc.constantFrom<Gap>('sync', 'microtask', 'immediate', 'timer'),
        size: fc.constant(size),
        poison: fc.array(fc.boolean(), { minLength: size, maxLength: size }),
      }),
    ),
    { minLength: 1, maxLength: 8 },
  ),
  latencies: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 6 }),
  maxGroupSize: fc.integer({ min: 1, max: 8 }),
  maxInFlight: fc.integer({ min: 1, max: 4 }),
});

interface RunRecord {
  ids: number[];
  failed: boolean;
}

/** poisonEvery = 0: no poison; k: an item is poison when its burst flag is set and its id is a multiple of k. */
async function runScenario(scenario: Scenario, poisonEvery: number) {
  const runs: RunRecord[] = [];
  const returned = new Set<number>();
  let inFlight = 0;
  let peak = 0;
  let call = 0;
  const commit = new GroupCommit<Item, string>({
    maxGroupSize: scenario.maxGroupSize,
    maxInFlight: scenario.maxInFlight,
    async run(items) {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      const latency = scenario.latencies[call % scenario.latencies.length] as number;
      call += 1;
      const record: RunRecord = { ids: items.map((i) => i.id), failed: false };
      runs.push(record);
      try {
        if (latency === 0) await Promise.resolve();
        else await sleep(latency);
        if (items.some((i) => i.poison)) {
          record.failed = true;
          throw new Error(`poison in [${record.ids.join(',')}]`);
        }
        for (const item of items) returned.add(item.id);
        return items.map(answer);
      } finally {
        inFlight -= 1;
      }
    },
  });

  const items: Item[] = [];
  const outcomes: Promise<Outcome>[] = [];
  /** Ids whose promise settled before their group's run() had returned (must stay empty). */
  const early: number[] = [];
  let n = 0;
  for (const burst of scenario.bursts) {
    if (burst.gap === 'microtask') await Promise.resolve();
    else if (burst.gap === 'immediate') await nextImmediate();
    else if (burst.gap === 'timer') await sleep(1);
    for (let k = 0; k < burst.size; k += 1) {
      const item: Item = { id: n, poison: poisonEvery > 0 && (burst.poison[k] ?? false) && n % poisonEvery === 0 };
      n += 1;
      items.push(item);
      outcomes.push(
        settle(commit.submit(item)).then((outcome) => {
          if (outcome.ok && !returned.has(item.id)) early.push(item.id);
          return outcome;
        }),
      );
    }
  }
  const settled = await Promise.all(outcomes);
  return { commit, items, settled, runs, peak, early };
}

function checkScenario(scenario: Scenario, result: Awaited<ReturnType<typeof runScenario>>): void {
  const { commit, items, settled, runs, peak, early } = result;
  const seen = new Set<number>();
  const firstTime: RunRecord[] = [];
  const failedMembers = new Set<number>();
  for (const run of runs) {
    const fresh = run.ids.filter((id) => !seen.has(id));
    if (fresh.length === run.ids.length) {
      firstTime.push(run);
      expect(run.ids.length, `group [${run.ids.join(',')}] is larger than maxGroupSize ${scenario.maxGroupSize}`).toBeLessThanOrEqual(scenario.maxGroupSize);
      expect(run.ids.length, 'a group is never empty').toBeGreaterThan(0);
      if (run.failed && run.ids.length > 1) for (const id of run.ids) failedMembers.add(id);
    } else {
      // A retry: one item, alone, from a group that failed as a whole.
      expect(run.ids.length, `a retry run carries exactly one item, got [${run.ids.join(',')}]`).toBe(1);
      expect(failedMembers.has(run.ids[0] as number), `item ${run.ids[0]} was retried but its group did not fail`).toBe(true);
    }
    for (const id of run.ids) seen.add(id);
  }
  // Every item goes out exactly once as part of a group, groups in FIFO order, each group in submission order.
  expect(firstTime.flatMap((r) => r.ids), 'groups, concatenated in the order they were run, are the submission order').toEqual(items.map((i) => i.id));
  expect(peak, `at most maxInFlight=${scenario.maxInFlight} run() calls at once`).toBeLessThanOrEqual(scenario.maxInFlight);
  expect(early, 'no promise resolves before the run() carrying its item has returned').toEqual([]);
  // Each caller gets its own outcome: the answer to its own item, or the poison's error.
  settled.forEach((outcome, i) => {
    const item = items[i] as Item;
    if (item.poison) {
      expect(outcome.ok, `poison item ${item.id} must reject`).toBe(false);
      if (!outcome.ok) expect((outcome.error as Error).message).toBe(`poison in [${item.id}]`);
    } else {
      expect(outcome, `item ${item.id} must resolve with its own result`).toEqual({ ok: true, value: answer(item) });
    }
  });
  // Retried items were each run alone exactly once more.
  for (const id of failedMembers) expect(runs.filter((r) => r.ids.length === 1 && r.ids[0] === id).length, `item ${id} retried once alone`).toBe(1);
  expect(commit.stats).toEqual({
    groups: firstTime.length,
    items: items.length,
    splits: firstTime.filter((r) => r.failed && r.ids.length > 1).length,
  });
  expect(commit.pending).toEqual({ waiting: 0, inFlight: 0 });
}

describe('GroupCommit properties', () => {
  it('every submit settles once with its own result; groups respect size, concurrency and order', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, async (scenario) => {
        checkScenario(scenario, await runScenario(scenario, 0));
      }),
      { numRuns: 60 },
    );
  });

  it('a failing group is retried item by item: only the poison items reject', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArbitrary, fc.integer({ min: 1, max: 4 }), async (scenario, poisonEvery) => {
        const result = await runScenario(scenario, poisonEvery);
        checkScenario(scenario, result);
        const poisoned = result.items.filter((i) => i.poison).length;
        expect(result.settled.filter((o) => !o.ok).length, 'rejections = poison items').toBe(poisoned);
      }),
      { numRuns: 60 },
    );
  });
});

describe('GroupCommit', () => {
  it('sends an idle submit at once, alone', async () => {
    const groups: string[][] = [];
    const commit = new GroupCommit<string, string>({
      run: async (items) => {
        groups.push([...items]);
        return items.map((i) => i.toUpperCase());
      },
    });
    const started = Date.now();
    await expect(commit.submit('a')).resolves.toBe('A');
    expect(Date.now() - started, 'no waiting for other traffic').toBeLessThan(100);
    expect(groups).toEqual([['a']]);
    expect(commit.stats).toEqual({ groups: 1, items: 1, splits: 0 });
    expect(commit.pending).toEqual({ waiting: 0, inFlight: 0 });
    // And again, later, on an idle instance.
    await expect(commit.submit('b')).resolves.toBe('B');
    expect(groups).toEqual([['a'], ['b']]);
  });

  it('puts submits of the same tick in one group', async () => {
    const groups: number[][] = [];
    const commit = new GroupCommit<number, number>({
      run: async (items) => {
        groups.push([...items]);
        return items.map((i) => i * 10);
      },
    });
    const results = await Promise.all([1, 2, 3, 4].map((i) => commit.submit(i)));
    expect(results).toEqual([10, 20, 30, 40]);
    expect(groups).toEqual([[1, 2, 3, 4]]);
  });

  it('gathers submits that arrive while the in-flight slots are taken into the next group', async () => {
    const groups: number[][] = [];
    let release: (() => void) | undefined;
    const commit = new GroupCommit<number, number>({
      maxInFlight: 1,
      run: async (items) => {
        groups.push([...items]);
        if (items[0] === 0) await new Promise<void>((resolve) => (release = resolve));
        return [...items];
      },
    });
    const first = commit.submit(0);
    await nextImmediate();
    expect(groups).toEqual([[0]]);
    const later: Promise<number>[] = [];
    for (let i = 1; i <= 5; i += 1) {
      later.push(commit.submit(i));
      await nextImmediate();
    }
    expect(commit.pending, 'five waiting behind the one group in flight').toEqual({ waiting: 5, inFlight: 1 });
    release?.();
    expect(await first).toBe(0);
    expect(await Promise.all(later)).toEqual([1, 2, 3, 4, 5]);
    expect(groups).toEqual([[0], [1, 2, 3, 4, 5]]);
  });

  it('defaults to groups of at most 64 and at most 4 in flight', async () => {
    const sizes: number[] = [];
    let inFlight = 0;
    let peak = 0;
    const commit = new GroupCommit<number, number>({
      run: async (items) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        sizes.push(items.length);
        await sleep(2);
        inFlight -= 1;
        return [...items];
      },
    });
    const all = Array.from({ length: 300 }, (_, i) => commit.submit(i));
    expect(await Promise.all(all)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(sizes, 'the first four groups go out at once, full').toEqual([64, 64, 64, 64, 44]);
    expect(peak).toBe(4);
  });

  it('clamps maxGroupSize and maxInFlight below 1 to 1', async () => {
    const groups: number[][] = [];
    let inFlight = 0;
    let peak = 0;
    const commit = new GroupCommit<number, number>({
      maxGroupSize: 0,
      maxInFlight: -3,
      run: async (items) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        groups.push([...items]);
        await Promise.resolve();
        inFlight -= 1;
        return [...items];
      },
    });
    expect(await Promise.all([1, 2, 3].map((i) => commit.submit(i)))).toEqual([1, 2, 3]);
    expect(groups).toEqual([[1], [2], [3]]);
    expect(peak).toBe(1);
  });

  it('a group that throws is split: the bad item fails alone, the others succeed', async () => {
    const calls: string[][] = [];
    const commit = new GroupCommit<string, string>({
      run: async (items) => {
        calls.push([...items]);
        if (items.includes('bad')) throw new Error('bad item');
        return items.map((i) => `${i}!`);
      },
    });
    const outcomes = await Promise.all(['a', 'bad', 'c'].map((i) => settle(commit.submit(i))));
    expect(outcomes[0]).toEqual({ ok: true, value: 'a!' });
    expect(outcomes[1]).toMatchObject({ ok: false, error: { message: 'bad item' } });
    expect(outcomes[2]).toEqual({ ok: true, value: 'c!' });
    expect(calls).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
    expect(commit.stats).toEqual({ groups: 1, items: 3, splits: 1 });
  });

  it('a group of one that throws rejects that caller without a split', async () => {
    const commit = new GroupCommit<string, string>({
      run: async () => {
        throw new Error('down');
      },
    });
    await expect(commit.submit('x')).rejects.toThrow('down');
    expect(commit.stats).toEqual({ groups: 1, items: 1, splits: 0 });
    expect(commit.pending).toEqual({ waiting: 0, inFlight: 0 });
  });

  it('handles a run() that throws synchronously', async () => {
    const commit = new GroupCommit<number, number>({
      run: (items) => {
        if (items.includes(2)) throw new Error('sync throw');
        return Promise.resolve([...items]);
      },
    });
    const outcomes = await Promise.all([1, 2, 3].map((i) => commit.submit(i).then((v) => v, (e: Error) => e.message)));
    expect(outcomes).toEqual([1, 'sync throw', 3]);
  });

  it('never mis-assigns results when run() answers with the wrong number of them', async () => {
    // Too few for a group, right when alone: the group is split and each caller gets its own.
    const calls: number[][] = [];
    const short = new GroupCommit<number, string>({
      run: async (items) => {
        calls.push([...items]);
        return items.length > 1 ? items.slice(1).map((i) => `v${i}`) : items.map((i) => `v${i}`);
      },
    });
    expect(await Promise.all([1, 2, 3].map((i) => short.submit(i)))).toEqual(['v1', 'v2', 'v3']);
    expect(calls).toEqual([[1, 2, 3], [1], [2], [3]]);
    expect(short.stats.splits).toBe(1);

    // Always one too many: every caller is rejected, none gets someone else's result.
    const long = new GroupCommit<number, string>({ run: async (items) => ['extra', ...items.map((i) => `v${i}`)] });
    const outcomes = await Promise.all([1, 2, 3].map((i) => settle(long.submit(i))));
    for (const outcome of outcomes) {
      expect(outcome.ok, 'a wrong-length answer must reject').toBe(false);
      if (!outcome.ok) expect((outcome.error as Error).message).toMatch(/group commit: 1 item but 2 results/);
    }
    // A single submit with a wrong-length answer rejects too.
    await expect(long.submit(9)).rejects.toThrow(/group commit: 1 items but 2 results/);
  });

  it('keeps serving after failures', async () => {
    let fail = true;
    const commit = new GroupCommit<number, number>({
      run: async (items) => {
        if (fail) throw new Error('transient');
        return items.map((i) => i + 1);
      },
    });
    await expect(commit.submit(1)).rejects.toThrow('transient');
    fail = false;
    expect(await Promise.all([1, 2].map((i) => commit.submit(i)))).toEqual([2, 3]);
    expect(commit.pending).toEqual({ waiting: 0, inFlight: 0 });
  });
});
