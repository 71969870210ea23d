import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AgentlaneError, isAgentlaneError } from '@agentlane/core';
import type { Sql } from '@agentlane/store';

/**
 * Staging and the atomic apply (seed 001 §10). Agents write only into the job's staging
 * directory; a successful job is copied next to the target and swapped in with two
 * renames. The backup of the previous target is deleted only after a successful swap:
 * whenever the swap fails, the backup stays on disk. A per-project advisory lock keeps
 * two applies to one project from interleaving (`v2_concurrent_apply`).
 */
export interface SwapFs {
  cp(from: string, to: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  rm(target: string): Promise<void>;
  mkdir(dir: string): Promise<void>;
  exists(target: string): Promise<boolean>;
}

export const nodeSwapFs: SwapFs = {
  cp: (from, to) => fs.cp(from, to, { recursive: true, errorOnExist: true, force: false }),
  rename: (from, to) => fs.rename(from, to),
  rm: (target) => fs.rm(target, { recursive: true, force: true }),
  mkdir: async (dir) => {
    await fs.mkdir(dir, { recursive: true });
  },
  exists: async (target) => fs.access(target).then(() => true, () => false),
};

export interface SwapResult {
  /** The previous target's backup while its deletion runs (deleted only on success). */
  backupDir: string | undefined;
  /** Resolves when the post-success cleanup of the backup has finished. */
  cleanup: Promise<void>;
}

function stagingError(message: string, cause: unknown, details: Record<string, unknown>): AgentlaneError {
  return new AgentlaneError('ENGINE_STAGING_FAILED', `${message}: ${(cause as Error)?.message ?? String(cause)}`, { cause, details });
}

/** seed §10.2 doRenameSwap: copy beside the target, rename the target away, rename the copy in. */
export async function renameSwap(stagingDir: string, targetDir: string, ops: SwapFs = nodeSwapFs, now: () => number = Date.now): Promise<SwapResult> {
  const backupDir = `${targetDir}.bak.${now()}`;
  const tempTarget = `${targetDir}.new`;
  try {
    await ops.rm(tempTarget);
    await ops.cp(stagingDir, tempTarget);
  } catch (error) {
    await ops.rm(tempTarget).catch(() => undefined);
    throw stagingError('Copying the staging directory failed', error, { stagingDir, targetDir });
  }
  if (await ops.exists(targetDir)) {
    try {
      await ops.rename(targetDir, backupDir);
    } catch (error) {
      await ops.rm(tempTarget).catch(() => undefined);
      throw stagingError('Moving the target aside failed', error, { targetDir });
    }
    try {
      await ops.rename(tempTarget, targetDir);
    } catch (error) {
      // Put the previous version back; the backup is never deleted on failure.
      const restored = await ops.rename(backupDir, targetDir).then(() => true, () => false);
      await ops.rm(tempTarget).catch(() => undefined);
      throw stagingError('Swapping the new version in failed', error, { targetDir, backupDir: restored ? undefined : backupDir, restored });
    }
    // Success only: the backup goes.
    const cleanup = ops.rm(backupDir).catch(() => undefined);
    return { backupDir, cleanup };
  }
  try {
    await ops.mkdir(path.dirname(targetDir));
    await ops.rename(tempTarget, targetDir);
  } catch (error) {
    await ops.rm(tempTarget).catch(() => undefined);
    throw stagingError('Moving the new version into place failed', error, { targetDir });
  }
  return { backupDir: undefined, cleanup: Promise.resolve() };
}

/** Two int4 keys from the project id (seed getAdvisoryLockKey), stable across processes. */
export function advisoryLockKey(projectId: string): [number, number] {
  const digest = createHash('sha256').update(`agentlane.engine_v2.apply:${projectId}`).digest();
  return [digest.readInt32BE(0), digest.readInt32BE(4)];
}

export interface ApplyOptions {
  projectId: string;
  stagingDir: string;
  targetDir: string;
  fs?: SwapFs;
}

/** seed §10.3: the swap under `pg_try_advisory_xact_lock`; a held lock is `v2_concurrent_apply`. */
export async function applyToProduction(sql: Sql, options: ApplyOptions): Promise<SwapResult> {
  const [key1, key2] = advisoryLockKey(options.projectId);
  return sql.transaction(async (tx) => {
    const { rows } = await tx.query<{ acquired: boolean }>('SELECT pg_try_advisory_xact_lock($1, $2) AS acquired', [key1, key2]);
    if (!rows[0]?.acquired) {
      throw new AgentlaneError('ENGINE_CONCURRENT_APPLY', `Another apply to project ${options.projectId} is in progress`, { details: { projectId: options.projectId } });
    }
    try {
      return await renameSwap(options.stagingDir, options.targetDir, options.fs);
    } catch (error) {
      if (isAgentlaneError(error)) throw error;
      throw stagingError('Apply failed', error, { targetDir: options.targetDir });
    }
  });
}
