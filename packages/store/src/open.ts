import fs from 'node:fs';
import path from 'node:path';
import { homeFor, type Config } from '@agentlane/core';
import { acquireFileLock, type FileLock } from './lockfile.js';
import { openPglite } from './pglite.js';
import { openPostgres } from './postgres.js';
import type { Sql } from './sql.js';

export interface OpenStoreOptions {
  config: Pick<Config, 'databaseUrl' | 'home'> & Partial<Pick<Config, 'pgliteTemplate'>>;
  /** The repository being worked on; the embedded database lives under it by default. */
  repoRoot: string;
}

export interface StoreLocation {
  kind: 'postgres' | 'pglite';
  /** Redacted URL or the PGlite directory. */
  where: string;
}

/** PostgreSQL when DATABASE_URL is set, else PGlite in `<AGENTLANE_HOME or repo/.agentlane>/db`. */
export function storeLocation(options: OpenStoreOptions): StoreLocation {
  if (options.config.databaseUrl) {
    return { kind: 'postgres', where: options.config.databaseUrl.replace(/:[^:@/]*@/, ':***@') };
  }
  return { kind: 'pglite', where: path.join(homeFor(options.config as Config, options.repoRoot), 'db') };
}

export async function openStore(options: OpenStoreOptions): Promise<Sql> {
  if (options.config.databaseUrl) return openPostgres({ connectionString: options.config.databaseUrl });
  const dataDir = storeLocation(options).where;
  const home = path.dirname(dataDir);
  fs.mkdirSync(home, { recursive: true });
  // Local state must never end up in the user's commits.
  const ignore = path.join(home, '.gitignore');
  if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '# agentlane local state\n*\n');
  const lock = acquireFileLock(`${dataDir}.lock`);
  try {
    return new LockedSql(await openPglite({ dataDir, template: options.config.pgliteTemplate }), lock);
  } catch (error) {
    lock.release();
    throw error;
  }
}

/** Holds the data-directory lock for as long as the database is open. */
class LockedSql implements Sql {
  readonly dialect: Sql['dialect'];

  constructor(
    private readonly inner: Sql,
    private readonly lock: FileLock,
  ) {
    this.dialect = inner.dialect;
  }

  query: Sql['query'] = (text, params) => this.inner.query(text, params);
  exec: Sql['exec'] = (text) => this.inner.exec(text);
  copyFrom: Sql['copyFrom'] = (table, columns, csv) => this.inner.copyFrom(table, columns, csv);
  transaction: Sql['transaction'] = (fn) => this.inner.transaction(fn);

  async close(): Promise<void> {
    try {
      await this.inner.close();
    } finally {
      this.lock.release();
    }
  }
}
