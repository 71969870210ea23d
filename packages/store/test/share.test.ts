import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, readLock, shareSocketPath, type Sql } from '../src/index.js';

/**
 * One embedded database, many processes: the first to open it serves it on a
 * Unix socket, later ones connect (pglite-share.ts). Child processes run the
 * built package, as the CLI does.
 */
const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function scratchRepo(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-share-'));
}

const options = (repoRoot: string) => ({ config: { databaseUrl: undefined, home: undefined }, repoRoot, waitMs: 60_000 });

/**
 * A process that opens the store, runs `script` (with `sql` in scope), prints
 * `ready` and waits for stdin to close (or is killed).
 */
function child(repoRoot: string, script: string): { process: ChildProcess; ready: Promise<string> } {
  const source = `
    import { openStore } from ${JSON.stringify(DIST)};
    const sql = await openStore({ config: { databaseUrl: undefined, home: undefined }, repoRoot: ${JSON.stringify(repoRoot)}, waitMs: 60000 });
    ${script}
    process.stdout.write('ready\\n');
    process.stdin.resume();
    process.stdin.on('end', async () => { await sql.close(); process.exit(0); });
  `;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', source], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(proc);
  let out = '';
  let err = '';
  const ready = new Promise<string>((resolve, reject) => {
    proc.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('ready\n')) resolve(out);
    });
    proc.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    proc.once('exit', (code) => reject(new Error(`child exited ${code}: ${err}`)));
  });
  return { process: proc, ready };
}

async function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  await new Promise((resolve) => proc.once('exit', resolve));
}

describe('one embedded database, many processes', () => {
  it('a second process reads and writes through the owner, whose socket only its user can use', async () => {
    const repo = scratchRepo();
    const owner = await openStore(options(repo));
    await owner.exec('CREATE TABLE notes (id int PRIMARY KEY, body text)');
    const lockPath = path.join(repo, '.agentlane', 'db.lock');
    const socket = shareSocketPath(path.join(repo, '.agentlane', 'db'));
    expect(readLock(lockPath)).toEqual({ pid: process.pid, socket });
    expect(fs.statSync(socket).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(socket)).mode & 0o777).toBe(0o700);

    // A writer and two readers at once, in other processes (COPY included: `kg index` writes with it).
    const writer = child(repo, `
      await sql.transaction(async (tx) => {
        await tx.query('INSERT INTO notes VALUES ($1, $2)', [1, 'from a client']);
        await tx.copyFrom('notes', ['id', 'body'], '2,copied\\n3,"with, comma"\\n');
      });
    `);
    const readers = [0, 1].map(() => child(repo, `
      const { rows } = await sql.query('SELECT count(*)::int AS n FROM notes');
      process.stdout.write('count ' + rows[0].n + '\\n');
    `));
    await writer.ready;
    for (const reader of readers) expect(await reader.ready).toMatch(/count [03]\n/);
    expect((await owner.query('SELECT id, body FROM notes ORDER BY id')).rows).toEqual([
      { id: 1, body: 'from a client' },
      { id: 2, body: 'copied' },
      { id: 3, body: 'with, comma' },
    ]);
    for (const c of [writer, ...readers]) {
      c.process.stdin?.end();
      await exited(c.process);
    }
    await owner.close();
    // The owner leaves nothing behind.
    expect(fs.existsSync(socket)).toBe(false);
    expect(fs.existsSync(lockPath)).toBe(false);
  });

  it('a transaction never interleaves with another session user', async () => {
    const repo = scratchRepo();
    const owner = await openStore(options(repo));
    await owner.exec('CREATE TABLE log (n serial, who text)');
    const client = await openStore(options(repo));
    expect(client.dialect).toBe('pglite');
    const order: string[] = [];
    let inside!: () => void;
    const entered = new Promise<void>((resolve) => (inside = resolve));
    let finish!: () => void;
    const finishing = new Promise<void>((resolve) => (finish = resolve));
    // The client's transaction holds the session: the owner's statement waits for its end.
    const tx = client.transaction(async (t) => {
      await t.query(`INSERT INTO log (who) VALUES ('client-1')`);
      inside();
      await finishing;
      await t.query(`INSERT INTO log (who) VALUES ('client-2')`);
    });
    await entered;
    const ownerWrite = owner.query(`INSERT INTO log (who) VALUES ('owner')`).then(() => order.push('owner done'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    order.push('client finishing');
    finish();
    await tx;
    await ownerWrite;
    expect(order).toEqual(['client finishing', 'owner done']);
    expect((await owner.query('SELECT who FROM log ORDER BY n')).rows.map((r) => r.who)).toEqual(['client-1', 'client-2', 'owner']);

    // And the other way round: the owner's transaction holds the client off.
    const seen: string[] = [];
    let read: Promise<unknown> = Promise.resolve();
    await owner.transaction(async (t) => {
      await t.query(`INSERT INTO log (who) VALUES ('owner-tx')`);
      read = client.query<{ n: number }>(`SELECT count(*)::int AS n FROM log WHERE who = 'owner-tx'`).then((r) => seen.push(`client saw ${r.rows[0]?.n}`));
      await new Promise((resolve) => setTimeout(resolve, 300));
      seen.push('owner commits');
    });
    await read;
    expect(seen).toEqual(['owner commits', 'client saw 1']);
    await client.close();
    await owner.close();
  });

  it('a client killed mid-transaction is rolled back and frees the session', async () => {
    const repo = scratchRepo();
    const owner = await openStore(options(repo));
    await owner.exec('CREATE TABLE t (v text)');
    const doomed = child(repo, `
      // Holds a transaction open; never commits.
      await sql.transaction(async (tx) => {
        await tx.query("INSERT INTO t VALUES ('uncommitted')");
        process.stdout.write('ready\\n');
        await new Promise(() => undefined);
      });
    `);
    await doomed.ready;
    doomed.process.kill('SIGKILL');
    await exited(doomed.process);
    // The owner gets the session back, without the dead client's row.
    expect((await owner.query('SELECT count(*)::int AS n FROM t')).rows).toEqual([{ n: 0 }]);
    await owner.exec(`INSERT INTO t VALUES ('after')`);
    expect((await owner.query('SELECT v FROM t')).rows).toEqual([{ v: 'after' }]);
    await owner.close();
  });

  it('an owner that died leaves a stale lock and socket, which the next process cleans up and replaces', async () => {
    const repo = scratchRepo();
    const first = child(repo, `await sql.exec("CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)");`);
    await first.ready;
    const lockPath = path.join(repo, '.agentlane', 'db.lock');
    const socket = readLock(lockPath)?.socket;
    expect(socket).toBeTruthy();
    first.process.kill('SIGKILL');
    await exited(first.process);
    expect(fs.existsSync(socket as string)).toBe(true);
    const next = await openStore(options(repo));
    // A new owner, serving a new socket at the same place.
    expect(readLock(lockPath)).toEqual({ pid: process.pid, socket });
    expect((await next.query('SELECT v FROM kept')).rows).toEqual([{ v: 7 }]);
    const client = await openStore(options(repo));
    expect((await client.query('SELECT v FROM kept')).rows).toEqual([{ v: 7 }]);
    await client.close();
    await next.close();
    expect(fs.existsSync(socket as string)).toBe(false);
  });

  it('a client outlives the owner: when it exits, the client opens the database itself', async () => {
    const repo = scratchRepo();
    const first = child(repo, `await sql.exec("CREATE TABLE kept (v int); INSERT INTO kept VALUES (1)");`);
    await first.ready;
    const client = await openStore(options(repo));
    expect((await client.query('SELECT v FROM kept')).rows).toEqual([{ v: 1 }]);
    first.process.stdin?.end();
    await exited(first.process);
    expect(first.process.exitCode).toBe(0);
    await client.exec('INSERT INTO kept VALUES (2)');
    expect((await client.query('SELECT v FROM kept ORDER BY v')).rows).toEqual([{ v: 1 }, { v: 2 }]);
    expect(readLock(path.join(repo, '.agentlane', 'db.lock'))?.pid).toBe(process.pid);
    await client.close();
    expect(fs.existsSync(path.join(repo, '.agentlane', 'db.lock'))).toBe(false);
  });

  it('says DB_LOCKED, and what to do, only when the holder does not share the database', async () => {
    const repo = scratchRepo();
    fs.mkdirSync(path.join(repo, '.agentlane'), { recursive: true });
    // A live process (our parent) holds the lock and serves nothing: an older agentlane, say.
    fs.writeFileSync(path.join(repo, '.agentlane', 'db.lock'), String(process.ppid));
    const error = await openStore({ ...options(repo), waitMs: 300 }).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('DB_LOCKED');
    expect((error as Error).message).toMatch(/does not share it.*stop that process, or use PostgreSQL \(DATABASE_URL\)/);
  });

  it('refuses COPY FROM STDIN in a form PGlite cannot run, and stays up', async () => {
    const repo = scratchRepo();
    const owner = await openStore(options(repo));
    await owner.exec('CREATE TABLE t (v int)');
    const client: Sql = await openStore(options(repo));
    const error = await client.query('SELECT 1; COPY t FROM STDIN').catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/COPY FROM STDIN/);
    const extended = await client.query('COPY t FROM STDIN WHERE v > $1', [1]).catch((e: unknown) => e);
    expect((extended as Error).message).toMatch(/COPY FROM STDIN/);
    expect((await client.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    await client.close();
    await owner.close();
  });
});
