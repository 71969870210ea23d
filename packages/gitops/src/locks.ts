import { AgentlaneError } from '@agentlane/core';
import type { Sql } from '@agentlane/store';

/**
 * Per-path locks: an open agent change holds its paths until it is merged, closed
 * or denied, so two agent pull requests never edit the same file at once. Taken
 * all-or-nothing in one transaction.
 */
export async function acquirePathLocks(sql: Sql, repo: string, paths: readonly string[], changeRequestId: string): Promise<void> {
  await sql.transaction(async (tx) => {
    const { rows } = await tx.query<{ path: string; change_request_id: string }>(
      `SELECT path, change_request_id FROM gitops.path_locks WHERE repo = $1 AND path = ANY($2::text[]) AND change_request_id <> $3 FOR UPDATE`,
      [repo, [...paths], changeRequestId],
    );
    if (rows.length > 0) {
      throw new AgentlaneError('FORGE_PATHS_LOCKED', `Another open agent change holds ${rows.map((r) => r.path).join(', ')}`, {
        details: { paths: rows.map((r) => r.path), heldBy: [...new Set(rows.map((r) => r.change_request_id))] },
      });
    }
    await tx.query(
      `INSERT INTO gitops.path_locks (repo, path, change_request_id) SELECT $1, p, $3 FROM unnest($2::text[]) AS p
       ON CONFLICT (repo, path) DO NOTHING`,
      [repo, [...paths], changeRequestId],
    );
    const held = await tx.query<{ n: string }>('SELECT count(*) AS n FROM gitops.path_locks WHERE repo = $1 AND path = ANY($2::text[]) AND change_request_id = $3', [
      repo,
      [...paths],
      changeRequestId,
    ]);
    // A concurrent taker won a path between the check and the insert: give everything back.
    if (Number(held.rows[0]?.n) !== new Set(paths).size) {
      throw new AgentlaneError('FORGE_PATHS_LOCKED', 'Another open agent change took some of the same paths', { details: { paths: [...paths] } });
    }
  });
}

export async function releasePathLocks(sql: Sql, changeRequestId: string): Promise<number> {
  const { rowCount } = await sql.query('DELETE FROM gitops.path_locks WHERE change_request_id = $1', [changeRequestId]);
  return rowCount;
}
