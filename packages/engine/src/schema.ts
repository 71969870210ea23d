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
  /**
   * The column of the jobs table that holds a job's owner, for row-level security (a
   * reader sees the jobs whose owner is its identity, seed 001 §3.9).
   * @defaultValue 'actor' for engine_v2.jobs, 'user_id' (the seed's) for a host table
   */
  ownerColumn?: string;
}

const QUALIFIED = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/;
const COLUMN = /^[a-z_][a-z0-9_]*$/;

/** Apply the `engine_v2` migrations (packages/engine/migrations/*.sql) and point job_runs at the jobs table. */
export async function migrateEngine(sql: Sql, options: MigrateEngineOptions = {}): Promise<MigrateResult> {
  const result = await migrate(sql, loadMigrations('engine_v2', new URL('../migrations/', import.meta.url)));
  const jobsTable = options.jobsTable ?? OWNED_JOBS_TABLE;
  await useJobsTable(sql, jobsTable);
  await useOwnerColumn(sql, jobsTable, options.ownerColumn ?? (jobsTable === OWNED_JOBS_TABLE ? 'actor' : 'user_id'));
  return result;
}

/** Point engine_v2.job_owner (the row-level security policies' owner lookup) at the jobs table's owner column. */
async function useOwnerColumn(sql: Sql, table: string, column: string): Promise<void> {
  if (!COLUMN.test(column)) throw new AgentlaneError('CONFIG_INVALID', `ownerColumn must be a lowercase column name, got ${JSON.stringify(column)}`);
  const [schema, name] = table.split('.') as [string, string];
  const { rows } = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = $3`,
    [schema, name, column],
  );
  if (rows[0]?.n !== 1) throw new AgentlaneError('CONFIG_INVALID', `The jobs table ${table} has no owner column ${JSON.stringify(column)} (set ownerColumn)`);
  const body = `SELECT j.${column}::text FROM ${table} j WHERE j.id = p_job`;
  const current = await sql.query<{ body: string }>(`SELECT trim(prosrc) AS body FROM pg_proc WHERE oid = 'engine_v2.job_owner(uuid)'::regprocedure`);
  if (current.rows[0]?.body === body) return;
  await sql.exec(
    `CREATE OR REPLACE FUNCTION engine_v2.job_owner(p_job uuid) RETURNS text
     LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$ ${body} $$;`,
  );
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
