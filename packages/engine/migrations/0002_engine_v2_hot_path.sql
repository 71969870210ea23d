-- engine_v2 hot path, cheaper (same semantics as 0001, which stays as released).
--
-- 1. The helpers 0001 wrote in LANGUAGE sql (job_progress, promote_ready, has_promotable)
--    are planned again on every call: PostgreSQL caches a SQL function's plan only for
--    the statement that calls it. As PL/pgSQL their plans are cached per connection.
-- 2. complete_success does less under the run lock: one pass over the job's tasks gives
--    the taskDone progress and whether anything is still ready or running; a job without
--    skip rules promotes only the successors of the task that finished (no other pending
--    task can have become ready: every earlier change promoted under the same lock); and
--    finalize_run runs only when nothing was promoted and nothing is ready or running
--    (otherwise it would return 'running' without changing anything).
-- 3. Every lookup is bounded by the job (predecessors carry `pred.job_id = <job>`, sinks
--    and cost go through per-task index lookups, the run row through its key): a plan a
--    connection caches while the tables are young must not turn into a scan of every
--    job's rows later (0001's finish_run read the run through idx_job_runs_status and
--    hash-joined all attempts, which slowed every run down as the tables grew).

-- Percent from (tasks, terminal tasks, weight, terminal weight): job_progress's formula.
CREATE OR REPLACE FUNCTION engine_v2.progress_of(p_n int, p_done_n int, p_w bigint, p_done_w bigint) RETURNS int
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN p_n = 0 THEN 100
    WHEN p_w = 0 THEN round(100.0 * p_done_n / p_n)::int
    ELSE round(100.0 * p_done_w / p_w)::int
  END
$$;

CREATE OR REPLACE FUNCTION engine_v2.job_progress(p_job uuid) RETURNS int
LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_n int;
  v_done_n int;
  v_w bigint;
  v_done_w bigint;
BEGIN
  SELECT count(*), count(*) FILTER (WHERE status IN ('succeeded', 'failed', 'canceled', 'skipped')),
         coalesce(sum(weight), 0), coalesce(sum(weight) FILTER (WHERE status IN ('succeeded', 'failed', 'canceled', 'skipped')), 0)
  INTO v_n, v_done_n, v_w, v_done_w
  FROM engine_v2.job_tasks WHERE job_id = p_job;
  RETURN engine_v2.progress_of(v_n, v_done_n, v_w, v_done_w);
END;
$$;

CREATE OR REPLACE FUNCTION engine_v2.promote_ready(p_job uuid, p_plain_only boolean)
RETURNS TABLE (id uuid, task_key text, agent_role text, attempt_count int, run_after timestamptz,
               skip_if jsonb, skip_downstream boolean, cascade_from text)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH promoted AS (
    UPDATE engine_v2.job_tasks t
    SET status = 'ready', ready_at = now(), run_after = now()
    WHERE t.job_id = p_job
      AND t.status = 'pending'
      AND NOT EXISTS (
        SELECT 1 FROM engine_v2.job_task_dependencies d
        JOIN engine_v2.job_tasks pred ON pred.id = d.predecessor_task_id
        WHERE d.successor_task_id = t.id AND pred.job_id = p_job
          AND pred.status NOT IN ('succeeded', 'skipped'))
      AND (NOT p_plain_only OR (
        t.config -> 'skipIf' IS NULL
        AND NOT EXISTS (
          SELECT 1 FROM engine_v2.job_task_dependencies d
          JOIN engine_v2.job_tasks pred ON pred.id = d.predecessor_task_id
          WHERE d.successor_task_id = t.id AND pred.job_id = p_job AND pred.status = 'skipped' AND pred.skip_cascade)))
    RETURNING t.id, t.task_key, t.agent_role, t.attempt_count, t.run_after,
      t.config -> 'skipIf' AS skip_if,
      coalesce((t.config ->> 'skipDownstream')::boolean, false) AS skip_downstream,
      (SELECT pred.task_key FROM engine_v2.job_task_dependencies d
         JOIN engine_v2.job_tasks pred ON pred.id = d.predecessor_task_id
       WHERE d.successor_task_id = t.id AND pred.job_id = p_job AND pred.status = 'skipped' AND pred.skip_cascade
       ORDER BY pred.task_key LIMIT 1) AS cascade_from
  )
  SELECT p.id, p.task_key, p.agent_role, p.attempt_count, p.run_after, p.skip_if, p.skip_downstream, p.cascade_from
  FROM promoted p;
END;
$$;

CREATE OR REPLACE FUNCTION engine_v2.has_promotable(p_job uuid) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
BEGIN
  RETURN EXISTS (
    SELECT 1 FROM engine_v2.job_tasks t
    WHERE t.job_id = p_job AND t.status = 'pending'
      AND NOT EXISTS (
        SELECT 1 FROM engine_v2.job_task_dependencies d
        JOIN engine_v2.job_tasks pred ON pred.id = d.predecessor_task_id
        WHERE d.successor_task_id = t.id AND pred.job_id = p_job AND pred.status NOT IN ('succeeded', 'skipped')));
END;
$$;

CREATE OR REPLACE FUNCTION engine_v2.complete_success(
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
  v_eval boolean := false;
  v_n int;
  v_done_n int;
  v_w bigint;
  v_done_w bigint;
  v_open int;
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
  -- One pass: the progress this completion reports, and what else is still ready or running.
  SELECT count(*), count(*) FILTER (WHERE status IN ('succeeded', 'failed', 'canceled', 'skipped')),
         coalesce(sum(weight), 0), coalesce(sum(weight) FILTER (WHERE status IN ('succeeded', 'failed', 'canceled', 'skipped')), 0),
         count(*) FILTER (WHERE status IN ('ready', 'running'))
  INTO v_n, v_done_n, v_w, v_done_w, v_open
  FROM engine_v2.job_tasks WHERE job_id = v_job;
  INSERT INTO engine_v2.job_task_events (job_id, task_id, event_type, data)
  VALUES (v_job, p_task, 'taskDone',
          jsonb_build_object('task_key', v_key, 'attempt', p_attempt_no, 'progress', engine_v2.progress_of(v_n, v_done_n, v_w, v_done_w)));
  IF v_skips THEN
    SELECT coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'role', p.agent_role, 'attempt', p.attempt_count, 'run_after', p.run_after)), '[]'::jsonb)
    INTO v_ready FROM engine_v2.promote_ready(v_job, true) p;
    v_eval := engine_v2.has_promotable(v_job);
  ELSE
    -- No skip rules: only this task's successors can have become ready.
    WITH promoted AS (
      UPDATE engine_v2.job_tasks t
      SET status = 'ready', ready_at = now(), run_after = now()
      FROM engine_v2.job_task_dependencies s
      WHERE s.predecessor_task_id = p_task AND t.id = s.successor_task_id
        AND t.job_id = v_job AND t.status = 'pending'
        AND NOT EXISTS (
          SELECT 1 FROM engine_v2.job_task_dependencies d
          JOIN engine_v2.job_tasks pred ON pred.id = d.predecessor_task_id
          WHERE d.successor_task_id = t.id AND pred.job_id = v_job
            AND pred.status NOT IN ('succeeded', 'skipped'))
      RETURNING t.id, t.agent_role, t.attempt_count, t.run_after
    )
    SELECT coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'role', p.agent_role, 'attempt', p.attempt_count, 'run_after', p.run_after)), '[]'::jsonb)
    INTO v_ready FROM promoted p;
  END IF;
  -- finalize_run changes nothing while a task is ready or running.
  IF NOT v_eval AND v_open = 0 AND jsonb_array_length(v_ready) = 0 THEN
    PERFORM engine_v2.finalize_run(v_job);
  END IF;
  RETURN jsonb_build_object('applied', true, 'job_id', v_job, 'needs_eval', v_eval, 'ready', v_ready);
END;
$$;

-- finish_run with the same effects as 0001's, in statements whose plans stay bounded by
-- the job whatever the table sizes were when the connection cached them: the run row by
-- its key (locked, then its status checked, so nothing is written twice), sinks and
-- cost through per-task index lookups.
CREATE OR REPLACE FUNCTION engine_v2.finish_run(p_job uuid, p_status text, p_code text, p_message text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  v_status text;
  v_sinks int;
  v_output jsonb;
  v_cost numeric;
  v_all jsonb;
  v_first jsonb;
  v_has_result boolean;
  v_result text;
  v_mode text;
BEGIN
  SELECT r.status, r.workflow ? 'result', r.workflow ->> 'result', r.mode INTO v_status, v_has_result, v_result, v_mode
  FROM engine_v2.job_runs r WHERE r.job_id = p_job FOR NO KEY UPDATE;
  IF v_status IS DISTINCT FROM 'running' THEN
    RETURN;
  END IF;
  IF p_status = 'succeeded' THEN
    IF v_has_result THEN
      SELECT CASE WHEN t.status = 'succeeded' THEN t.output ELSE 'null'::jsonb END INTO v_output
      FROM engine_v2.job_tasks t WHERE t.job_id = p_job AND t.task_key = v_result;
    ELSE
      SELECT count(*), jsonb_object_agg(s.task_key, s.out), (array_agg(s.out))[1]
      INTO v_sinks, v_all, v_first
      FROM (
        SELECT t.task_key, CASE WHEN t.status = 'succeeded' THEN t.output ELSE 'null'::jsonb END AS out
        FROM engine_v2.job_tasks t
        WHERE t.job_id = p_job
          -- a sink: no edge leaves it (a per-task lookup in the edges' primary key)
          AND (SELECT count(*) FROM engine_v2.job_task_dependencies d WHERE d.predecessor_task_id = t.id) = 0
      ) s;
      v_output := CASE WHEN v_sinks = 1 THEN v_first ELSE v_all END;
    END IF;
  END IF;
  SELECT sum(a.cost) INTO v_cost
  FROM engine_v2.job_tasks t
  CROSS JOIN LATERAL (SELECT sum(x.cost_usd) AS cost FROM engine_v2.job_task_attempts x WHERE x.task_id = t.id) a
  WHERE t.job_id = p_job;
  UPDATE engine_v2.job_runs r
  SET status = p_status, error_code = p_code, error_message = p_message, finished_at = now(),
      output = CASE WHEN p_status = 'succeeded' THEN v_output END,
      latency_ms = (extract(epoch FROM (clock_timestamp() - r.created_at)) * 1000)::int,
      cost_usd = v_cost
  WHERE r.job_id = p_job;
  IF v_mode IN ('direct', 'drill') THEN
    UPDATE engine_v2.jobs j
    SET status = CASE WHEN p_status = 'succeeded' THEN 'completed' ELSE 'failed' END,
        completed_by = CASE WHEN p_status = 'succeeded' THEN 'v2' END,
        completed_at = CASE WHEN p_status = 'succeeded' THEN now() END
    WHERE j.id = p_job AND j.completed_by IS NULL;
  END IF;
  INSERT INTO engine_v2.job_task_events (job_id, task_id, event_type, data)
  VALUES (p_job, NULL, 'jobFinished',
          jsonb_build_object('status', p_status, 'error_code', p_code, 'progress', engine_v2.job_progress(p_job)));
END;
$$;
