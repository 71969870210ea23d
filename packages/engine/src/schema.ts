import { AgentlaneError } from '@agentlane/core';
import { loadMigrations, migrate, type MigrateResult, type Sql } from '@agentlane/store';

export const OWNED_JOBS_TABLE = 'engine_v2.jobs';

export interface MigrateEngineOptions {
  /**
   * The jobs table `job_runs.job_id` refers to: a host's own (`public.jobs`, with a uuid
   * `id`) or the minimal one agentlane owns. Only the constraint on
   * `engine_v2.job_runs` changes; the host table is never altered.
   * @defaultValue 'engine_v2.jobs'
   */
  jobsTable?: string;
}

const QUALIFIED = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/;

/** Apply the `engine_v2` migrations (packages/engine/migrations/*.sql) and point job_runs at the jobs table. */
export async function migrateEngine(sql: Sql, options: MigrateEngineOptions = {}): Promise<MigrateResult> {
  const result = await migrate(sql, loadMigrations('engine_v2', new URL('../migrations/', import.meta.url)));
  await useJobsTable(sql, options.jobsTable ?? OWNED_JOBS_TABLE);
  return result;
}

async function useJobsTable(sql: Sql, table: string): Promise<void> {
  if (!QUALIFIED.test(table)) throw new AgentlaneError('CONFIG_INVALID', `jobsTable must be schema.table in lowercase, got ${JSON.stringify(table)}`);
  const { rows } = await sql.query<{ target: string }>(
    `SELECT n.nspname || '.' || c.relname AS target
     FROM pg_constraint k
     JOIN pg_class c ON c.oid = k.confrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE k.conname = 'job_runs_job_id_fkey' AND k.conrelid = 'engine_v2.job_runs'::regclass`,
  );
  if (rows[0]?.target === table) return;
  await sql.transaction(async (tx) => {
    await tx.exec(
      `ALTER TABLE engine_v2.job_runs DROP CONSTRAINT IF EXISTS job_runs_job_id_fkey;
       ALTER TABLE engine_v2.job_runs ADD CONSTRAINT job_runs_job_id_fkey
         FOREIGN KEY (job_id) REFERENCES ${table} (id) ON DELETE CASCADE;`,
    );
  });
}
