import os from 'node:os';
import { processAlive, type Sql } from '@agentlane/store';

/**
 * Index runs and the processes behind them. A run row is written 'running' before
 * the run's transaction starts; a process killed with SIGKILL never updates it. Such
 * a row is recognised by who started it (pid and host, recorded on the row):
 *
 * - PGlite: the embedded database is open in one process and shared with others on
 *   this machine only (over its Unix socket), so a running row is live while its process is;
 * - PostgreSQL: a row from this host is live while its process is; a row from another
 *   host is live only while some session holds the index lock (`INDEX_LOCK_KEY`, a
 *   transaction-scoped advisory lock that dies with the connection).
 *
 * The next index run marks dead rows 'interrupted' (holding the lock, it knows every
 * older running row is dead); `kg stats` shows them so before that.
 */

/** Key for pg_try_advisory_xact_lock: one index run per database at a time. */
export const INDEX_LOCK_KEY = 0x6b67_6978; // 'kgix'

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';

export interface RunOwner {
  pid: number | null;
  host: string | null;
}

export function currentOwner(): { pid: number; host: string } {
  return { pid: process.pid, host: os.hostname() };
}

async function indexLockHeld(sql: Sql): Promise<boolean> {
  const { rows } = await sql.query<{ held: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM pg_locks
        WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = $1 AND objsubid = 1
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
     ) AS held`,
    [INDEX_LOCK_KEY],
  );
  return rows[0]?.held ?? false;
}

/**
 * For rows stored 'running', whether their process is still at work. `rows` newest first;
 * on PostgreSQL the lock can vouch for one row only, the newest from another host.
 */
export async function liveRuns(sql: Sql, rows: readonly (RunOwner & { id: string })[]): Promise<Set<string>> {
  const me = currentOwner();
  const live = new Set<string>();
  let lockHeld: boolean | null = null;
  let vouched = false;
  for (const row of rows) {
    if (sql.dialect === 'pglite') {
      if (row.host === me.host && row.pid !== null && (row.pid === me.pid || processAlive(row.pid))) live.add(row.id);
      continue;
    }
    if (row.host === me.host && row.pid !== null) {
      if (processAlive(row.pid)) live.add(row.id);
      continue;
    }
    lockHeld ??= await indexLockHeld(sql);
    if (lockHeld && !vouched) {
      live.add(row.id);
      vouched = true;
    }
  }
  return live;
}
