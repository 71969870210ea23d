import fs from 'node:fs';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { AgentlaneError } from '@agentlane/core';
import { copyStatement } from './copy.js';
import { seedFromTemplate, type TemplateOptions } from './pglite-template.js';
import { guardQuery } from './query-error.js';
import { replaceNul, sanitizeParams } from './sanitize.js';
import { SessionLock } from './session-lock.js';
import type { QueryResult, Sql } from './sql.js';

export interface PgliteOptions {
  /** Directory of the database; undefined → in memory. */
  dataDir?: string;
  /** How a new `dataDir` is made (see pglite-template.ts). @defaultValue enabled, in the user's cache */
  template?: TemplateOptions;
}

type Target = PGlite | Transaction;


/**
 * Outside a transaction each statement takes the session lock; a transaction
 * holds it from BEGIN to its end, so clients of the shared socket
 * (pglite-share.ts) never see or touch half of it.
 */
class PgliteSql implements Sql {
  readonly dialect = 'pglite' as const;

  constructor(
    private readonly target: Target,
    private readonly db: PGlite,
    private readonly session: SessionLock,
    private readonly inTransaction: boolean,
  ) {}

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    return this.inTransaction ? fn() : this.session.run(fn);
  }

  query<Row extends object>(text: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
    return guardQuery(text, () =>
      this.locked(async () => {
        const result = await this.target.query<Row>(text, sanitizeParams(params) as unknown[]);
        return { rows: result.rows, rowCount: result.affectedRows ?? 0 };
      }),
    );
  }

  async exec(text: string): Promise<void> {
    await guardQuery(text, () => this.locked(() => this.target.exec(text)));
  }

  async copyFrom(table: string, columns: readonly string[], csv: string): Promise<void> {
    if (csv.length === 0) return;
    const statement = copyStatement(table, columns, "'/dev/blob'");
    const data = replaceNul(csv);
    await guardQuery(statement, () => this.locked(() => this.target.query(statement, [], { blob: new Blob([data]) })));
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    return this.session.run(() => this.db.transaction((tx) => fn(new PgliteSql(tx, this.db, this.session, true))));
  }

  async close(): Promise<void> {
    if (!this.inTransaction && !this.db.closed) await this.session.run(() => this.db.close());
  }
}

/** An open embedded database with what sharing it needs: the PGlite instance and its session lock. */
export interface PgliteHandle {
  sql: Sql;
  db: PGlite;
  session: SessionLock;
}

export async function openPglite(options: PgliteOptions = {}): Promise<Sql> {
  return (await openPgliteHandle(options)).sql;
}

export async function openPgliteHandle(options: PgliteOptions = {}): Promise<PgliteHandle> {
  try {
    if (options.dataDir !== undefined) {
      await seedFromTemplate(options.dataDir, options.template);
      fs.mkdirSync(options.dataDir, { recursive: true });
    }
    // Loaded when a database is opened here: a process that connects to another's socket never needs it.
    const [{ PGlite }, { pg_trgm }] = await Promise.all([import('@electric-sql/pglite'), import('@electric-sql/pglite/contrib/pg_trgm')]);
    const db = await PGlite.create(options.dataDir, { extensions: { pg_trgm } });
    const session = new SessionLock();
    return { sql: new PgliteSql(db, db, session, false), db, session };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new AgentlaneError(
      'DB_CONNECT_FAILED',
      `Cannot open the embedded database${options.dataDir ? ` at ${options.dataDir}` : ''}: ${message}`,
      { cause: error },
    );
  }
}
