import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentlaneError } from '@agentlane/core';
import {
  DEFAULT_WORKFLOW_DOCUMENT,
  defaultWorkflow,
  downstreamOf,
  evaluateCondition,
  findCycle,
  loadWorkflow,
  parseShorthand,
  parseWorkflow,
  parseWorkflowText,
  progressPercent,
  simulate,
  sinks,
  topologicalOrder,
  toDocument,
  upstreamOf,
  validateDag,
} from '../src/index.js';
import { tempDir } from './support/engine.js';

function failure(fn: () => unknown): AgentlaneError {
  try {
    fn();
  } catch (error) {
    if (error instanceof AgentlaneError) return error;
    throw error;
  }
  throw new Error('expected an AgentlaneError');
}

const task = (key: string, extra: Record<string, unknown> = {}) => ({ key, role: 'r', agent: 'noop', ...extra });

describe('workflow validation at submit time', () => {
  it('names the cycle in the error, with a stable code', () => {
    const error = failure(() =>
      parseWorkflow({ tasks: [task('a'), task('b'), task('c'), task('d')], dependencies: [['d', 'a'], ['a', 'b'], ['b', 'c'], ['c', 'a']] }),
    );
    expect(error.code).toBe('ENGINE_WORKFLOW_CYCLE');
    expect(error.message).toContain('a → b → c → a');
    expect(error.details.cycle).toEqual(['a', 'b', 'c', 'a']);
  });

  it('rejects unknown keys, self-edges, duplicate keys and duplicate edges, listing every problem', () => {
    const error = failure(() =>
      parseWorkflow({ tasks: [task('a'), task('a'), task('b')], dependencies: [['a', 'zz'], ['b', 'b'], ['a', 'b'], ['a', 'b']] }),
    );
    expect(error.code).toBe('ENGINE_WORKFLOW_INVALID');
    expect(error.details.problems).toEqual([
      'task key "a" is used twice',
      'dependency [a, zz] names unknown task "zz"',
      'task "b" depends on itself',
      'dependency [a, b] is listed twice',
    ]);
  });

  it('rejects unknown properties, shell-string commands and bad values with their paths', () => {
    const error = failure(() =>
      parseWorkflow({ tasks: [{ ...task('a'), max_attempt: 3 }, { ...task('b', { agent: 'exec' }), command: 'rm -rf /' }, task('c', { weight: -1, timeout: 'soon' })] }),
    );
    expect(error.code).toBe('ENGINE_WORKFLOW_INVALID');
    const problems = (error.details.problems as string[]).join('\n');
    expect(problems).toContain('tasks.0: unknown property max_attempt');
    expect(problems).toContain('tasks.1.command: must be an argv array');
    expect(problems).toContain('tasks.2.weight');
    expect(problems).toContain('tasks.2.timeout: must be a duration');
  });

  it('requires skip_if to read only upstream tasks, and skip_downstream to have skip_if', () => {
    const error = failure(() =>
      parseWorkflow({
        tasks: [task('a'), task('b', { skip_if: 'c.x == 1' }), task('c'), task('d', { skip_downstream: true })],
        dependencies: [['a', 'b'], ['b', 'c']],
      }),
    );
    expect(error.details.problems).toEqual(['task "b": skip_if reads "c", which is not upstream of it', 'task "d": skip_downstream needs skip_if']);
  });

  it('parses YAML with durations, defaults and shorthand conditions', () => {
    const workflow = parseWorkflowText(
      [
        'name: review',
        'timeout: 2m',
        'tasks:',
        '  - {key: lint, role: qa, agent: exec, command: [node, lint.js], timeout: 1.5s}',
        '  - key: fix',
        '    role: builder',
        '    agent: noop',
        "    skip_if: 'lint.errors == 0'",
        'dependencies:',
        '  - [lint, fix]',
      ].join('\n'),
    );
    expect(workflow.timeoutMs).toBe(120_000);
    expect(workflow.tasks[0]).toMatchObject({ key: 'lint', maxAttempts: 2, weight: 1, label: 'lint', timeoutMs: 1500, command: ['node', 'lint.js'] });
    expect(workflow.tasks[1]?.skipIf).toEqual({ task: 'lint', path: 'errors', equals: 0 });
    expect(parseWorkflow(toDocument(workflow))).toEqual(workflow);
  });

  it('rejects YAML with duplicate keys and unreadable text', () => {
    expect(failure(() => parseWorkflowText('name: a\nname: b\ntasks: []')).code).toBe('ENGINE_WORKFLOW_INVALID');
    expect(failure(() => parseWorkflowText('{', { format: 'json' })).code).toBe('ENGINE_WORKFLOW_INVALID');
  });

  it('loads files and built-ins, with clear errors for missing ones', () => {
    const dir = tempDir('wf');
    fs.writeFileSync(path.join(dir, 'w.json'), JSON.stringify({ tasks: [task('only')] }));
    const loaded = loadWorkflow(path.join(dir, 'w.json'));
    expect(loaded.sourceDir).toBe(dir);
    expect(loadWorkflow('builtin:default').tasks).toHaveLength(7);
    expect(failure(() => loadWorkflow(path.join(dir, 'missing.yaml'))).code).toBe('ENGINE_WORKFLOW_INVALID');
    expect(failure(() => loadWorkflow('builtin:nope')).message).toContain('builtin:default');
  });

  it('ships the seed default workflow as data', () => {
    const workflow = defaultWorkflow();
    expect(workflow.tasks.map((t) => [t.key, t.role, t.weight, t.maxAttempts])).toEqual([
      ['intent', 'planner', 1, 2], ['plan', 'planner', 2, 2], ['codegen', 'builder', 5, 2], ['asset', 'asset', 4, 2],
      ['qa_review', 'qa', 2, 1], ['fix', 'builder', 2, 2], ['publish_prep', 'publisher', 1, 1],
    ]);
    expect(workflow.dependencies).toEqual(DEFAULT_WORKFLOW_DOCUMENT.dependencies);
  });
});

describe('conditions', () => {
  const outputs = new Map<string, unknown>([['intent', { intent: 'chat' }], ['qa', { issues: 0, list: [{ sev: 'high' }] }]]);

  it('compares paths of upstream outputs, missing values never equal anything', () => {
    expect(evaluateCondition({ task: 'intent', path: 'intent', equals: 'chat' }, outputs)).toBe(true);
    expect(evaluateCondition({ task: 'qa', path: 'issues', lte: 0 }, outputs)).toBe(true);
    expect(evaluateCondition({ task: 'qa', path: 'list.0.sev', in: ['high', 'mid'] }, outputs)).toBe(true);
    expect(evaluateCondition({ task: 'qa', path: 'nope', equals: null }, outputs)).toBe(false);
    expect(evaluateCondition({ task: 'gone', exists: false }, outputs)).toBe(true);
    expect(evaluateCondition({ all: [{ task: 'qa', path: 'issues', equals: 0 }, { not: { task: 'intent', path: 'intent', equals: 'edit' } }] }, outputs)).toBe(true);
    expect(evaluateCondition({ any: [{ task: 'qa', path: 'issues', gt: 0 }, { task: 'qa', path: 'list', equals: [{ sev: 'high' }] }] }, outputs)).toBe(true);
  });

  it('reads only own data properties', () => {
    expect(evaluateCondition({ task: 'qa', path: 'issues.toString', exists: true }, outputs)).toBe(false);
    expect(() => parseWorkflow({ tasks: [task('a'), task('b', { skip_if: { task: 'a', path: '__proto__.x', equals: 1 } })], dependencies: [['a', 'b']] })).toThrow(/__proto__/);
  });

  it('reads the shorthand', () => {
    expect(parseShorthand("intent.intent == 'chat'")).toEqual({ task: 'intent', path: 'intent', equals: 'chat' });
    expect(parseShorthand('qa.issues >= 2')).toEqual({ task: 'qa', path: 'issues', gte: 2 });
    expect(parseShorthand('qa.done != true')).toEqual({ task: 'qa', path: 'done', not_equals: true });
    expect(parseShorthand('qa.issues > many')).toBe('> needs a number');
    expect(parseShorthand('process.exit()')).toMatch(/must look like/);
  });
});

/** Random DAGs: edges only from lower to higher index, so acyclic by construction. */
const dagArbitrary = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.tuple(
    fc.constant(n),
    n === 1
      ? fc.constant([] as [number, number][])
      : fc.uniqueArray(
          fc.tuple(fc.nat(n - 2), fc.nat(n - 2)).map(([a, d]): [number, number] => [Math.min(a, n - 2), Math.min(n - 1, a + 1 + (d % (n - 1 - a)))]),
          { selector: ([a, b]) => `${a}-${b}`, maxLength: 30 },
        ),
  ),
);

describe('DAG rules (properties)', () => {
  it('orders every edge forwards, and a back edge always yields a named cycle', () => {
    fc.assert(
      fc.property(dagArbitrary, fc.nat(), ([n, pairs], pick) => {
        const keys = Array.from({ length: n }, (_, i) => `t${i}`);
        const edges = pairs.map(([a, b]) => [`t${a}`, `t${b}`] as const);
        expect(validateDag(keys, edges)).toEqual([]);
        const order = topologicalOrder(keys, edges);
        const position = new Map(order.map((k, i) => [k, i]));
        for (const [a, b] of edges) expect(position.get(a)).toBeLessThan(position.get(b) as number);
        if (edges.length > 0) {
          const [a, b] = edges[pick % edges.length] as readonly [string, string];
          const cycle = findCycle(keys, [...edges, [b, a]]);
          expect(cycle).not.toBeNull();
          const path = cycle as string[];
          expect(path[0]).toBe(path.at(-1));
          for (let i = 0; i + 1 < path.length; i += 1) {
            expect([...edges, [b, a]].some(([x, y]) => x === path[i] && y === path[i + 1])).toBe(true);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('simulates: failures cancel exactly their downstream, skips satisfy successors', () => {
    fc.assert(
      fc.property(dagArbitrary, fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), ([n, pairs], fails) => {
        const keys = Array.from({ length: n }, (_, i) => `t${i}`);
        const edges = pairs.map(([a, b]) => [`t${a}`, `t${b}`] as const);
        const states = simulate(keys, edges, (key) => ({ status: fails[Number(key.slice(1))] ? 'failed' : 'succeeded' }), () => undefined);
        const failed = keys.filter((k) => states.get(k)?.status === 'failed');
        const expectedCanceled = new Set(failed.flatMap((k) => [...downstreamOf(k, keys, edges)]));
        for (const key of keys) {
          const status = states.get(key)?.status;
          if (expectedCanceled.has(key)) expect(status).toBe('canceled');
          else expect(status).toBe(fails[Number(key.slice(1))] ? 'failed' : 'succeeded');
        }
        const skipped = simulate(keys, edges, () => ({ status: 'succeeded' }), (key) => ({ holds: key === 't0', cascade: false, reason: 'x' }));
        for (const key of keys) expect(skipped.get(key)?.status).toBe(key === 't0' ? 'skipped' : 'succeeded');
        expect(upstreamOf(keys.at(-1) as string, keys, edges).has(keys.at(-1) as string)).toBe(false);
        expect(sinks(keys, edges).length).toBeGreaterThan(0);
      }),
      { numRuns: 200 },
    );
  });

  it('weights progress', () => {
    expect(progressPercent([{ weight: 1, status: 'succeeded' }, { weight: 3, status: 'running' }])).toBe(25);
    expect(progressPercent([{ weight: 0, status: 'skipped' }, { weight: 0, status: 'pending' }])).toBe(50);
  });
});
