/**
 * Hostile values at the storage boundary, on both backends: U+0000 and lone surrogates
 * (raw, and as JSON escapes for jsonb) in parameters, arrays and COPY payloads. Each
 * must be stored (as U+FFFD), never make the statement fail; ordinary text that only
 * looks like an escape is stored as it is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csvLine, sanitizeText, type Sql } from '../src/index.js';
import { createTestDatabase, testBackends, type TestDatabase } from '../../../test/support/backends.js';

const R = '\uFFFD';

describe('security: storage', () => {
  describe.each(testBackends())('on %s', (backend) => {
    let db: TestDatabase;
    let sql: Sql;

    beforeAll(async () => {
      db = await createTestDatabase(backend);
      sql = db.sql;
      await sql.exec('CREATE TABLE hostile (id serial PRIMARY KEY, t text, j jsonb, arr text[])');
    });
    afterAll(async () => {
      await db?.dispose();
    });

    const stored = async (id: number) =>
      (await sql.query<{ t: string | null; j: unknown; arr: string[] | null }>('SELECT t, j, arr FROM hostile WHERE id = $1', [id])).rows[0];

    it('stores a NUL byte in a text parameter as U+FFFD', async () => {
      const { rows } = await sql.query<{ id: number }>('INSERT INTO hostile (t) VALUES ($1) RETURNING id', ['out\u0000put']);
      expect((await stored(rows[0]!.id))?.t).toBe(`out${R}put`);
    });

    it('stores JSON text with a \\u0000 escape in a jsonb column', async () => {
      const { rows } = await sql.query<{ id: number }>('INSERT INTO hostile (j) VALUES ($1::jsonb) RETURNING id', [
        JSON.stringify({ answer: 'a\u0000b', ['k\u0000']: ['\u0000'] }),
      ]);
      expect((await stored(rows[0]!.id))?.j).toEqual({ answer: `a${R}b`, [`k${R}`]: [R] });
    });

    it('stores JSON text with lone surrogate escapes in a jsonb column', async () => {
      const { rows } = await sql.query<{ id: number }>('INSERT INTO hostile (j) VALUES ($1::jsonb) RETURNING id', [
        JSON.stringify({ half: 'x\uD800y', low: '\uDC00', pair: '😀' }),
      ]);
      expect((await stored(rows[0]!.id))?.j).toEqual({ half: `x${R}y`, low: R, pair: '😀' });
    });

    it('stores a plain object parameter holding a NUL as jsonb', async () => {
      const { rows } = await sql.query<{ id: number }>('INSERT INTO hostile (j) VALUES ($1) RETURNING id', [{ s: '\u0000' }]);
      expect((await stored(rows[0]!.id))?.j).toEqual({ s: R });
    });

    it('stores NULs inside text[] and JSON-text[] (unnest batches) parameters', async () => {
      const { rows } = await sql.query<{ id: number }>(
        'INSERT INTO hostile (arr, j) SELECT $1::text[], (SELECT jsonb_agg(x::jsonb) FROM unnest($2::text[]) AS x) RETURNING id',
        [['a\u0000', 'b'], [JSON.stringify({ v: '\u0000' }), '{}']],
      );
      expect(await stored(rows[0]!.id)).toEqual({ t: null, j: [{ v: R }, {}], arr: [`a${R}`, 'b'] });
    });

    it('stores NULs and \\u0000 JSON escapes bulk-loaded with COPY', async () => {
      await sql.exec('CREATE TABLE hostile_copy (id int PRIMARY KEY, t text, j jsonb)');
      await sql.copyFrom('hostile_copy', ['id', 't', 'j'], csvLine([1, 'src\u0000code', JSON.stringify({ lit: 'x\u0000' })]) + csvLine([2, 'ok', '{}']));
      // A payload not built by csvLine is covered too.
      await sql.copyFrom('hostile_copy', ['id', 't', 'j'], '3,"raw\u0000nul",\n');
      const { rows } = await sql.query<{ id: number; t: string; j: unknown }>('SELECT id, t, j FROM hostile_copy ORDER BY id');
      expect(rows).toEqual([
        { id: 1, t: `src${R}code`, j: { lit: `x${R}` } },
        { id: 2, t: 'ok', j: {} },
        { id: 3, t: `raw${R}nul`, j: null },
      ]);
    });

    it('keeps text that only looks like an escape (source code, a diff) exactly as it is', async () => {
      const code = String.raw`const nul = "\u0000"; // and "\ud800"`;
      const json = JSON.stringify({ code });
      const { rows } = await sql.query<{ id: number }>('INSERT INTO hostile (t, j) VALUES ($1, $2::jsonb) RETURNING id', [code, json]);
      expect(await stored(rows[0]!.id)).toMatchObject({ t: code, j: { code } });
      expect(sanitizeText(code)).toBe(code);
      expect(sanitizeText(json)).toBe(json);
    });
  });
});
