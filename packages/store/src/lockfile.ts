import fs from 'node:fs';
import { AgentlaneError } from '@agentlane/core';

/**
 * An exclusive, process-level lock on a path (PGlite is single-process: two
 * processes opening one data directory would corrupt it). A lock left by a
 * process that no longer exists is taken over.
 */
export interface FileLock {
  release(): void;
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
      const fd = fs.openSync(lockPath, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          fs.rmSync(lockPath, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
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
