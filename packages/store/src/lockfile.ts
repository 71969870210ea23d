import fs from 'node:fs';
import { AgentlaneError } from '@agentlane/core';

/**
 * An exclusive, process-level lock on a path (PGlite is single-process: two
 * processes opening one data directory would corrupt it). A lock left by a
 * process that no longer exists is taken over.
 */
export interface FileLock {
  /** Record in the lock file the socket this process serves the database on (see pglite-share.ts). */
  advertise(socketPath: string): void;
  release(): void;
}

/**
 * What a lock file says: the holder's pid on the first line (all that older
 * versions wrote and read), then `socket <path>` once the holder serves the database.
 */
export interface LockInfo {
  pid: number | null;
  socket: string | null;
}

export function readLock(lockPath: string): LockInfo | null {
  let text: string;
  try {
    text = fs.readFileSync(lockPath, 'utf8');
  } catch {
    return null;
  }
  const pid = Number.parseInt(text, 10);
  const socket = /^socket (.+)$/m.exec(text)?.[1] ?? null;
  return { pid: Number.isInteger(pid) ? pid : null, socket };
}

/** Whether a process with this pid exists on this machine (EPERM: it does, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function acquireFileLock(lockPath: string): FileLock {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      // Made whole aside and linked into place (link fails if the lock exists): nobody reads an empty lock.
      const staging = `${lockPath}.${process.pid}.tmp`;
      fs.writeFileSync(staging, String(process.pid));
      try {
        fs.linkSync(staging, lockPath);
      } finally {
        fs.rmSync(staging, { force: true });
      }
      let released = false;
      return {
        advertise(socketPath: string) {
          if (released) return;
          // Written aside and renamed over: a reader sees the old content or the new, never half.
          const staging = `${lockPath}.${process.pid}.tmp`;
          fs.writeFileSync(staging, `${process.pid}\nsocket ${socketPath}\n`);
          fs.renameSync(staging, lockPath);
        },
        release() {
          if (released) return;
          released = true;
          fs.rmSync(lockPath, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(lockPath)?.pid ?? Number.NaN;
      if (Number.isInteger(holder) && holder !== process.pid && processAlive(holder)) {
        throw new AgentlaneError('DB_LOCKED', `The embedded database is in use by process ${holder} (${lockPath})`, {
          details: { lockPath, pid: holder },
        });
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new AgentlaneError('DB_LOCKED', `Could not lock ${lockPath}`, { details: { lockPath } });
}
