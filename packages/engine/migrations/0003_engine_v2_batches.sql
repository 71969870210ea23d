-- engine_v2 in batches: several claims, or several completions, per transaction.
--
-- A no-op task costs two write transactions (its claim and its completion); at a few
-- thousand tasks a second the commits, round trips and statement starts cost more than the
-- rows themselves. Workers therefore claim and complete in groups (packages/engine/src/
-- scheduler/batch.ts gathers what arrives while the previous group is in flight). Each task
-- in a group gets exactly what the one-task functions of 0001/0002 give it: the same rows,
-- events, fencing and locks; a group commits or rolls back as a whole, and nothing is
-- acknowledged to a worker before its group commits.

-- Seed §8.2 for a group: lock ready tasks with FOR UPDATE SKIP LOCKED (the named ones, for
-- BullMQ deliveries; or the oldest p_limit of some roles, for inline workers), and start
-- their attempts, leases and taskStarted events. A named task that is not ready (a
-- duplicate delivery, or a task another worker holds) is simply not in the answer.
-- Returns a jsonb array of claimed tasks in engine_v2.claim's shape.
CREATE OR REPLACE FUNCTION engine_v2.claim_many(p_worker text, p_lease_ms int, p_roles text[], p_tasks uuid[], p_limit int)
RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_ids uuid[];
  v_out jsonb;
BEGIN
  IF p_tasks IS NULL THEN
    SELECT array_agg(s.id) INTO v_ids FROM (
      SELECT t.id FROM engine_v2.job_tasks t
      WHERE t.status = 'ready' AND t.run_after <= now() AND (p_roles IS NULL OR t.agent_role = ANY (p_roles))
      ORDER BY t.created_at
      LIMIT p_limit
      FOR UPDATE SKIP LOCKED) s;
  ELSE
    SELECT array_agg(s.id) INTO v_ids FROM (
      SELECT t.id FROM engine_v2.job_tasks t
      WHERE t.id = ANY (p_tasks) AND t.status = 'ready' AND t.run_after <= now()
      FOR UPDATE SKIP LOCKED) s;
  END IF;
  IF v_ids IS NULL THEN
    RETURN '[]'::jsonb;
  END IF;
  WITH claimed AS (
    UPDATE engine_v2.job_tasks t
    SET status = 'running', started_at = now(), attempt_count = t.attempt_count + 1,
        worker_id = p_worker, heartbeat_at = now(), lease_expires_at = now() + p_lease_ms * interval '1 millisecond'
    WHERE t.id = ANY (v_ids)
    RETURNING t.*
  ), attempts AS (
    INSERT INTO engine_v2.job_task_attempts (task_id, attempt_no, status, worker_id)
    SELECT c.id, c.attempt_count, 'running', p_worker FROM claimed c
    RETURNING id, task_id
  ), started AS (
    INSERT INTO engine_v2.job_task_events (job_id, task_id, event_type, data)
    SELECT c.job_id, c.id, 'taskStarted',
           jsonb_build_object('task_key', c.task_key, 'label', c.display_label, 'attempt', c.attempt_count)
    FROM claimed c ORDER BY c.created_at, c.id
  )
  SELECT jsonb_agg(jsonb_build_object(
      'id', c.id, 'job_id', c.job_id, 'task_key', c.task_key, 'agent_role', c.agent_role,
      'agent', c.agent, 'config', c.config, 'attempt_count', c.attempt_count,
      'max_attempts', c.max_attempts, 'display_label', c.display_label, 'weight', c.weight,
      'template_id', c.template_id, 'attempt_id', a.id, 'job_input', r.input,
      'staging_dir', r.staging_dir, 'source_dir', r.workflow_dir,
      'upstream', (SELECT coalesce(jsonb_object_agg(u.task_key, u.output), '{}'::jsonb)
                   FROM engine_v2.job_tasks u
                   WHERE u.job_id = c.job_id AND u.status = 'succeeded'
                     AND u.task_key IN (SELECT jsonb_array_elements_text(c.config -> 'upstream'))))
    ORDER BY c.created_at, c.id)
  INTO v_out
  FROM claimed c
  JOIN attempts a ON a.task_id = c.id
  -- The run by its key, per task (LIMIT keeps the planner from turning this into a join
  -- that scans every run).
  CROSS JOIN LATERAL (SELECT x.input, x.staging_dir, x.workflow_dir FROM engine_v2.job_runs x WHERE x.job_id = c.job_id LIMIT 1) r;
  RETURN coalesce(v_out, '[]'::jsonb);
END;
$$;

-- Successful attempts in a group: engine_v2.complete_success (0002) for each, in one
-- transaction. Run rows are locked in job-id order whatever order the group came in, so
-- two groups sharing jobs never wait on each other in a cycle. p_items is a jsonb array of
-- {task, job, attempt_no, attempt, output, latency_ms, tokens_in, tokens_out, cost, artifacts};
-- the answer is complete_success's object for each item, in p_items's order.
CREATE OR REPLACE FUNCTION engine_v2.complete_success_many(p_items jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_item record;
  v_results jsonb[] := array_fill(NULL::jsonb, ARRAY[jsonb_array_length(p_items)]);
BEGIN
  -- No join to job_tasks here: this plan is cached per connection, and a join planned
  -- while the table was small stays a hash join over all of it. The job id comes with
  -- the item; it only orders the locks (complete_success reads the task's real job).
  FOR v_item IN
    SELECT e.n, x.task, x.attempt_no, x.attempt, e.value -> 'output' AS output, x.latency_ms,
           x.tokens_in, x.tokens_out, x.cost, e.value -> 'artifacts' AS artifacts
    FROM jsonb_array_elements(p_items) WITH ORDINALITY AS e(value, n)
    CROSS JOIN LATERAL jsonb_to_record(e.value) AS x(task uuid, job uuid, attempt_no int, attempt uuid, latency_ms int,
                                                     tokens_in int, tokens_out int, cost numeric)
    ORDER BY x.job, e.n
  LOOP
    v_results[v_item.n] := engine_v2.complete_success(
      v_item.task, v_item.attempt_no, v_item.attempt, coalesce(v_item.output, 'null'::jsonb), v_item.latency_ms,
      v_item.tokens_in, v_item.tokens_out, v_item.cost,
      CASE WHEN jsonb_typeof(v_item.artifacts) = 'array' THEN v_item.artifacts END);
  END LOOP;
  RETURN to_jsonb(v_results);
END;
$$;
