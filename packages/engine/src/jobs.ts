import type { Sql } from '@agentlane/store';

/**
 * The jobs table job_runs refers to (seed 001 §9): who asked, and which engine completed
 * the job. Exactly one actor completes a job: `complete` sets `completed_by` only while
 * it is still null, so a second completer changes nothing and learns it lost. Hosts with
 * their own jobs table implement this interface over it (and migrate with `jobsTable`).
 */
export type Completer = 'v1' | 'v2';

export interface JobsTable {
  create(actor: string, projectId: string | undefined): Promise<string>;
  /** True when this call completed the job; false when someone already had. */
  complete(jobId: string, by: Completer): Promise<boolean>;
  fail(jobId: string): Promise<void>;
  completedBy(jobId: string): Promise<Completer | null>;
}

export function ownedJobsTable(sql: Sql): JobsTable {
  return {
    async create(actor, projectId) {
      const { rows } = await sql.query<{ id: string }>(
        `INSERT INTO engine_v2.jobs (actor, project_id, status) VALUES ($1, $2, 'running') RETURNING id`,
        [actor, projectId ?? null],
      );
      return rows[0]?.id as string;
    },
    async complete(jobId, by) {
      const { rows } = await sql.query(
        `UPDATE engine_v2.jobs SET status = 'completed', completed_by = $2, completed_at = now()
         WHERE id = $1 AND completed_by IS NULL RETURNING 1 AS ok`,
        [jobId, by],
      );
      return rows.length === 1;
    },
    async fail(jobId) {
      await sql.query(`UPDATE engine_v2.jobs SET status = 'failed' WHERE id = $1 AND completed_by IS NULL`, [jobId]);
    },
    async completedBy(jobId) {
      const { rows } = await sql.query<{ completed_by: Completer | null }>('SELECT completed_by FROM engine_v2.jobs WHERE id = $1', [jobId]);
      return rows[0]?.completed_by ?? null;
    },
  };
}
