import type { Sql } from '@agentlane/store';

/**
 * After every state change: finish the run when all its tasks are terminal (succeeded
 * when none failed, else failed with v2_task_failed), or detect a deadlock (seed §8.6:
 * nothing ready or running but tasks still waiting → they are canceled, the run fails
 * with v2_dag_deadlock). The statements live in the migration as `engine_v2.finalize_run`
 * and `engine_v2.finish_run`, shared with the one-round-trip completion. Call inside a
 * transaction holding the run lock.
 */
export type Finalized = 'running' | 'succeeded' | 'failed';

export async function finalizeRun(tx: Sql, jobId: string): Promise<Finalized> {
  const { rows } = await tx.query<{ status: Finalized }>('SELECT engine_v2.finalize_run($1) AS status', [jobId]);
  return rows[0]?.status ?? 'running';
}

/** End a running run now (cancel, timeout): status, error, output, latency, cost, jobFinished. */
export async function finishRun(
  tx: Sql,
  jobId: string,
  status: 'succeeded' | 'failed' | 'canceled',
  errorCode: string | null,
  errorMessage: string | null,
): Promise<void> {
  await tx.query('SELECT engine_v2.finish_run($1, $2, $3, $4)', [jobId, status, errorCode, errorMessage]);
}
