/**
 * Test databases on every backend. Each suite gets a fresh database: a new
 * PostgreSQL database created from the admin connection (dropped afterwards),
 * or an in-memory PGlite. Nothing is mocked, and nothing is skipped: when
 * PostgreSQL is unreachable the suite fails with the reason.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openPglite, openPostgres, type Sql } from '@agentlane/store';

export type BackendName = 'postgres' | 'pglite';

export const ADMIN_DATABASE_URL =
  process.env.AGENTLANE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** `AGENTLANE_TEST_BACKENDS=pg|pglite|pg,pglite` (default both). */
export function testBackends(): BackendName[] {
  const raw = process.env.AGENTLANE_TEST_BACKENDS ?? 'pg,pglite';
  const names = raw.split(',').map((part) => part.trim());
  const backends: BackendName[] = [];
  if (names.includes('pg') || names.includes('postgres')) backends.push('postgres');
  if (names.includes('pglite')) backends.push('pglite');
  if (backends.length === 0) throw new Error(`AGENTLANE_TEST_BACKENDS=${raw} names no backend (use pg, pglite)`);
  return backends;
}

export interface TestDatabase {
  sql: Sql;
  /** PostgreSQL only: the connection string of the fresh database (for child processes). */
  url: string | undefined;
  dispose(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function createTestDatabase(backend: BackendName): Promise<TestDatabase> {
  if (backend === 'pglite') {
    const sql = await openPglite();
    return { sql, url: undefined, dispose: () => sql.close() };
  }
  const name = `agentlane_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${ADMIN_DATABASE_URL} (${(error as Error).message}). ` +
        'Run the tests with `npm test`, which starts it, or set AGENTLANE_TEST_BACKENDS=pglite.',
    );
  }
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(ADMIN_DATABASE_URL, name);
  const sql = await openPostgres({ connectionString: url, maxConnections: 4 });
  return {
    sql,
    url,
    async dispose() {
      await sql.close();
      const cleanup = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}
