/**
 * Every text, json/jsonb and array column of every user table, searched for needles:
 * the generic check that no record holds a secret (or a value that should have been
 * replaced). Generic on purpose: a table or column added later is searched too.
 */
import type { Sql } from '@agentlane/store';

export interface DatabaseHit {
  table: string;
  column: string;
  needle: string;
  rows: number;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

export async function findInDatabase(sql: Sql, needles: readonly string[]): Promise<DatabaseHit[]> {
  const { rows: columns } = await sql.query<{ table_schema: string; table_name: string; column_name: string }>(
    `SELECT c.table_schema, c.table_name, c.column_name
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema')
        AND (c.data_type IN ('text', 'json', 'jsonb', 'character varying', 'character', 'ARRAY'))
      ORDER BY 1, 2, 3`,
  );
  const hits: DatabaseHit[] = [];
  for (const c of columns) {
    const table = `${quote(c.table_schema)}.${quote(c.table_name)}`;
    for (const needle of needles) {
      const { rows } = await sql.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${table} WHERE strpos(${quote(c.column_name)}::text, $1) > 0`,
        [needle],
      );
      const n = rows[0]?.n ?? 0;
      if (n > 0) hits.push({ table: `${c.table_schema}.${c.table_name}`, column: c.column_name, needle, rows: n });
    }
  }
  return hits;
}

/** How many user tables and text-like columns `findInDatabase` searches (so a test can assert it searched something). */
export async function searchedColumns(sql: Sql): Promise<number> {
  const { rows } = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
      WHERE c.table_schema NOT IN ('pg_catalog', 'information_schema')
        AND c.data_type IN ('text', 'json', 'jsonb', 'character varying', 'character', 'ARRAY')`,
  );
  return rows[0]?.n ?? 0;
}
