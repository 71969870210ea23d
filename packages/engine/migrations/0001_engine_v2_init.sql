-- engine_v2 (seed 001 §3): durable DAG workflows. Everything lives in schema engine_v2;
-- nothing outside it is created or altered, so `DROP SCHEMA engine_v2 CASCADE` removes
-- every trace. gen_random_uuid() is core since PostgreSQL 13 (and in PGlite): no pgcrypto.
--
-- Indexes are the seed's (§3.8): the claim and the lease reaper both read the partial
-- idx_job_tasks_ready; every extra index on job_tasks would be written on each state change.
--
-- Additions to the seed's columns, each for the scheduler or the rollout gates:
--   jobs                     the minimal jobs table agentlane owns (the seed's public.jobs);
--                            a host table can replace it as the target of job_runs.job_id
--   job_runs                 mode, workflow snapshot (whether it has skip rules, its file's dir), input/output, deadline, cancel, staging
--                            dir, v1 comparison figures, updated_at
--   job_tasks                agent, position (declaration order), config (the task definition), ready_at/run_after (backoff),
--                            lease (worker_id, lease_expires_at, heartbeat_at), skip reason,
--                            dispatched_at (the BullMQ reconciler)
--   job_task_attempts        worker_id
--   job_task_events          seq: a total order for streaming (SSE Last-Event-ID)
--   killswitch_drills        results of `agentlane engine killswitch --drill` (seed 000 gate)

CREATE SCHEMA IF NOT EXISTS engine_v2;

CREATE OR REPLACE FUNCTION engine_v2.set_updated_at()
RETURNS TRIGGER AS $$
BEGIN
  NEW.updated_at = now();
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- Exactly one actor completes a job (seed §9): completed_by is set once, by v1 or v2,
-- and only together with status 'completed'.
CREATE TABLE engine_v2.jobs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  actor text NOT NULL,
  project_id text,
  status text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'running', 'completed', 'failed')),
  completed_by text CHECK (completed_by IN ('v1', 'v2')),
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  CHECK ((status = 'completed') = (completed_by IS NOT NULL)),
  CHECK ((completed_by IS NULL) = (completed_at IS NULL))
);

CREATE TABLE engine_v2.job_runs (
  job_id uuid PRIMARY KEY,
  engine_version text NOT NULL DEFAULT 'v2',
  scheduler_version text,
  mode text NOT NULL DEFAULT 'direct'
    CHECK (mode IN ('direct', 'shadow', 'live', 'drill')),
  status text NOT NULL DEFAULT 'running'
    CHECK (status IN ('running', 'succeeded', 'failed', 'canceled')),
  fallback_triggered boolean NOT NULL DEFAULT false,
  error_code text,
  error_message text,
  workflow_name text NOT NULL,
  workflow jsonb NOT NULL,
  has_skip_rules boolean NOT NULL DEFAULT false,
  workflow_dir text,
  input jsonb NOT NULL DEFAULT '{}',
  output jsonb,
  actor text,
  project_id text,
  staging_dir text,
  deadline_at timestamptz NOT NULL,
  cancel_requested_at timestamptz,
  latency_ms int,
  cost_usd numeric(12, 6),
  v1_status text CHECK (v1_status IN ('succeeded', 'failed')),
  v1_latency_ms int,
  v1_cost_usd numeric(12, 6),
  comparison jsonb,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  CONSTRAINT job_runs_job_id_fkey FOREIGN KEY (job_id) REFERENCES engine_v2.jobs (id) ON DELETE CASCADE,
  CHECK ((status = 'running') = (finished_at IS NULL))
);

CREATE TRIGGER trg_job_runs_updated_at
  BEFORE UPDATE ON engine_v2.job_runs
  FOR EACH ROW EXECUTE FUNCTION engine_v2.set_updated_at();

-- Tasks refer to their run (not to the jobs table directly): only job_runs points outside
-- the engine's own tables, so swapping the jobs table touches one constraint.
CREATE TABLE engine_v2.job_tasks (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  job_id uuid NOT NULL REFERENCES engine_v2.job_runs (job_id) ON DELETE CASCADE,
  task_key text NOT NULL,
  position int NOT NULL DEFAULT 0,
  agent_role text NOT NULL,
  agent text NOT NULL,
  config jsonb NOT NULL DEFAULT '{}',
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'ready', 'running', 'succeeded',
                      'failed', 'blocked', 'canceled', 'skipped')),
  input jsonb DEFAULT '{}',
  output jsonb DEFAULT '{}',
  progress int NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
  attempt_count int NOT NULL DEFAULT 0 CHECK (attempt_count >= 0),
  max_attempts int NOT NULL DEFAULT 2 CHECK (max_attempts >= 1),
  display_label text,
  weight int NOT NULL DEFAULT 1 CHECK (weight >= 0),
  template_id text,
  error_code text,
  error_message text,
  skip_reason text,
  skip_cascade boolean NOT NULL DEFAULT false,
  ready_at timestamptz,
  run_after timestamptz,
  dispatched_at timestamptz,
  worker_id text,
  lease_expires_at timestamptz,
  heartbeat_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (job_id, task_key),
  CHECK (attempt_count <= max_attempts),
  CHECK ((status = 'running') = (lease_expires_at IS NOT NULL)),
  CHECK (status <> 'ready' OR run_after IS NOT NULL),
  CHECK ((status = 'skipped') = (skip_reason IS NOT NULL))
);

CREATE TRIGGER trg_job_tasks_updated_at
  BEFORE UPDATE ON engine_v2.job_tasks
  FOR EACH ROW EXECUTE FUNCTION engine_v2.set_updated_at();

CREATE TABLE engine_v2.job_task_dependencies (
  predecessor_task_id uuid NOT NULL
    REFERENCES engine_v2.job_tasks (id) ON DELETE CASCADE,
  successor_task_id uuid NOT NULL
    REFERENCES engine_v2.job_tasks (id) ON DELETE CASCADE,
  PRIMARY KEY (predecessor_task_id, successor_task_id),
  CHECK (predecessor_task_id <> successor_task_id)
);

CREATE TABLE engine_v2.job_task_attempts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  task_id uuid NOT NULL
    REFERENCES engine_v2.job_tasks (id) ON DELETE CASCADE,
  attempt_no int NOT NULL DEFAULT 1 CHECK (attempt_no >= 1),
  status text NOT NULL
    CHECK (status IN ('running', 'succeeded', 'failed', 'canceled')),
  worker_id text,
  tokens_in int,
  tokens_out int,
  latency_ms int,
  cost_usd numeric(10, 4),
  error jsonb,
  started_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (task_id, attempt_no),
  CHECK ((status = 'running') = (ended_at IS NULL))
);

CREATE TABLE engine_v2.job_task_artifacts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  job_id uuid NOT NULL REFERENCES engine_v2.job_runs (job_id) ON DELETE CASCADE,
  task_id uuid NOT NULL
    REFERENCES engine_v2.job_tasks (id) ON DELETE CASCADE,
  kind text NOT NULL,
  uri text,
  content jsonb,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (uri IS NOT NULL OR content IS NOT NULL)
);

-- Immutable: written once, never updated. seq orders events for streaming.
CREATE TABLE engine_v2.job_task_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  seq bigint GENERATED ALWAYS AS IDENTITY,
  job_id uuid NOT NULL REFERENCES engine_v2.job_runs (job_id) ON DELETE CASCADE,
  task_id uuid REFERENCES engine_v2.job_tasks (id) ON DELETE CASCADE,
  event_type text NOT NULL,
  data jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE engine_v2.killswitch_drills (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  passed boolean NOT NULL,
  details jsonb NOT NULL DEFAULT '{}',
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX idx_job_tasks_status
  ON engine_v2.job_tasks (job_id, status, created_at);
CREATE INDEX idx_job_tasks_ready
  ON engine_v2.job_tasks (status, created_at)
  WHERE status IN ('ready', 'running');
CREATE INDEX idx_deps_successor
  ON engine_v2.job_task_dependencies (successor_task_id);
CREATE INDEX idx_artifacts_job
  ON engine_v2.job_task_artifacts (job_id, kind);
CREATE INDEX idx_events_job
  ON engine_v2.job_task_events (job_id, seq);
CREATE INDEX idx_job_runs_status
  ON engine_v2.job_runs (status, created_at);
CREATE INDEX idx_job_runs_created
  ON engine_v2.job_runs (created_at);

-- ---------------------------------------------------------------------------------------
-- Scheduler statements as functions: each runs where the data is, so the run lock of a
-- completion is held for one round trip, not seven. Skip conditions (the declarative
-- language in packages/engine/src/workflow/condition.ts) are evaluated by the engine, so
-- the fast path below leaves tasks with a skip rule pending and says so (needs_eval).
-- ---------------------------------------------------------------------------------------

-- Seed §8.2: take one ready task with FOR UPDATE SKIP LOCKED (the oldest, optionally of
-- some roles; or one named task, for a BullMQ delivery) so no two workers get it, and in
-- the same transaction start its attempt, its lease and its taskStarted event. Returns
-- what the task needs (job input, upstream outputs) as JSON, or NULL when there is none.
CREATE FUNCTION engine_v2.claim(p_worker text, p_lease_ms int, p_roles text[], p_task uuid) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_id uuid;
  v_task engine_v2.job_tasks;
  v_attempt uuid;
BEGIN
  IF p_task IS NULL THEN
    SELECT t.id INTO v_id FROM engine_v2.job_tasks t
    WHERE t.status = 'ready' AND t.run_after <= now() AND (p_roles IS NULL OR t.agent_role = ANY (p_roles))
    ORDER BY t.created_at
    LIMIT 1
    FOR UPDATE SKIP LOCKED;
  ELSE
    SELECT t.id INTO v_id FROM engine_v2.job_tasks t
    WHERE t.id = p_task AND t.status = 'ready' AND t.run_after <= now()
    FOR UPDATE SKIP LOCKED;
  END IF;
  IF v_id IS NULL THEN
    RETURN NULL;
  END IF;
  UPDATE engine_v2.job_tasks t
  SET status = 'running', started_at = now(), attempt_count = t.attempt_count + 1,
      worker_id = p_worker, heartbeat_at = now(), lease_expires_at = now() + p_lease_ms * interval '1 millisecond'
  WHERE t.id = v_id
  RETURNING * INTO v_task;
  INSERT INTO engine_v2.job_task_attempts (task_id, attempt_no, status, worker_id)
  VALUES (v_id, v_task.attempt_count, 'running', p_worker)
  RETURNING id INTO v_attempt;
  INSERT INTO engine_v2.job_task_events (job_id, task_id, event_type, data)
  VALUES (v_task.job_id, v_id, 'taskStarted',
          jsonb_build_object('task_key', v_task.task_key, 'label', v_task.display_label, 'attempt', v_task.attempt_count));
  RETURN (
    SELECT jsonb_build_object(
      'id', v_id, 'job_id', v_task.job_id, 'task_key', v_task.task_key, 'agent_role', v_task.agent_role,
      'agent', v_task.agent, 'config', v_task.config, 'attempt_count', v_task.attempt_count,
      'max_attempts', v_task.max_attempts, 'display_label', v_task.display_label, 'weight', v_task.weight,
      'template_id', v_task.template_id, 'attempt_id', v_attempt, 'job_input', r.input,
      'staging_dir', r.staging_dir, 'source_dir', r.workflow_dir,
      'upstream', (SELECT coalesce(jsonb_object_agg(u.task_key, u.output), '{}'::jsonb)
                   FROM engine_v2.job_tasks u
                   WHERE u.job_id = v_task.job_id AND u.status = 'succeeded'
                     AND u.task_key IN (SELECT jsonb_array_elements_text(v_task.config -> 'upstream'))))
    FROM engine_v2.job_runs r WHERE r.job_id = v_task.job_id);
END;
$$;

-- Percent of the job's task weight in a terminal state (equal weights when all are 0).
CREATE FUNCTION engine_v2.job_progress(p_job uuid) RETURNS int
LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN count(*) = 0 THEN 100
    WHEN coalesce(sum(weight), 0) = 0
      THEN round(100.0 * count(*) FILTER (WHERE status IN ('succeeded', 'failed', 'canceled', 'skipped')) / count(*))::int
    ELSE round(100.0 * coalesce(sum(weight) FILTER (WHERE status IN ('succeeded', 'failed', 'canceled', 'skipped')), 0) / sum(weight))::int
  END
  FROM engine_v2.job_tasks WHERE job_id = p_job
$$;

-- Seed §8.1: pending tasks whose predecessors all succeeded or were skipped become ready.
-- p_plain_only: leave tasks with a skip rule (own skip_if, or a predecessor skipped with
-- skip_downstream) pending, for the engine to resolve. Returns the promoted tasks.
CREATE FUNCTION engine_v2.promote_ready(p_job uuid, p_plain_only boolean)
RETURNS TABLE (id uuid, task_key text, agent_role text, attempt_count int, run_after timestamptz,
               skip_if jsonb, skip_downstream boolean, cascade_from text)
LANGUAGE sql VOLATILE AS $$
  UPDATE engine_v2.job_tasks t
  SET status = 'ready', ready_at = now(), run_after = now()
  WHERE t.job_id = p_job
    AND t.status = 'pending'
    AND NOT EXISTS (
      SELECT 1 FROM engine_v2.job_task_dependencies d
      JOIN engine_v2.job_tasks pred ON pred.id = d.predecessor_task_id
      WHERE d.successor_task_id = t.id
        AND pred.status NOT IN ('succeeded', 'skipped'))
    AND (NOT p_plain_only OR (
      t.config -> 'skipIf' IS NULL
      AND NOT EXISTS (
        SELECT 1 FROM engine_v2.job_task_dependencies d
        JOIN engine_v2.job_tasks pred ON pred.id = d.predecessor_task_id
        WHERE d.successor_task_id = t.id AND pred.status = 'skipped' AND pred.skip_cascade)))
  RETURNING t.id, t.task_key, t.agent_role, t.attempt_count, t.run_after,
    t.config -> 'skipIf',
    coalesce((t.config ->> 'skipDownstream')::boolean, false),
    (SELECT pred.task_key FROM engine_v2.job_task_dependencies d
       JOIN engine_v2.job_tasks pred ON pred.id = d.predecessor_task_id
     WHERE d.successor_task_id = t.id AND pred.status = 'skipped' AND pred.skip_cascade
     ORDER BY pred.task_key LIMIT 1)
$$;

-- Pending tasks that could be promoted (all predecessors satisfied): after a plain-only
-- promotion, these are exactly the tasks waiting for skip evaluation.
CREATE FUNCTION engine_v2.has_promotable(p_job uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (
    SELECT 1 FROM engine_v2.job_tasks t
    WHERE t.job_id = p_job AND t.status = 'pending'
      AND NOT EXISTS (
        SELECT 1 FROM engine_v2.job_task_dependencies d
        JOIN engine_v2.job_tasks pred ON pred.id = d.predecessor_task_id
        WHERE d.successor_task_id = t.id AND pred.status NOT IN ('succeeded', 'skipped')))
$$;

-- End a run: status, error, output (the `result` task's, else the single sink's, else
-- every sink's by key), latency, cost; a direct or drill run also completes its job in
-- engine_v2.jobs (v2 is its only actor, seed §9); a jobFinished event.
CREATE FUNCTION engine_v2.finish_run(p_job uuid, p_status text, p_code text, p_message text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_sinks int;
BEGIN
  SELECT count(*) INTO v_sinks FROM engine_v2.job_tasks t WHERE t.job_id = p_job
    AND NOT EXISTS (SELECT 1 FROM engine_v2.job_task_dependencies d WHERE d.predecessor_task_id = t.id);
  UPDATE engine_v2.job_runs r
  SET status = p_status, error_code = p_code, error_message = p_message, finished_at = now(),
      output = CASE WHEN p_status <> 'succeeded' THEN NULL
        WHEN r.workflow ? 'result' THEN
          (SELECT CASE WHEN t.status = 'succeeded' THEN t.output ELSE 'null'::jsonb END
           FROM engine_v2.job_tasks t WHERE t.job_id = r.job_id AND t.task_key = r.workflow ->> 'result')
        WHEN v_sinks = 1 THEN
          (SELECT CASE WHEN t.status = 'succeeded' THEN t.output ELSE 'null'::jsonb END
           FROM engine_v2.job_tasks t WHERE t.job_id = r.job_id
             AND NOT EXISTS (SELECT 1 FROM engine_v2.job_task_dependencies d WHERE d.predecessor_task_id = t.id))
        ELSE
          (SELECT jsonb_object_agg(t.task_key, CASE WHEN t.status = 'succeeded' THEN t.output ELSE 'null'::jsonb END)
           FROM engine_v2.job_tasks t WHERE t.job_id = r.job_id
             AND NOT EXISTS (SELECT 1 FROM engine_v2.job_task_dependencies d WHERE d.predecessor_task_id = t.id))
      END,
      latency_ms = (extract(epoch FROM (clock_timestamp() - r.created_at)) * 1000)::int,
      cost_usd = (SELECT sum(a.cost_usd) FROM engine_v2.job_task_attempts a
                  JOIN engine_v2.job_tasks t ON t.id = a.task_id WHERE t.job_id = r.job_id)
  WHERE r.job_id = p_job AND r.status = 'running';
  UPDATE engine_v2.jobs j
  SET status = CASE WHEN p_status = 'succeeded' THEN 'completed' ELSE 'failed' END,
      completed_by = CASE WHEN p_status = 'succeeded' THEN 'v2' END,
      completed_at = CASE WHEN p_status = 'succeeded' THEN now() END
  FROM engine_v2.job_runs r
  WHERE j.id = p_job AND r.job_id = j.id AND r.mode IN ('direct', 'drill') AND j.completed_by IS NULL;
  INSERT INTO engine_v2.job_task_events (job_id, task_id, event_type, data)
  VALUES (p_job, NULL, 'jobFinished',
          jsonb_build_object('status', p_status, 'error_code', p_code, 'progress', engine_v2.job_progress(p_job)));
END;
$$;

-- After every state change: finish the run when all tasks are terminal (failed with
-- v2_task_failed if any failed), or report a deadlock (seed §8.6: nothing ready or
-- running while tasks wait → they are canceled, the run fails with v2_dag_deadlock).
-- Returns the run's status. Call with the run row locked.
CREATE FUNCTION engine_v2.finalize_run(p_job uuid) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  v_waiting int;
  v_ready int;
  v_running int;
  v_failed text;
  v_stuck text;
BEGIN
  SELECT count(*) FILTER (WHERE status IN ('pending', 'blocked')),
         count(*) FILTER (WHERE status = 'ready'),
         count(*) FILTER (WHERE status = 'running')
  INTO v_waiting, v_ready, v_running
  FROM engine_v2.job_tasks WHERE job_id = p_job;
  IF v_ready > 0 OR v_running > 0 THEN
    RETURN 'running';
  END IF;
  IF v_waiting > 0 THEN
    WITH stuck AS (
      UPDATE engine_v2.job_tasks
      SET status = 'canceled', error_code = 'v2_dag_deadlock', finished_at = now(),
          error_message = 'Canceled: nothing ready or running while this task waited (circular or missing dependency)'
      WHERE job_id = p_job AND status IN ('pending', 'blocked')
      RETURNING id, task_key
    ), events AS (
      INSERT INTO engine_v2.job_task_events (job_id, task_id, event_type, data)
      SELECT p_job, id, 'taskCanceled', jsonb_build_object('task_key', task_key, 'error_code', 'v2_dag_deadlock') FROM stuck
    )
    SELECT string_agg(task_key, ', ' ORDER BY task_key) INTO v_stuck FROM stuck;
    PERFORM engine_v2.finish_run(p_job, 'failed', 'v2_dag_deadlock',
      'DAG deadlock: task(s) could never become ready (' || v_stuck || ')');
    RETURN 'failed';
  END IF;
  SELECT string_agg(task_key, ', ' ORDER BY task_key) INTO v_failed
  FROM engine_v2.job_tasks WHERE job_id = p_job AND status = 'failed';
  IF v_failed IS NOT NULL THEN
    PERFORM engine_v2.finish_run(p_job, 'failed', 'v2_task_failed', 'Task(s) failed after all attempts: ' || v_failed);
    RETURN 'failed';
  END IF;
  PERFORM engine_v2.finish_run(p_job, 'succeeded', NULL, NULL);
  RETURN 'succeeded';
END;
$$;

-- The end of a successful attempt, fenced by (task, running, attempt number), under the
-- run lock: record it, promote what it unblocks, finalize. Returns
-- {applied, job_id, needs_eval, ready: [{id, role, attempt, run_after}]}; needs_eval means
-- tasks with a skip rule became promotable and the engine must resolve them (and finalize).
CREATE FUNCTION engine_v2.complete_success(
  p_task uuid, p_attempt_no int, p_attempt uuid, p_output jsonb,
  p_latency_ms int, p_tokens_in int, p_tokens_out int, p_cost numeric, p_artifacts jsonb
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_job uuid;
  v_run text;
  v_skips boolean;
  v_key text;
  v_ready jsonb;
  v_eval boolean;
BEGIN
  SELECT job_id INTO v_job FROM engine_v2.job_tasks WHERE id = p_task;
  IF v_job IS NULL THEN
    RETURN jsonb_build_object('applied', false, 'needs_eval', false, 'ready', '[]'::jsonb);
  END IF;
  SELECT status, has_skip_rules INTO v_run, v_skips FROM engine_v2.job_runs WHERE job_id = v_job FOR NO KEY UPDATE;
  IF v_run = 'running' THEN
    UPDATE engine_v2.job_tasks
    SET status = 'succeeded', output = p_output, progress = 100, finished_at = now(),
        lease_expires_at = NULL, error_code = NULL, error_message = NULL
    WHERE id = p_task AND status = 'running' AND attempt_count = p_attempt_no
    RETURNING task_key INTO v_key;
  END IF;
  IF v_key IS NULL THEN
    -- Stale: the task was re-claimed or the job ended. Close the attempt, change nothing else.
    UPDATE engine_v2.job_task_attempts
    SET status = 'canceled', ended_at = now(), latency_ms = p_latency_ms,
        error = coalesce(error, '{"code": "lease_lost", "message": "the task was no longer held by this attempt"}'::jsonb)
    WHERE id = p_attempt AND status = 'running';
    RETURN jsonb_build_object('applied', false, 'job_id', v_job, 'needs_eval', false, 'ready', '[]'::jsonb);
  END IF;
  UPDATE engine_v2.job_task_attempts
  SET status = 'succeeded', ended_at = now(), latency_ms = p_latency_ms,
      tokens_in = p_tokens_in, tokens_out = p_tokens_out, cost_usd = p_cost
  WHERE id = p_attempt;
  IF p_artifacts IS NOT NULL AND jsonb_array_length(p_artifacts) > 0 THEN
    INSERT INTO engine_v2.job_task_artifacts (job_id, task_id, kind, uri, content, metadata)
    SELECT v_job, p_task, a.kind, a.uri, a.content, coalesce(a.metadata, '{}'::jsonb)
    FROM jsonb_to_recordset(p_artifacts) AS a(kind text, uri text, content jsonb, metadata jsonb);
  END IF;
  INSERT INTO engine_v2.job_task_events (job_id, task_id, event_type, data)
  VALUES (v_job, p_task, 'taskDone',
          jsonb_build_object('task_key', v_key, 'attempt', p_attempt_no, 'progress', engine_v2.job_progress(v_job)));
  SELECT coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'role', p.agent_role, 'attempt', p.attempt_count, 'run_after', p.run_after)), '[]'::jsonb)
  INTO v_ready FROM engine_v2.promote_ready(v_job, true) p;
  v_eval := v_skips AND engine_v2.has_promotable(v_job);
  IF NOT v_eval THEN
    PERFORM engine_v2.finalize_run(v_job);
  END IF;
  RETURN jsonb_build_object('applied', true, 'job_id', v_job, 'needs_eval', v_eval, 'ready', v_ready);
END;
$$;
