import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import { AgentlaneError, redactSecrets } from '@agentlane/core';
import { copyStatement } from './copy.js';
import { guardQuery } from './query-error.js';
import { replaceNul, sanitizeParams } from './sanitize.js';
import type { Dialect, QueryResult, Sql } from './sql.js';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * Type parsers local to our pool (pg's global `types` would leak into the host
 * application): int8 and numeric come back as numbers, as they do on PGlite.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
};

export interface PostgresOptions {
  connectionString: string;
  /** @defaultValue 10 */
  maxConnections?: number;
  applicationName?: string;
}

type Queryable = pg.Pool | pg.PoolClient;


class PostgresSql implements Sql {
  constructor(
    private readonly target: Queryable,
    private readonly pool: pg.Pool,
    private readonly inTransaction: boolean,
    /** 'pglite' for a connection to an embedded database shared by another process. */
    readonly dialect: Dialect = 'postgres',
  ) {}

  query<Row extends object>(text: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
    return guardQuery(text, async () => {
      const result = await this.target.query<Row>(text, sanitizeParams(params) as unknown[]);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    });
  }

  async exec(text: string): Promise<void> {
    await guardQuery(text, () => this.target.query(text));
  }

  async copyFrom(table: string, columns: readonly string[], csv: string): Promise<void> {
    if (csv.length === 0) return;
    const statement = copyStatement(table, columns, 'STDIN');
    const client = this.inTransaction ? (this.target as pg.PoolClient) : await this.pool.connect();
    try {
      await guardQuery(statement, () => pipeline(Readable.from([replaceNul(csv)]), client.query(copyFromStdin(statement))));
    } finally {
      if (!this.inTransaction) client.release();
    }
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(new PostgresSql(client, this.pool, true, this.dialect));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (!this.inTransaction) await this.pool.end();
  }
}

export async function openPostgres(options: PostgresOptions): Promise<Sql> {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    application_name: options.applicationName ?? 'agentlane',
    types,
  });
  return connectPool(pool, `PostgreSQL at ${redactSecrets(options.connectionString)}`, 'postgres');
}

/**
 * The embedded database of another process, over its Unix socket (pglite-share.ts):
 * one connection (PGlite is one session), closed when idle so that the owner can exit.
 */
export async function openSharedPglite(socketPath: string): Promise<Sql> {
  const match = /^(.*)\/\.s\.PGSQL\.(\d+)$/.exec(socketPath);
  if (!match) throw new AgentlaneError('DB_CONNECT_FAILED', `Not a PostgreSQL socket path: ${socketPath}`);
  const pool = new pg.Pool({
    host: match[1],
    port: Number(match[2]),
    database: 'postgres',
    user: 'postgres',
    max: 1,
    idleTimeoutMillis: 1000,
    application_name: 'agentlane',
    types,
  });
  return connectPool(pool, `the embedded database served on ${socketPath}`, 'pglite');
}

async function connectPool(pool: pg.Pool, what: string, dialect: Dialect): Promise<Sql> {
  // An idle client losing its connection must not crash the process.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => undefined);
    const message = error instanceof Error ? error.message : String(error);
    throw new AgentlaneError('DB_CONNECT_FAILED', `Cannot connect to ${what}: ${message}`, {
      cause: error,
      details: { errno: (error as NodeJS.ErrnoException).code },
    });
  }
  return new PostgresSql(pool, pool, false, dialect);
}
