import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AgentlaneError, homeFor, type Config } from '@agentlane/core';
import { acquireFileLock, processAlive, readLock, type FileLock } from './lockfile.js';
import { openPgliteHandle } from './pglite.js';
import { startShareServer, type ShareServer } from './pglite-share.js';
import { openPostgres, openSharedPglite } from './postgres.js';
import type { Sql } from './sql.js';

export interface OpenStoreOptions {
  config: Pick<Config, 'databaseUrl' | 'home'> & Partial<Pick<Config, 'pgliteTemplate'>>;
  /** The repository being worked on; the embedded database lives under it by default. */
  repoRoot: string;
  /**
   * Embedded database only: how long to wait for a process that holds it but
   * does not serve it yet (still opening it). @defaultValue 30000
   */
  waitMs?: number;
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

/** Unix socket paths are limited to ~107 bytes; beyond this one goes to a private directory under the temp dir. */
const MAX_SOCKET_PATH = 100;
/** pg finds a socket as `<dir>/.s.PGSQL.<port>`. */
const SOCKET_NAME = '.s.PGSQL.5432';

/**
 * Where the owner of `dataDir` serves it: `<home>/sock/.s.PGSQL.5432`, in a
 * directory only this user can enter; a long path moves to `$TMPDIR/agentlane-<uid>-<hash>/`.
 */
export function shareSocketPath(dataDir: string): string {
  const near = path.join(path.dirname(dataDir), 'sock', SOCKET_NAME);
  if (near.length <= MAX_SOCKET_PATH) return near;
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const hash = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `agentlane-${uid}-${hash}`, SOCKET_NAME);
}

/** Make the socket's directory, private to this user; refuse one that someone else owns or can enter. */
function privateSocketDir(socketPath: string): void {
  const dir = path.dirname(socketPath);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = fs.lstatSync(dir);
  const uid = typeof process.getuid === 'function' ? process.getuid() : stat.uid;
  if (!stat.isDirectory() || stat.uid !== uid) {
    throw new AgentlaneError('DB_CONNECT_FAILED', `The socket directory ${dir} is not a directory of this user: remove it`, { details: { dir } });
  }
  if ((stat.mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
}

/**
 * PostgreSQL when DATABASE_URL is set. Otherwise the embedded database: the
 * first process to open it holds its lock and serves it on a Unix socket
 * (pglite-share.ts); a later process connects to that socket, so `serve`/`mcp`
 * and `kg` commands work on one repository at once.
 */
export async function openStore(options: OpenStoreOptions): Promise<Sql> {
  if (options.config.databaseUrl) return openPostgres({ connectionString: options.config.databaseUrl });
  const dataDir = storeLocation(options).where;
  const home = path.dirname(dataDir);
  fs.mkdirSync(home, { recursive: true });
  // Local state must never end up in the user's commits.
  const ignore = path.join(home, '.gitignore');
  if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '# agentlane local state\n*\n');
  const lockPath = `${dataDir}.lock`;
  const deadline = Date.now() + (options.waitMs ?? 30_000);
  const reopen = () => openStore(options);
  // Opened again in the process that serves it: a client of its own socket, not a second PGlite.
  if (readLock(lockPath)?.pid === process.pid) {
    const shared = await connectToOwner(lockPath);
    if (shared) return new SharedSql(shared, reopen);
  }
  for (;;) {
    let lock: FileLock;
    try {
      lock = acquireFileLock(lockPath);
    } catch (error) {
      if (!(error instanceof AgentlaneError) || error.code !== 'DB_LOCKED') throw error;
      const shared = await connectToOwner(lockPath);
      if (shared) return new SharedSql(shared, reopen);
      if (Date.now() >= deadline) throw notShared(lockPath, error);
      await new Promise((resolve) => setTimeout(resolve, 100));
      continue;
    }
    return openAsOwner(dataDir, lock, options);
  }
}

/** The owner's socket, when the lock names one that answers; null when there is none (yet, or any more). */
async function connectToOwner(lockPath: string): Promise<Sql | null> {
  const info = readLock(lockPath);
  if (!info?.socket) return null;
  try {
    return await openSharedPglite(info.socket);
  } catch (error) {
    const errno = (error as AgentlaneError).details?.errno;
    // The owner is starting or stopping (or died: the next acquire takes the lock over).
    if (errno === 'ENOENT' || errno === 'ECONNREFUSED' || errno === 'ECONNRESET') return null;
    throw error;
  }
}

function notShared(lockPath: string, cause: AgentlaneError): AgentlaneError {
  const pid = readLock(lockPath)?.pid;
  const alive = typeof pid === 'number' && processAlive(pid);
  return new AgentlaneError(
    'DB_LOCKED',
    `The embedded database is held by process ${pid ?? '?'} (${lockPath}), which does not share it` +
      `${alive ? ' (an agentlane older than this one, or still opening it)' : ''}: stop that process, or use PostgreSQL (DATABASE_URL) for many processes`,
    { cause, details: { lockPath, pid } },
  );
}

async function openAsOwner(dataDir: string, lock: FileLock, options: OpenStoreOptions): Promise<Sql> {
  let handle: Awaited<ReturnType<typeof openPgliteHandle>> | undefined;
  try {
    handle = await openPgliteHandle({ dataDir, template: options.config.pgliteTemplate });
    const socketPath = shareSocketPath(dataDir);
    privateSocketDir(socketPath);
    const share = await startShareServer({ db: handle.db, session: handle.session, socketPath });
    lock.advertise(socketPath);
    return new OwnedSql(handle.sql, lock, share);
  } catch (error) {
    await handle?.sql.close().catch(() => undefined);
    lock.release();
    throw error;
  }
}

/** Whether a statement failed because the owner's socket is gone (it exited, or is exiting): it never ran. */
function ownerGone(error: unknown): boolean {
  const cause = error instanceof AgentlaneError ? error.cause : error;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code ?? (error as AgentlaneError).details?.errno;
  return code === 'ENOENT' || code === 'ECONNREFUSED';
}

/**
 * A connection to another process's embedded database. When that process exits
 * (a `kg` command that happened to open it first), the next statement opens the
 * store again: this process becomes the owner, or a client of the new one.
 */
class SharedSql implements Sql {
  readonly dialect = 'pglite' as const;
  private reopening: Promise<Sql> | null = null;

  constructor(
    private current: Sql,
    private readonly reopen: () => Promise<Sql>,
  ) {}

  private async switchOver(failed: Sql): Promise<Sql> {
    if (this.current !== failed) return this.current;
    this.reopening ??= (async () => {
      await failed.close().catch(() => undefined);
      this.current = await this.reopen();
      return this.current;
    })().finally(() => (this.reopening = null));
    return this.reopening;
  }

  private async run<T>(fn: (sql: Sql) => Promise<T>): Promise<T> {
    const used = this.current;
    try {
      return await fn(used);
    } catch (error) {
      if (!ownerGone(error)) throw error;
      return fn(await this.switchOver(used));
    }
  }

  query: Sql['query'] = (text, params) => this.run((sql) => sql.query(text, params));
  exec: Sql['exec'] = (text) => this.run((sql) => sql.exec(text));
  copyFrom: Sql['copyFrom'] = (table, columns, csv) => this.run((sql) => sql.copyFrom(table, columns, csv));

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    let started = false;
    const once = (sql: Sql) =>
      sql.transaction((tx) => {
        started = true;
        return fn(tx);
      });
    const used = this.current;
    try {
      return await once(used);
    } catch (error) {
      // Only when the transaction never began: `fn` must not run twice.
      if (started || !ownerGone(error)) throw error;
      return once(await this.switchOver(used));
    }
  }

  async close(): Promise<void> {
    await this.reopening?.catch(() => undefined);
    await this.current.close();
  }
}

/** Holds the data-directory lock, and serves the database to other processes, for as long as it is open. */
class OwnedSql implements Sql {
  readonly dialect: Sql['dialect'];

  constructor(
    private readonly inner: Sql,
    private readonly lock: FileLock,
    private readonly share: ShareServer,
  ) {
    this.dialect = inner.dialect;
  }

  query: Sql['query'] = (text, params) => this.inner.query(text, params);
  exec: Sql['exec'] = (text) => this.inner.exec(text);
  copyFrom: Sql['copyFrom'] = (table, columns, csv) => this.inner.copyFrom(table, columns, csv);
  transaction: Sql['transaction'] = (fn) => this.inner.transaction(fn);

  async close(): Promise<void> {
    try {
      // Clients first: a transaction of theirs in progress finishes, then they are let go.
      await this.share.close();
      await this.inner.close();
    } finally {
      this.lock.release();
    }
  }
}
