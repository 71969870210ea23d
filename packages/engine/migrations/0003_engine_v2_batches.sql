-- engine_v2 in batches: several claims, or several completions, per transaction.
--
-- A no-op task costs two write transactions (its claim and its completion); at a few
-- thousand tasks a second the commits, round trips and statement starts cost more than
-- the rows themselves. Workers therefore claim and complete in groups (GroupCommit, in
-- packages/engine/src/scheduler/group-commit.ts, gathers what arrives while the previous
-- group is in flight). Each task in a group gets exactly what the one-task functions of
-- 0001/0002 give it: the same rows, events, fencing and locks; a group commits or rolls
-- back as a whole, and nothing is acknowledged to a worker before its group commits.

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

-- Successful attempts in a group, in one transaction, with complete_success's effects for
-- each (0002): the attempt recorded, the task succeeded (fenced by task, running and
-- attempt number), a taskDone event with the job's progress at that point, the tasks it
-- unblocks made ready, the run finalized when nothing is left to run. Set-based: one
-- statement per step for the whole group, not one per task. Run rows are locked first,
-- in job-id order whatever order the group came in, so two groups sharing jobs never wait
-- on each other in a cycle. Jobs with skip rules go through complete_success one item at
-- a time (their promotions may need the engine to evaluate rules: needs_eval).
--
-- p_items: [{task, job, attempt_no, attempt, output, latency_ms, tokens_in, tokens_out,
-- cost, artifacts}]. The answer has one {applied, job_id, needs_eval, ready} per item, in
-- p_items's order; the tasks a group made ready are listed once, on the first applied
-- item of their job. Big tables are only ever reached through `= ANY (array)` index
-- conditions or per-row key lookups: these plans are cached per connection, and one
-- planned while the tables were small must not become a scan of every job's rows later.
CREATE OR REPLACE FUNCTION engine_v2.complete_success_many(p_items jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_n int := jsonb_array_length(p_items);
  v_tasks uuid[];
  v_jobs uuid[];
  v_attempt_nos int[];
  v_attempts uuid[];
  v_outputs jsonb[];
  v_latencies int[];
  v_tokens_in int[];
  v_tokens_out int[];
  v_costs numeric[];
  v_artifacts jsonb[];
  v_dups boolean[];
  v_all_jobs uuid[];
  v_plain_jobs uuid[] := '{}';
  v_skip_jobs uuid[] := '{}';
  v_done uuid[];
  v_ready jsonb;
  v_results jsonb[] := array_fill(NULL::jsonb, ARRAY[v_n]);
  v_job uuid;
  v_i int;
BEGIN
  IF v_n = 0 THEN
    RETURN '[]'::jsonb;
  END IF;
  SELECT array_agg(x.task ORDER BY e.n), array_agg(x.job ORDER BY e.n), array_agg(x.attempt_no ORDER BY e.n),
         array_agg(x.attempt ORDER BY e.n), array_agg(coalesce(e.value -> 'output', 'null'::jsonb) ORDER BY e.n),
         array_agg(x.latency_ms ORDER BY e.n), array_agg(x.tokens_in ORDER BY e.n), array_agg(x.tokens_out ORDER BY e.n),
         array_agg(x.cost ORDER BY e.n), array_agg(e.value -> 'artifacts' ORDER BY e.n),
         -- A task listed again in the same group: only its first item can apply (the others are stale).
         array_agg(e.n > (SELECT min(o.n) FROM jsonb_array_elements(p_items) WITH ORDINALITY AS o(value, n)
                          WHERE (o.value ->> 'task')::uuid = x.task) ORDER BY e.n)
  INTO v_tasks, v_jobs, v_attempt_nos, v_attempts, v_outputs, v_latencies, v_tokens_in, v_tokens_out, v_costs, v_artifacts, v_dups
  FROM jsonb_array_elements(p_items) WITH ORDINALITY AS e(value, n)
  CROSS JOIN LATERAL jsonb_to_record(e.value) AS x(task uuid, job uuid, attempt_no int, attempt uuid, latency_ms int,
                                                   tokens_in int, tokens_out int, cost numeric);
  SELECT array_agg(DISTINCT j) INTO v_all_jobs FROM unnest(v_jobs) AS j;

  -- 1. Lock the runs, in job-id order; only running runs take completions.
  SELECT coalesce(array_agg(r.job_id) FILTER (WHERE NOT r.has_skip_rules AND r.status = 'running'), '{}'),
         coalesce(array_agg(r.job_id) FILTER (WHERE r.has_skip_rules AND r.status = 'running'), '{}')
  INTO v_plain_jobs, v_skip_jobs
  FROM (SELECT x.job_id, x.status, x.has_skip_rules FROM engine_v2.job_runs x
        WHERE x.job_id = ANY (v_all_jobs) ORDER BY x.job_id FOR NO KEY UPDATE) r;

  -- 2. Jobs with skip rules: one item at a time, as before.
  IF cardinality(v_skip_jobs) > 0 THEN
    FOR v_i IN 1 .. v_n LOOP
      IF v_jobs[v_i] = ANY (v_skip_jobs) THEN
        v_results[v_i] := engine_v2.complete_success(
          v_tasks[v_i], v_attempt_nos[v_i], v_attempts[v_i], v_outputs[v_i], v_latencies[v_i],
          v_tokens_in[v_i], v_tokens_out[v_i], v_costs[v_i],
          CASE WHEN jsonb_typeof(v_artifacts[v_i]) = 'array' THEN v_artifacts[v_i] END);
      END IF;
    END LOOP;
  END IF;

  -- 3. The other jobs' tasks: succeeded where the attempt still holds them.
  IF cardinality(v_plain_jobs) > 0 THEN
    WITH done AS (
      UPDATE engine_v2.job_tasks t
      SET status = 'succeeded', output = i.output, progress = 100, finished_at = now(),
          lease_expires_at = NULL, error_code = NULL, error_message = NULL
      FROM unnest(v_tasks, v_jobs, v_attempt_nos, v_outputs, v_dups) AS i(task, job, attempt_no, output, dup)
      WHERE t.id = ANY (v_tasks) AND t.id = i.task AND t.job_id = i.job AND i.job = ANY (v_plain_jobs) AND NOT i.dup
        AND t.status = 'running' AND t.attempt_count = i.attempt_no
      RETURNING t.id
    )
    SELECT coalesce(array_agg(d.id), '{}') INTO v_done FROM done d;
  ELSE
    v_done := '{}';
  END IF;

  -- 4. Their attempts: succeeded, or canceled when the task was no longer theirs (stale).
  UPDATE engine_v2.job_task_attempts a
  SET status = CASE WHEN i.task = ANY (v_done) THEN 'succeeded' ELSE 'canceled' END,
      ended_at = now(), latency_ms = i.latency_ms,
      tokens_in = CASE WHEN i.task = ANY (v_done) THEN i.tokens_in END,
      tokens_out = CASE WHEN i.task = ANY (v_done) THEN i.tokens_out END,
      cost_usd = CASE WHEN i.task = ANY (v_done) THEN i.cost END,
      error = CASE WHEN i.task = ANY (v_done) THEN a.error
                   ELSE coalesce(a.error, '{"code": "lease_lost", "message": "the task was no longer held by this attempt"}'::jsonb) END
  FROM unnest(v_attempts, v_tasks, v_jobs, v_latencies, v_tokens_in, v_tokens_out, v_costs, v_dups)
       AS i(attempt, task, job, latency_ms, tokens_in, tokens_out, cost, dup)
  WHERE a.id = ANY (v_attempts) AND a.id = i.attempt AND a.status = 'running' AND NOT i.dup
    AND NOT (i.job = ANY (v_skip_jobs));

  IF cardinality(v_done) > 0 THEN
    INSERT INTO engine_v2.job_task_artifacts (job_id, task_id, kind, uri, content, metadata)
    SELECT i.job, i.task, a.kind, a.uri, a.content, coalesce(a.metadata, '{}'::jsonb)
    FROM unnest(v_tasks, v_jobs, v_artifacts, v_dups) AS i(task, job, artifacts, dup)
    CROSS JOIN LATERAL jsonb_to_recordset(i.artifacts) AS a(kind text, uri text, content jsonb, metadata jsonb)
    WHERE i.task = ANY (v_done) AND NOT i.dup AND jsonb_typeof(i.artifacts) = 'array';

    -- 5. taskDone events in item order, each with its job's progress just after it.
    INSERT INTO engine_v2.job_task_events (job_id, task_id, event_type, data)
    SELECT d.job, d.task, 'taskDone',
           jsonb_build_object('task_key', d.task_key, 'attempt', d.attempt_no,
             'progress', engine_v2.progress_of(c.n::int, (c.done_n - d.later_n)::int, c.w::bigint, (c.done_w - d.later_w)::bigint))
    FROM (
      SELECT i.n, i.task, i.job, i.attempt_no, t.task_key,
             coalesce(count(*) OVER later, 0) AS later_n, coalesce(sum(t.weight) OVER later, 0) AS later_w
      FROM unnest(v_tasks, v_jobs, v_attempt_nos, v_dups) WITH ORDINALITY AS i(task, job, attempt_no, dup, n)
      CROSS JOIN LATERAL (SELECT x.task_key, x.weight FROM engine_v2.job_tasks x WHERE x.id = i.task LIMIT 1) t
      WHERE i.task = ANY (v_done) AND NOT i.dup
      WINDOW later AS (PARTITION BY i.job ORDER BY i.n ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
    ) d
    CROSS JOIN LATERAL (
      SELECT count(*) AS n,
             count(*) FILTER (WHERE x.status IN ('succeeded', 'failed', 'canceled', 'skipped')) AS done_n,
             coalesce(sum(x.weight), 0) AS w,
             coalesce(sum(x.weight) FILTER (WHERE x.status IN ('succeeded', 'failed', 'canceled', 'skipped')), 0) AS done_w
      FROM engine_v2.job_tasks x WHERE x.job_id = d.job) c
    ORDER BY d.n;

    -- 6. Promote what they unblock (no skip rules here: every satisfied successor runs).
    WITH promoted AS (
      UPDATE engine_v2.job_tasks t
      SET status = 'ready', ready_at = now(), run_after = now()
      WHERE t.id IN (SELECT s.successor_task_id FROM engine_v2.job_task_dependencies s WHERE s.predecessor_task_id = ANY (v_done))
        AND t.job_id = ANY (v_plain_jobs) AND t.status = 'pending'
        AND NOT EXISTS (
          SELECT 1 FROM engine_v2.job_task_dependencies d
          JOIN engine_v2.job_tasks pred ON pred.id = d.predecessor_task_id
          WHERE d.successor_task_id = t.id AND pred.status NOT IN ('succeeded', 'skipped'))
      RETURNING t.id, t.job_id, t.agent_role, t.attempt_count, t.run_after
    )
    SELECT coalesce(jsonb_object_agg(g.job_id, g.tasks), '{}'::jsonb) INTO v_ready
    FROM (SELECT p.job_id, jsonb_agg(jsonb_build_object('id', p.id, 'role', p.agent_role, 'attempt', p.attempt_count, 'run_after', p.run_after)) AS tasks
          FROM promoted p GROUP BY p.job_id) g;

    -- 7. Finalize the jobs with nothing promoted and nothing left ready or running.
    FOR v_job IN
      SELECT j FROM unnest(v_plain_jobs) AS j
      WHERE NOT v_ready ? j::text
        AND NOT EXISTS (SELECT 1 FROM engine_v2.job_tasks x WHERE x.job_id = j AND x.status IN ('ready', 'running'))
      ORDER BY j
    LOOP
      PERFORM engine_v2.finalize_run(v_job);
    END LOOP;
  ELSE
    v_ready := '{}'::jsonb;
  END IF;

  -- 8. One answer per item.
  FOR v_i IN 1 .. v_n LOOP
    CONTINUE WHEN v_results[v_i] IS NOT NULL;
    IF v_tasks[v_i] = ANY (v_done) AND NOT v_dups[v_i] THEN
      v_results[v_i] := jsonb_build_object('applied', true, 'job_id', v_jobs[v_i], 'needs_eval', false,
                                           'ready', coalesce(v_ready -> v_jobs[v_i]::text, '[]'::jsonb));
      v_ready := v_ready - v_jobs[v_i]::text;
    ELSE
      v_results[v_i] := jsonb_build_object('applied', false, 'job_id', v_jobs[v_i], 'needs_eval', false, 'ready', '[]'::jsonb);
    END IF;
  END LOOP;
  RETURN to_jsonb(v_results);
END;
$$;

-- Store a job in one round trip: the jobs row (when agentlane owns it), the run, the
-- tasks, the edges and jobStarted; then, for a workflow without skip rules, its roots made
-- ready (and the run finalized if it has none). A workflow with skip rules gets NULL back:
-- the engine promotes it (promoteReady, evaluating the rules) in the same transaction. Ids
-- come from the caller, so no statement here has to find a task by its key. p_tasks:
-- [{id, key, role, agent, config, max_attempts, label, weight, template_id}] in workflow
-- order; p_edges: [[predecessor id, successor id]]; p_roots: the ids of tasks without
-- predecessors. Returns the tasks made ready.
CREATE OR REPLACE FUNCTION engine_v2.submit_job(
  p_job uuid, p_create_job boolean, p_actor text, p_project text, p_scheduler text, p_mode text,
  p_workflow_name text, p_workflow jsonb, p_workflow_dir text, p_input jsonb, p_staging_dir text,
  p_timeout_ms int, p_has_skip_rules boolean, p_tasks jsonb, p_edges jsonb, p_roots uuid[]
) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_ready jsonb;
BEGIN
  IF p_create_job THEN
    INSERT INTO engine_v2.jobs (id, actor, project_id, status) VALUES (p_job, coalesce(p_actor, 'system'), p_project, 'running');
  END IF;
  INSERT INTO engine_v2.job_runs (job_id, scheduler_version, mode, workflow_name, workflow, has_skip_rules, workflow_dir, input, actor, project_id, staging_dir, deadline_at)
  VALUES (p_job, p_scheduler, p_mode, p_workflow_name, p_workflow, p_has_skip_rules, p_workflow_dir, p_input, p_actor, p_project, p_staging_dir,
          now() + p_timeout_ms * interval '1 millisecond');
  INSERT INTO engine_v2.job_tasks (id, job_id, task_key, position, agent_role, agent, config, max_attempts, display_label, weight, template_id)
  SELECT t.id, p_job, t.key, (e.n - 1)::int, t.role, t.agent, t.config, t.max_attempts, t.label, t.weight, t.template_id
  FROM jsonb_array_elements(p_tasks) WITH ORDINALITY AS e(value, n)
  CROSS JOIN LATERAL jsonb_to_record(e.value) AS t(id uuid, key text, role text, agent text, config jsonb, max_attempts int,
                                                   label text, weight int, template_id text)
  ORDER BY e.n;
  INSERT INTO engine_v2.job_task_dependencies (predecessor_task_id, successor_task_id)
  SELECT (d.value ->> 0)::uuid, (d.value ->> 1)::uuid FROM jsonb_array_elements(p_edges) AS d(value);
  INSERT INTO engine_v2.job_task_events (job_id, task_id, event_type, data)
  VALUES (p_job, NULL, 'jobStarted', jsonb_build_object('workflow', p_workflow_name, 'tasks', jsonb_array_length(p_tasks), 'mode', p_mode));
  IF p_has_skip_rules THEN
    RETURN NULL;
  END IF;
  WITH promoted AS (
    UPDATE engine_v2.job_tasks t
    SET status = 'ready', ready_at = now(), run_after = now()
    WHERE t.id = ANY (p_roots) AND t.status = 'pending'
    RETURNING t.id, t.agent_role, t.attempt_count, t.run_after, t.position
  )
  SELECT coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'role', p.agent_role, 'attempt', p.attempt_count, 'run_after', p.run_after) ORDER BY p.position), '[]'::jsonb)
  INTO v_ready FROM promoted p;
  IF jsonb_array_length(v_ready) = 0 THEN
    PERFORM engine_v2.finalize_run(p_job);
  END IF;
  RETURN v_ready;
END;
$$;

-- Several jobs in one transaction (concurrent submits, grouped): each exactly as
-- submit_job stores it. p_jobs: [{job, create_job, actor, project, scheduler, mode,
-- workflow_name, workflow, workflow_dir, input, staging_dir, timeout_ms, has_skip_rules,
-- tasks, edges, roots}]; the answer is submit_job's for each, in order.
CREATE OR REPLACE FUNCTION engine_v2.submit_jobs(p_jobs jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
DECLARE
  v_job jsonb;
  v_out jsonb[] := '{}';
BEGIN
  FOR v_job IN SELECT e.value FROM jsonb_array_elements(p_jobs) WITH ORDINALITY AS e(value, n) ORDER BY e.n LOOP
    v_out := v_out || engine_v2.submit_job(
      (v_job ->> 'job')::uuid, (v_job ->> 'create_job')::boolean, v_job ->> 'actor', v_job ->> 'project',
      v_job ->> 'scheduler', v_job ->> 'mode', v_job ->> 'workflow_name', v_job -> 'workflow', v_job ->> 'workflow_dir',
      v_job -> 'input', v_job ->> 'staging_dir', (v_job ->> 'timeout_ms')::int, (v_job ->> 'has_skip_rules')::boolean,
      v_job -> 'tasks', v_job -> 'edges',
      ARRAY(SELECT jsonb_array_elements_text(v_job -> 'roots'))::uuid[]);
  END LOOP;
  RETURN to_jsonb(v_out);
END;
$$;

-- Every statement on the hot path reaches rows by key. PL/pgSQL caches a generic plan per
-- connection after a few calls; planned while the tables are young (a fresh install, the
-- first minutes of a benchmark), a sequential scan looks cheapest and stays cached as the
-- tables grow, until the next ANALYZE. These functions therefore plan without sequential
-- scans (a function-level setting, restored when the function returns).
ALTER FUNCTION engine_v2.claim_many(text, int, text[], uuid[], int) SET enable_seqscan = off;
ALTER FUNCTION engine_v2.complete_success_many(jsonb) SET enable_seqscan = off;
ALTER FUNCTION engine_v2.complete_success(uuid, int, uuid, jsonb, int, int, int, numeric, jsonb) SET enable_seqscan = off;
ALTER FUNCTION engine_v2.finalize_run(uuid) SET enable_seqscan = off;
ALTER FUNCTION engine_v2.finish_run(uuid, text, text, text) SET enable_seqscan = off;
