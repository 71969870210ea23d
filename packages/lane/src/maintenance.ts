/**
 * What `lane status`, `lane summary` and `lane clean` do before they read or
 * change anything: bring the database up to date with the JSONL buffers. With
 * the lane lock free, unfinished runs are recorded as crashed first; while a run
 * holds it, its buffer is only synced (it is still being written).
 */
import { AgentlaneError, coerceError } from '@agentlane/core';
import { acquireFileLock, type FileLock, type Sql } from '@agentlane/store';
import { ensureLanePaths, lanePaths } from './paths.js';
import { migrateLane } from './records/schema.js';
import { recoverCrashedRuns, syncPendingRuns, type BufferSync, type RecoveredRun } from './records/sync.js';
import { cleanStaleWorktrees, type CleanResult } from './sandbox/worktree.js';

export interface RecordsSync {
  recovered: RecoveredRun[];
  synced: BufferSync[];
  /** A lane run holds the lock right now. */
  running: boolean;
}

function tryLock(lock: string): FileLock | null {
  try {
    return acquireFileLock(lock);
  } catch (error) {
    if (coerceError(error).code === 'DB_LOCKED') return null;
    throw error;
  }
}

export async function syncLaneRecords(sql: Sql, home: string): Promise<RecordsSync> {
  const paths = lanePaths(home);
  await migrateLane(sql);
  ensureLanePaths(paths);
  const lock = tryLock(paths.lock);
  try {
    const recovered = lock ? recoverCrashedRuns(paths) : [];
    const synced = await syncPendingRuns(sql, paths);
    return { recovered, synced, running: lock === null };
  } finally {
    lock?.release();
  }
}

export interface CleanLaneResult extends CleanResult {
  recovered: RecoveredRun[];
}

/** `agentlane lane clean`: refuse while a run works; otherwise recover, sync, and sweep worktrees and task branches. */
export async function cleanLane(repoRoot: string, home: string, sql: Sql | undefined): Promise<CleanLaneResult> {
  const paths = lanePaths(home);
  ensureLanePaths(paths);
  const lock = tryLock(paths.lock);
  if (!lock) throw new AgentlaneError('LANE_BUSY', 'A lane run is working on this repository; clean after it ends', { details: { lock: paths.lock } });
  try {
    const recovered = recoverCrashedRuns(paths);
    if (sql) {
      await migrateLane(sql);
      await syncPendingRuns(sql, paths);
    }
    return { ...(await cleanStaleWorktrees(repoRoot, paths)), recovered };
  } finally {
    lock.release();
  }
}
