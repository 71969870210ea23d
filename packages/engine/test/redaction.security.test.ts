/**
 * No secret reaches an engine record: a job whose input, output, partial results,
 * artifacts and error messages quote configured secrets (by value) and token shapes
 * leaves none of them in any text or json column of any table.
 */
import { describe, expect, it } from 'vitest';
import { createAgentRegistry, parseWorkflow } from '../src/index.js';
import { testBackends } from '../../../test/support/backends.js';
import { findInDatabase, searchedColumns } from '../../../test/support/scan-db.js';
import { ALL_SECRETS, LEAKY_TEXT, useConfiguredSecrets } from '../../../test/support/secrets-fixture.js';
import { useEngineDatabase, withEngine } from './support/engine.js';

const leaky = createAgentRegistry([
  {
    name: 'leaky',
    async run(context) {
      await context.partial({ progress: LEAKY_TEXT });
      return {
        output: { answer: LEAKY_TEXT, nested: [{ token: LEAKY_TEXT }] },
        artifacts: [{ kind: 'log', uri: `file:///tmp/${ALL_SECRETS[0]}`, content: { log: LEAKY_TEXT }, metadata: { note: LEAKY_TEXT } }],
      };
    },
  },
  { name: 'leaky-fail', async run() { throw new Error(`request failed: ${LEAKY_TEXT}`); } },
]);

describe('security: redaction', () => {
  describe.each(testBackends())('engine records on %s', (backend) => {
    useConfiguredSecrets();
    const database = useEngineDatabase(backend);

    it('stores no secret from a job input, output, partial result or artifact', async () => {
      const workflow = parseWorkflow({ tasks: [{ key: 'a', role: 'r', agent: 'leaky' }] });
      await withEngine({ sql: database.db.sql, agents: leaky }, async (engine) => {
        const result = await engine.run(workflow, { input: { prompt: LEAKY_TEXT } });
        expect(result.status).toBe('succeeded');
        expect(JSON.stringify(result.output)).toContain('***');
      });
      expect(await searchedColumns(database.db.sql)).toBeGreaterThan(10);
      expect(await findInDatabase(database.db.sql, ALL_SECRETS)).toEqual([]);
    });

    it('stores no secret from a failing task\'s error message', async () => {
      const workflow = parseWorkflow({ tasks: [{ key: 'a', role: 'r', agent: 'leaky-fail', max_attempts: 2 }] });
      await withEngine({ sql: database.db.sql, agents: leaky }, async (engine) => {
        const result = await engine.run(workflow);
        expect(result.status).toBe('failed');
      });
      expect(await findInDatabase(database.db.sql, ALL_SECRETS)).toEqual([]);
    });
  });
});
