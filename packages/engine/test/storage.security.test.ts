/**
 * Values PostgreSQL cannot hold, returned by agents: a U+0000 or a lone surrogate in a
 * task's output, partial result, artifact or error must be stored (as U+FFFD) and the
 * task must end as it would have (succeeded, or failed with its own error), never hang
 * until its lease expires.
 */
import { describe, expect, it } from 'vitest';
import { createAgentRegistry, parseWorkflow } from '../src/index.js';
import { testBackends } from '../../../test/support/backends.js';
import { useEngineDatabase, withEngine } from './support/engine.js';

const R = '\uFFFD';

const hostile = createAgentRegistry([
  {
    name: 'nul-output',
    async run(context) {
      await context.partial({ line: 'partial\u0000' });
      return {
        output: { answer: 'a\u0000b', half: 'x\uD800', ['key\u0000']: ['\u0000'] },
        artifacts: [{ kind: 'file', uri: 'file:///tmp/a\u0000b', content: { text: '\u0000' }, metadata: { m: '\u0000' } }],
      };
    },
  },
  { name: 'nul-error', async run() { throw new Error('broken\u0000pipe'); } },
]);

describe('security: storage', () => {
  describe.each(testBackends())('engine records on %s', (backend) => {
    const database = useEngineDatabase(backend);

    it('completes a task whose output, partial result and artifact hold U+0000 and a lone surrogate', async () => {
      const workflow = parseWorkflow({ tasks: [{ key: 'a', role: 'r', agent: 'nul-output' }] });
      await withEngine({ sql: database.db.sql, agents: hostile, leaseMs: 2000 }, async (engine) => {
        const result = await engine.run(workflow);
        expect(result.status).toBe('succeeded');
        expect(result.output).toEqual({ answer: `a${R}b`, half: `x${R}`, [`key${R}`]: [R] });
        const { rows } = await database.db.sql.query<{ content: unknown; uri: string }>('SELECT content, uri FROM engine_v2.job_task_artifacts WHERE job_id = $1', [result.jobId]);
        expect(rows).toContainEqual(expect.objectContaining({ content: { text: R }, uri: `file:///tmp/a${R}b` }));
      });
    });

    it('fails a task whose error message holds U+0000 with its own error, not lease_expired', async () => {
      const workflow = parseWorkflow({ tasks: [{ key: 'a', role: 'r', agent: 'nul-error', max_attempts: 1 }] });
      await withEngine({ sql: database.db.sql, agents: hostile, leaseMs: 2000 }, async (engine) => {
        const result = await engine.run(workflow);
        expect(result.status).toBe('failed');
        const task = result.tasks[0];
        expect(task?.errorCode).toBe('agent_error');
        expect(task?.errorMessage).toContain(`broken${R}pipe`);
      });
    });
  });
});
