import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentlaneError } from '@agentlane/core';
import { acquireFileLock, openPostgres, openStore, storeLocation } from '../src/index.js';

describe('openStore', () => {
  it('defaults to PGlite under <repo>/.agentlane/db and persists across opens', async () => {
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-repo-'));
    const options = { config: { databaseUrl: undefined, home: undefined }, repoRoot: repo };
    expect(storeLocation(options)).toEqual({ kind: 'pglite', where: path.join(repo, '.agentlane', 'db') });
    const first = await openStore(options);
    await first.exec('CREATE TABLE kept (v int); INSERT INTO kept VALUES (7);');
    await first.close();
    const second = await openStore(options);
    expect((await second.query('SELECT v FROM kept')).rows).toEqual([{ v: 7 }]);
    await second.close();
    // the state directory ignores itself, so it never lands in the user's commits
    expect(fs.readFileSync(path.join(repo, '.agentlane', '.gitignore'), 'utf8')).toContain('*');
  });

  it('honours AGENTLANE_HOME and redacts passwords in the postgres location', () => {
    expect(storeLocation({ config: { databaseUrl: undefined, home: '/srv/al' }, repoRoot: '/r' }).where).toBe('/srv/al/db');
    expect(storeLocation({ config: { databaseUrl: 'postgres://u:secret@h/db', home: undefined }, repoRoot: '/r' }).where).toBe(
      'postgres://u:***@h/db',
    );
  });

  it('refuses a second process-level lock on the same embedded database', () => {
    const lockPath = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-lock-')), 'db.lock');
    // A live process other than us holds it: our parent.
    fs.writeFileSync(lockPath, String(process.ppid));
    const error = (() => {
      try {
        acquireFileLock(lockPath);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect((error as AgentlaneError).code).toBe('DB_LOCKED');
    // A stale lock (dead pid) is taken over.
    fs.writeFileSync(lockPath, '999999999');
    const lock = acquireFileLock(lockPath);
    expect(fs.readFileSync(lockPath, 'utf8')).toBe(String(process.pid));
    lock.release();
    expect(fs.existsSync(lockPath)).toBe(false);
  });

  it('fails with DB_CONNECT_FAILED and no password in the message when PostgreSQL is unreachable', async () => {
    const error = await openPostgres({ connectionString: 'postgres://u:hunter2@127.0.0.1:1/db' }).catch((e: unknown) => e);
    expect((error as AgentlaneError).code).toBe('DB_CONNECT_FAILED');
    expect((error as Error).message).not.toContain('hunter2');
  });
});
