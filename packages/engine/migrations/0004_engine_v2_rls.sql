-- Row-level security (seed 001 §3.9): a reader sees the rows of its own jobs, SELECT only.
-- The seed's policy is `jobs.user_id = auth.uid()` on Supabase; here the caller's identity
-- is engine_v2.request_user_id() (Supabase's auth.uid() where it exists, else the JWT
-- subject PostgREST puts in request.jwt.claims / request.jwt.claim.sub), and a job's owner
-- is engine_v2.job_owner(job id), which migrateEngine points at the configured jobs table
-- (engine_v2.jobs.actor by default; the seed's public.jobs.user_id for a host table).
--
-- All writes go through the engine's own role: the tables' owner, which RLS does not
-- apply to (no FORCE), or a role with BYPASSRLS such as Supabase's service_role. A reader
-- role needs SELECT grants and sees nothing without an identity.

CREATE OR REPLACE FUNCTION engine_v2.request_user_id() RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_id text;
BEGIN
  IF to_regprocedure('auth.uid()') IS NOT NULL THEN
    EXECUTE 'SELECT auth.uid()::text' INTO v_id;
    RETURN v_id;
  END IF;
  RETURN coalesce(nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub',
                  nullif(current_setting('request.jwt.claim.sub', true), ''));
END;
$$;

-- Replaced by migrateEngine when job_runs points at a host's jobs table. SECURITY DEFINER:
-- a reader needs no grant on the jobs table itself.
CREATE OR REPLACE FUNCTION engine_v2.job_owner(p_job uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT j.actor::text FROM engine_v2.jobs j WHERE j.id = p_job
$$;

CREATE OR REPLACE FUNCTION engine_v2.task_owner(p_task uuid) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $$
  SELECT engine_v2.job_owner(t.job_id) FROM engine_v2.job_tasks t WHERE t.id = p_task
$$;

ALTER TABLE engine_v2.jobs ENABLE ROW LEVEL SECURITY;
ALTER TABLE engine_v2.job_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE engine_v2.job_tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE engine_v2.job_task_dependencies ENABLE ROW LEVEL SECURITY;
ALTER TABLE engine_v2.job_task_attempts ENABLE ROW LEVEL SECURITY;
ALTER TABLE engine_v2.job_task_artifacts ENABLE ROW LEVEL SECURITY;
ALTER TABLE engine_v2.job_task_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE engine_v2.killswitch_drills ENABLE ROW LEVEL SECURITY;

CREATE POLICY owner_select ON engine_v2.jobs FOR SELECT
  USING (engine_v2.job_owner(id) = engine_v2.request_user_id());
CREATE POLICY owner_select ON engine_v2.job_runs FOR SELECT
  USING (engine_v2.job_owner(job_id) = engine_v2.request_user_id());
CREATE POLICY owner_select ON engine_v2.job_tasks FOR SELECT
  USING (engine_v2.job_owner(job_id) = engine_v2.request_user_id());
CREATE POLICY owner_select ON engine_v2.job_task_dependencies FOR SELECT
  USING (engine_v2.task_owner(successor_task_id) = engine_v2.request_user_id());
CREATE POLICY owner_select ON engine_v2.job_task_attempts FOR SELECT
  USING (engine_v2.task_owner(task_id) = engine_v2.request_user_id());
CREATE POLICY owner_select ON engine_v2.job_task_artifacts FOR SELECT
  USING (engine_v2.job_owner(job_id) = engine_v2.request_user_id());
CREATE POLICY owner_select ON engine_v2.job_task_events FOR SELECT
  USING (engine_v2.job_owner(job_id) = engine_v2.request_user_id());
-- killswitch_drills: operators' records, no owner: no policy, so readers see none.
