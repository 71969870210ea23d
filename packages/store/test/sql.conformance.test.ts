import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentlaneError } from '@agentlane/core';
import { csvLine, loadMigrations, migrate, type Sql } from '../src/index.js';
import { createTestDatabase, testBackends, type TestDatabase } from '../../../test/support/backends.js';

function writeMigrations(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-mig-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

describe.each(testBackends())('Sql conformance on %s', (backend) => {
  let db: TestDatabase;
  let sql: Sql;

  beforeAll(async () => {
    db = await createTestDatabase(backend);
    sql = db.sql;
  });
  afterAll(async () => {
    await db?.dispose();
  });

  it('reports its dialect', () => {
    expect(sql.dialect).toBe(backend);
  });

  it('returns numbers for int8 and counts, objects for jsonb, arrays for arrays', async () => {
    const { rows } = await sql.query<{ big: number; n: number; j: { a: number[] }; arr: string[] }>(
      "SELECT 9007199254740::int8 AS big, count(*) AS n, '{\"a\":[1,2]}'::jsonb AS j, $1::text[] AS arr",
      [['x', 'y']],
    );
    expect(rows).toEqual([{ big: 9007199254740, n: 1, j: { a: [1, 2] }, arr: ['x', 'y'] }]);
  });

  it('writes a batch with one set-based statement through unnest', async () => {
    await sql.exec('CREATE TABLE batch_t (id text PRIMARY KEY, n int, meta jsonb)');
    const ids = Array.from({ length: 500 }, (_, i) => `id${i}`);
    const result = await sql.query(
      'INSERT INTO batch_t (id, n, meta) SELECT id, n, meta::jsonb FROM unnest($1::text[], $2::int[], $3::text[]) AS t(id, n, meta)',
      [ids, ids.map((_, i) => i), ids.map((id) => JSON.stringify({ id }))],
    );
    expect(result.rowCount).toBe(500);
    const { rows } = await sql.query<{ n: number; meta: { id: string } }>('SELECT n, meta FROM batch_t WHERE id = $1', ['id42']);
    expect(rows).toEqual([{ n: 42, meta: { id: 'id42' } }]);
  });

  it('bulk-loads CSV with COPY, keeping quotes, commas, newlines, unicode, empty strings and NULLs', async () => {
    await sql.exec('CREATE TABLE copy_t (id int PRIMARY KEY, label text, note text, meta jsonb, flag bool)');
    const tricky = 'a "quoted", multi\nline \\ value ✓';
    const csv =
      csvLine([1, tricky, null, JSON.stringify({ s: tricky }), true]) +
      csvLine([2, '', 'x', null, false]) +
      Array.from({ length: 998 }, (_, i) => csvLine([i + 3, `row ${i}`, null, '{}', null])).join('');
    await sql.copyFrom('copy_t', ['id', 'label', 'note', 'meta', 'flag'], csv);
    const { rows } = await sql.query<{ id: number; label: string; note: string | null; meta: unknown; flag: boolean | null }>(
      'SELECT id, label, note, meta, flag FROM copy_t WHERE id <= 2 ORDER BY id',
    );
    expect(rows).toEqual([
      { id: 1, label: tricky, note: null, meta: { s: tricky }, flag: true },
      { id: 2, label: '', note: 'x', meta: null, flag: false },
    ]);
    expect((await sql.query<{ n: number }>('SELECT count(*) AS n FROM copy_t')).rows[0]?.n).toBe(1000);
  });

  it('rolls back a COPY with its transaction, and rejects names that are not identifiers', async () => {
    await sql.exec('CREATE TABLE copy_tx (id int)');
    await expect(
      sql.transaction(async (tx) => {
        await tx.copyFrom('copy_tx', ['id'], csvLine([1]) + csvLine([2]));
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await sql.query('SELECT * FROM copy_tx')).rows).toEqual([]);
    const bad = await sql.copyFrom('copy_tx; DROP TABLE copy_tx', ['id'], csvLine([1])).catch((e: unknown) => e);
    expect((bad as AgentlaneError).code).toBe('DB_QUERY_FAILED');
    const malformed = await sql.copyFrom('copy_tx', ['id'], 'not-a-number\n').catch((e: unknown) => e);
    expect((malformed as AgentlaneError).code).toBe('DB_QUERY_FAILED');
    expect((await sql.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
  });

  it('commits a transaction that resolves and rolls back one that throws', async () => {
    await sql.exec('CREATE TABLE tx_t (v int)');
    await sql.transaction(async (tx) => {
      await tx.query('INSERT INTO tx_t VALUES (1)');
    });
    await expect(
      sql.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_t VALUES (2)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const { rows } = await sql.query<{ v: number }>('SELECT v FROM tx_t ORDER BY v');
    expect(rows).toEqual([{ v: 1 }]);
  });

  it('reuses the outer transaction for nested calls, so an inner failure undoes everything', async () => {
    await sql.exec('CREATE TABLE nested_t (v int)');
    await expect(
      sql.transaction(async (tx) => {
        await tx.query('INSERT INTO nested_t VALUES (1)');
        await tx.transaction(async (inner) => {
          await inner.query('INSERT INTO nested_t VALUES (2)');
          throw new Error('inner');
        });
      }),
    ).rejects.toThrow('inner');
    const { rows } = await sql.query('SELECT * FROM nested_t');
    expect(rows).toEqual([]);
  });

  it('wraps a failing statement in DB_QUERY_FAILED with the SQLSTATE', async () => {
    const error = await sql.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentlaneError);
    expect((error as AgentlaneError).code).toBe('DB_QUERY_FAILED');
    expect((error as AgentlaneError).details.pgCode).toBe('42P01');
  });

  it('applies migrations in order once, recording each', async () => {
    const dir = writeMigrations({
      '0002_add_column.sql': 'ALTER TABLE demo.items ADD COLUMN label text;',
      '0001_init.sql': 'CREATE SCHEMA demo; CREATE TABLE demo.items (id int PRIMARY KEY);',
      'README.md': 'not a migration',
    });
    const migrations = loadMigrations('demo', dir);
    expect(migrations.map((m) => m.version)).toEqual([1, 2]);
    expect((await migrate(sql, migrations)).applied).toEqual(['demo/0001_init', 'demo/0002_add_column']);
    // Up to date: one read, no transaction, no lock (every command opens the database through here).
    let transactions = 0;
    const counting: Sql = { ...sql, dialect: sql.dialect, query: (t, p) => sql.query(t, p), exec: (t) => sql.exec(t), copyFrom: (a, b, c) => sql.copyFrom(a, b, c), transaction: (fn) => ((transactions += 1), sql.transaction(fn)), close: () => sql.close() };
    expect((await migrate(counting, migrations)).applied).toEqual([]);
    expect(transactions).toBe(0);
    await sql.query("INSERT INTO demo.items (id, label) VALUES (1, 'one')");
    const { rows } = await sql.query<{ version: number }>(
      "SELECT version FROM agentlane.schema_migrations WHERE schema_name = 'demo' ORDER BY version",
    );
    expect(rows.map((r) => r.version)).toEqual([1, 2]);
  });

  it('refuses an applied migration whose file changed', async () => {
    const dir = writeMigrations({ '0001_init.sql': 'CREATE SCHEMA edited; CREATE TABLE edited.t (id int);' });
    await migrate(sql, loadMigrations('edited', dir));
    fs.writeFileSync(path.join(dir, '0001_init.sql'), 'CREATE SCHEMA edited; CREATE TABLE edited.t (id bigint);');
    const error = await migrate(sql, loadMigrations('edited', dir)).catch((e: unknown) => e);
    expect((error as AgentlaneError).code).toBe('DB_MIGRATION_MODIFIED');
  });

  it('keeps nothing of a migration that fails halfway', async () => {
    const dir = writeMigrations({
      '0001_broken.sql': 'CREATE SCHEMA broken; CREATE TABLE broken.t (id int); SELECT * FROM broken.missing;',
    });
    const error = await migrate(sql, loadMigrations('broken', dir)).catch((e: unknown) => e);
    expect((error as AgentlaneError).code).toBe('DB_MIGRATION_FAILED');
    const { rows } = await sql.query("SELECT 1 FROM information_schema.schemata WHERE schema_name = 'broken'");
    expect(rows).toEqual([]);
    const recorded = await sql.query("SELECT 1 FROM agentlane.schema_migrations WHERE schema_name = 'broken'");
    expect(recorded.rows).toEqual([]);
  });
});
