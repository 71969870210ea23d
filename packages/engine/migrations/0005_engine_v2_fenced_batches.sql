-- Fencing in group commits (issue 11: an attempt that lost its task must not write).
--
-- complete_success_many (0003) treated a second item for the same task in one group as a
-- duplicate of the first. When the first was a stale attempt (its task re-claimed) and the
-- second the attempt now holding the task, the fence refused the first and the duplicate
-- rule dropped the second: the live attempt's success was lost (found by the fencing
-- property test, packages/engine/test/scheduler.fencing.test.ts). And "applied" was decided
-- per task, so a stale item of an applied task would have had its artifacts, taskDone event
-- and attempt status written too. Now:
--
-- - a duplicate is the same attempt (task and attempt number) listed again;
-- - everything per item (attempt row, artifacts, taskDone, the answer) is decided by the
--   item's attempt having been applied, not its task;
-- - an attempt row is only closed by an item naming that row's own task and number.
--
-- Same plan shape as 0003 (key lookups only), so the hot path costs the same.

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
  v_done_attempts uuid[];
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
         -- The same attempt listed again in the same group: only its first item can apply.
         -- (Another attempt of the same task is not a duplicate: the fence decides which one holds it.)
         array_agg(e.n > (SELECT min(o.n) FROM jsonb_array_elements(p_items) WITH ORDINALITY AS o(value, n)
                          WHERE (o.value ->> 'task')::uuid = x.task AND (o.value ->> 'attempt_no')::int = x.attempt_no) ORDER BY e.n)
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
      FROM unnest(v_tasks, v_jobs, v_attempt_nos, v_attempts, v_outputs, v_dups) AS i(task, job, attempt_no, attempt, output, dup)
      WHERE t.id = ANY (v_tasks) AND t.id = i.task AND t.job_id = i.job AND i.job = ANY (v_plain_jobs) AND NOT i.dup
        AND t.status = 'running' AND t.attempt_count = i.attempt_no
      RETURNING t.id, i.attempt
    )
    SELECT coalesce(array_agg(d.id), '{}'), coalesce(array_agg(d.attempt), '{}') INTO v_done, v_done_attempts FROM done d;
  ELSE
    v_done := '{}';
    v_done_attempts := '{}';
  END IF;

  -- 4. Their attempts: succeeded, or canceled when the task was no longer theirs (stale).
  UPDATE engine_v2.job_task_attempts a
  SET status = CASE WHEN i.attempt = ANY (v_done_attempts) THEN 'succeeded' ELSE 'canceled' END,
      ended_at = now(), latency_ms = i.latency_ms,
      tokens_in = CASE WHEN i.attempt = ANY (v_done_attempts) THEN i.tokens_in END,
      tokens_out = CASE WHEN i.attempt = ANY (v_done_attempts) THEN i.tokens_out END,
      cost_usd = CASE WHEN i.attempt = ANY (v_done_attempts) THEN i.cost END,
      error = CASE WHEN i.attempt = ANY (v_done_attempts) THEN a.error
                   ELSE coalesce(a.error, '{"code": "lease_lost", "message": "the task was no longer held by this attempt"}'::jsonb) END
  FROM unnest(v_attempts, v_tasks, v_attempt_nos, v_jobs, v_latencies, v_tokens_in, v_tokens_out, v_costs, v_dups)
       AS i(attempt, task, attempt_no, job, latency_ms, tokens_in, tokens_out, cost, dup)
  -- The attempt row is the item's own: its task and number must match too.
  WHERE a.id = ANY (v_attempts) AND a.id = i.attempt AND a.task_id = i.task AND a.attempt_no = i.attempt_no
    AND a.status = 'running' AND NOT i.dup
    AND NOT (i.job = ANY (v_skip_jobs));

  IF cardinality(v_done) > 0 THEN
    INSERT INTO engine_v2.job_task_artifacts (job_id, task_id, kind, uri, content, metadata)
    SELECT i.job, i.task, a.kind, a.uri, a.content, coalesce(a.metadata, '{}'::jsonb)
    FROM unnest(v_tasks, v_jobs, v_attempts, v_artifacts, v_dups) AS i(task, job, attempt, artifacts, dup)
    CROSS JOIN LATERAL jsonb_to_recordset(i.artifacts) AS a(kind text, uri text, content jsonb, metadata jsonb)
    WHERE i.attempt = ANY (v_done_attempts) AND NOT i.dup AND jsonb_typeof(i.artifacts) = 'array';

    -- 5. taskDone events in item order, each with its job's progress just after it.
    INSERT INTO engine_v2.job_task_events (job_id, task_id, event_type, data)
    SELECT d.job, d.task, 'taskDone',
           jsonb_build_object('task_key', d.task_key, 'attempt', d.attempt_no,
             'progress', engine_v2.progress_of(c.n::int, (c.done_n - d.later_n)::int, c.w::bigint, (c.done_w - d.later_w)::bigint))
    FROM (
      SELECT i.n, i.task, i.job, i.attempt_no, t.task_key,
             coalesce(count(*) OVER later, 0) AS later_n, coalesce(sum(t.weight) OVER later, 0) AS later_w
      FROM unnest(v_tasks, v_jobs, v_attempt_nos, v_attempts, v_dups) WITH ORDINALITY AS i(task, job, attempt_no, attempt, dup, n)
      CROSS JOIN LATERAL (SELECT x.task_key, x.weight FROM engine_v2.job_tasks x WHERE x.id = i.task LIMIT 1) t
      WHERE i.attempt = ANY (v_done_attempts) AND NOT i.dup
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
    IF v_attempts[v_i] = ANY (v_done_attempts) AND NOT v_dups[v_i] THEN
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

ALTER FUNCTION engine_v2.complete_success_many(jsonb) SET enable_seqscan = off;
