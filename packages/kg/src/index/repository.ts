import fs from 'node:fs';
import path from 'node:path';
import { AgentlaneError } from '@agentlane/core';
import type { Sql } from '@agentlane/store';

/**
 * One database holds the index of one repository (kg.files is keyed by repo-relative
 * paths). The repository is recorded by its canonical root, the realpath, when it is
 * first indexed; indexing or querying another root against the database is refused
 * with KG_REPOSITORY_MISMATCH, so nothing of one repository is ever deleted by, or
 * answered for, another.
 */

/** The repository root must be an existing directory: nothing is created for a typo. */
export function assertRepositoryDirectory(repoRoot: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(repoRoot);
  } catch {
    throw new AgentlaneError('KG_PATH_NOT_FOUND', `No such directory: ${repoRoot}`, { details: { path: repoRoot } });
  }
  if (!stat.isDirectory()) throw new AgentlaneError('KG_NOT_A_DIRECTORY', `Not a directory: ${repoRoot}`, { details: { path: repoRoot } });
}

/** The realpath of a repository root: the same checkout however it is named (symlinks, `..`, relative paths). */
export function canonicalRoot(repoRoot: string): string {
  const resolved = path.resolve(repoRoot);
  try {
    return fs.realpathSync.native(resolved);
  } catch {
    throw new AgentlaneError('KG_PATH_NOT_FOUND', `No such directory: ${resolved}`, { details: { path: resolved } });
  }
}

/** The canonical root this database holds, or null before its first successful index run. */
export async function indexedRepository(sql: Sql): Promise<string | null> {
  const { rows } = await sql.query<{ root: string }>('SELECT root FROM kg.repository');
  return rows[0]?.root ?? null;
}

/** Whether a recorded root names this checkout; a root recorded before realpaths were kept is resolved now. */
function sameRepository(recorded: string, root: string): boolean {
  if (recorded === root) return true;
  try {
    return fs.realpathSync.native(recorded) === root;
  } catch {
    return false;
  }
}

function mismatch(recorded: string, root: string): AgentlaneError {
  return new AgentlaneError(
    'KG_REPOSITORY_MISMATCH',
    `This database holds the index of ${recorded}, not ${root}: one database holds one repository. ` +
      'Use a database of its own for this repository (another AGENTLANE_HOME, or another DATABASE_URL), ' +
      `or run \`agentlane kg index --replace-repository\` in ${root} to delete the index of ${recorded} and index this one instead.`,
    { details: { indexedRoot: recorded, requestedRoot: root } },
  );
}

/** Refuse with KG_REPOSITORY_MISMATCH unless the database holds `repoRoot` (or nothing yet). */
export async function assertRepository(sql: Sql, repoRoot: string): Promise<void> {
  const root = canonicalRoot(repoRoot);
  const recorded = await indexedRepository(sql);
  if (recorded !== null && !sameRepository(recorded, root)) throw mismatch(recorded, root);
}

/**
 * Inside the index run's transaction, holding the index lock: make `root` the database's
 * repository. Refused when it holds another one, unless `replace` says to delete that
 * index first (returns the root it replaced, else null).
 */
export async function claimRepository(tx: Sql, root: string, { replace = false } = {}): Promise<string | null> {
  const recorded = await indexedRepository(tx);
  const other = recorded !== null && !sameRepository(recorded, root);
  if (other) {
    if (!replace) throw mismatch(recorded, root);
    await deleteIndex(tx);
  }
  await tx.query(
    `INSERT INTO kg.repository (singleton, root) VALUES (true, $1)
       ON CONFLICT (singleton) DO UPDATE SET root = EXCLUDED.root, recorded_at = now()
       WHERE kg.repository.root IS DISTINCT FROM EXCLUDED.root`,
    [root],
  );
  return other ? recorded : null;
}

/** Everything an index holds (run history is kept: it says what happened). */
async function deleteIndex(tx: Sql): Promise<void> {
  await tx.exec('DELETE FROM kg.relations; DELETE FROM kg.object_ranks; DELETE FROM kg.objects; DELETE FROM kg.skipped_files; DELETE FROM kg.files; DELETE FROM kg.repository;');
}
