import { describe, expect, it } from 'vitest';
import { createEngine, exceedsJsonDepth, MAX_JSON_DEPTH, parseWorkflow, parseWorkflowText } from '../src/index.js';
import { testBackends } from '../../../test/support/backends.js';
import { FAST, tempDir, useEngineDatabase } from './support/engine.js';

/** Deep JSON/YAML must be rejected as invalid input (exit 2), never overflow the stack (a RangeError, exit 70). */

const DEPTH = 5000;
const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code ?? (error as Error).name;
  }
  return undefined;
}

describe('security: engine', () => {
  it('a 5,000-deep JSON workflow is ENGINE_WORKFLOW_INVALID, not a stack overflow', () => {
    const text = `{"tasks":[{"key":"a","role":"r","agent":"noop","with":{"x":${deepArray(DEPTH)}}}]}`;
    expect(codeOf(() => parseWorkflowText(text, { format: 'json' }))).toBe('ENGINE_WORKFLOW_INVALID');
    expect(codeOf(() => parseWorkflow(JSON.parse(`{"tasks":${deepObject(DEPTH)}}`)))).toBe('ENGINE_WORKFLOW_INVALID');
  });

  it('a 5,000-deep YAML workflow (flow style) is ENGINE_WORKFLOW_INVALID', () => {
    const text = `tasks:\n  - key: a\n    role: r\n    agent: noop\n    with:\n      x: ${deepArray(DEPTH)}\n`;
    expect(codeOf(() => parseWorkflowText(text, { format: 'yaml' }))).toBe('ENGINE_WORKFLOW_INVALID');
  });

  it('a deep skip_if condition is ENGINE_WORKFLOW_INVALID', () => {
    let condition: unknown = { task: 'a', path: 'x', op: '==', value: 1 };
    for (let i = 0; i < DEPTH; i += 1) condition = { not: condition };
    const doc = { tasks: [{ key: 'a', role: 'r', agent: 'noop' }, { key: 'b', role: 'r', agent: 'noop', skip_if: condition }], dependencies: [['a', 'b']] };
    expect(codeOf(() => parseWorkflow(doc))).toBe('ENGINE_WORKFLOW_INVALID');
  });

  it('YAML aliases cannot smuggle depth past the check', () => {
    const lines = ['a0: &a0 [1]'];
    for (let i = 1; i <= 40; i += 1) lines.push(`a${i}: &a${i} [[[*a${i - 1}]]]`);
    const doc = `x:\n${lines.map((l) => `  ${l}`).join('\n')}\ntasks:\n  - {key: t, role: r, agent: noop}\n`;
    expect(codeOf(() => parseWorkflowText(doc, { format: 'yaml' }))).toBe('ENGINE_WORKFLOW_INVALID');
  });

  it('the depth check itself is iterative and bounded', () => {
    expect(exceedsJsonDepth(JSON.parse(deepArray(100_000)))).toBe(true);
    expect(exceedsJsonDepth(JSON.parse(deepArray(MAX_JSON_DEPTH)))).toBe(false);
    expect(exceedsJsonDepth(JSON.parse(deepArray(MAX_JSON_DEPTH + 1)))).toBe(true);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(exceedsJsonDepth(circular)).toBe(true);
  });
});

describe('security: engine', () => {
  describe.each(testBackends())('deep input on %s', (backend) => {
    const database = useEngineDatabase(backend);

    it('a 5,000-deep job input is ENGINE_WORKFLOW_INVALID at submit; nothing is stored', async () => {
      const engine = createEngine({ sql: database.db.sql, workers: 0, stagingRoot: tempDir('depth'), ...FAST });
      try {
        const workflow = parseWorkflow({ tasks: [{ key: 'a', role: 'depth', agent: 'noop' }] });
        const error = await engine.submit(workflow, { input: JSON.parse(deepObject(DEPTH)) }).catch((e: unknown) => e);
        expect((error as { code?: string }).code).toBe('ENGINE_WORKFLOW_INVALID');
        const { rows } = await database.db.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM engine_v2.job_tasks WHERE agent_role = 'depth'");
        expect(rows[0]?.n).toBe(0);
      } finally {
        await engine.close();
      }
    });

    it('an exec task printing 5,000-deep JSON fails with exec_output_invalid', async () => {
      const engine = createEngine({ sql: database.db.sql, workers: 1, roles: ['depth-out'], stagingRoot: tempDir('depth'), ...FAST });
      try {
        const script = `process.stdout.write("[".repeat(${DEPTH}) + "]".repeat(${DEPTH}))`;
        const status = await engine.run(parseWorkflow({ tasks: [{ key: 'deep', role: 'depth-out', agent: 'exec', max_attempts: 1, command: [process.execPath, '-e', script] }] }));
        expect(status.tasks[0]).toMatchObject({ status: 'failed', errorCode: 'exec_output_invalid' });
      } finally {
        await engine.close();
      }
    });
  });
});
