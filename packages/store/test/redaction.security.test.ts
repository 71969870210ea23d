/**
 * The write boundary of records: through `redactingSql`, no configured secret value or
 * token shape is stored (text, jsonb, arrays, COPY, inside transactions), JSON stays
 * valid; the plain handle (code, ciphertext) stores values as they are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactingSql, type Sql } from '../src/index.js';
import { createTestDatabase, testBackends, type TestDatabase } from '../../../test/support/backends.js';
import { findInDatabase } from '../../../test/support/scan-db.js';
import { ALL_SECRETS, CONFIGURED_SECRETS, LEAKY_TEXT, useConfiguredSecrets } from '../../../test/support/secrets-fixture.js';

describe('security: redaction', () => {
  describe.each(testBackends())('records written through redactingSql on %s', (backend) => {
    useConfiguredSecrets();
    let db: TestDatabase;
    let records: Sql;

    beforeAll(async () => {
      db = await createTestDatabase(backend);
      records = redactingSql(db.sql);
      await db.sql.exec('CREATE SCHEMA rec; CREATE TABLE rec.r (id serial PRIMARY KEY, t text, j jsonb, arr text[]); CREATE SCHEMA code; CREATE TABLE code.c (t text)');
    });
    afterAll(async () => {
      await db?.dispose();
    });

    it('masks secrets in text, jsonb, arrays and objects, in and out of transactions, and in COPY', async () => {
      await records.query('INSERT INTO rec.r (t, j, arr) VALUES ($1, $2::jsonb, $3)', [LEAKY_TEXT, JSON.stringify({ out: LEAKY_TEXT }), [LEAKY_TEXT]]);
      await records.query('INSERT INTO rec.r (j) VALUES ($1)', [{ nested: { deep: [LEAKY_TEXT] } }]);
      await records.transaction((tx) => tx.query('INSERT INTO rec.r (t) VALUES ($1)', [`token: ${CONFIGURED_SECRETS.GITHUB_WEBHOOK_SECRET}`]));
      await records.copyFrom('rec.r', ['t'], `"${LEAKY_TEXT}"\n`);
      expect(await findInDatabase(db.sql, ALL_SECRETS)).toEqual([]);
      const { rows } = await db.sql.query<{ t: string | null }>('SELECT t FROM rec.r WHERE t IS NOT NULL ORDER BY id LIMIT 1');
      expect(rows[0]?.t).toContain('secret0=***');
    });

    it('keeps JSON valid when a masked shape would run to the end of the text (a private key without its END line)', async () => {
      const json = JSON.stringify({ key: '-----BEGIN PRIVATE KEY-----\nMIIEv', after: 'kept' });
      await records.query('INSERT INTO rec.r (j) VALUES ($1::jsonb)', [json]);
      const { rows } = await db.sql.query<{ j: { key: string; after: string } }>("SELECT j FROM rec.r WHERE j ? 'after'");
      expect(rows[0]?.j).toEqual({ key: '***', after: 'kept' });
    });

    it('leaves the plain handle alone: code and ciphertext are stored as they are', async () => {
      await db.sql.query('INSERT INTO code.c (t) VALUES ($1)', [LEAKY_TEXT]);
      expect((await db.sql.query<{ t: string }>('SELECT t FROM code.c')).rows[0]?.t).toBe(LEAKY_TEXT);
      await db.sql.query('DELETE FROM code.c');
      expect(redactingSql(records)).toBe(records);
    });
  });
});
