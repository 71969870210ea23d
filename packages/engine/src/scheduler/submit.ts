import path from 'node:path';
import { z } from 'zod';
import { AgentlaneError } from '@agentlane/core';
import { insertEvents } from '../progress.js';
import type { Json } from '../workflow/condition.js';
import { upstreamOf } from '../workflow/dag.js';
import type { Workflow } from '../workflow/schema.js';
import { lockRun, type DispatchTask, type SchedulerContext } from './context.js';
import { finalizeRun } from './finalize.js';
import { promoteReady } from './promote.js';
import { taskConfig } from './task-config.js';

export const SCHEDULER_VERSION = 'agentlane-engine-1';

export type RunMode = 'direct' | 'shadow' | 'live' | 'drill';

export interface SubmitOptions {
  input?: Json;
  /**
   * An existing job id in the configured jobs table (a host's jobs, or one made with
   * `createJob`). Unset: a row is created in `engine_v2.jobs` for `actor`.
   */
  jobId?: string;
  /** Verified identity that asked for the job (recorded; never used for routing here). */
  actor?: string;
  projectId?: string;
  mode?: RunMode;
  /** Overrides the workflow's timeout and the engine default. */
  timeoutMs?: number;
}

const MAX_INPUT_BYTES = 1024 * 1024;
const jsonValue: z.ZodType<Json> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number().finite(), z.string(), z.array(jsonValue), z.record(jsonValue)]),
);

/**
 * Store a validated workflow as a job (seed §3: run, tasks, dependency edges) and promote
 * its roots, all in one transaction: a half-written DAG is never visible. Returns the job
 * id and the tasks to dispatch (after the commit).
 */
export async function submitJob(ctx: SchedulerContext, workflow: Workflow, options: SubmitOptions = {}): Promise<{ jobId: string; ready: DispatchTask[] }> {
  ctx.agents.check(workflow);
  const input = options.input ?? {};
  const parsedInput = jsonValue.safeParse(input);
  if (!parsedInput.success) throw new AgentlaneError('ENGINE_WORKFLOW_INVALID', 'The job input must be JSON');
  const inputText = JSON.stringify(input);
  if (Buffer.byteLength(inputText) > MAX_INPUT_BYTES) throw new AgentlaneError('ENGINE_WORKFLOW_INVALID', 'The job input is larger than 1 MiB');
  const timeoutMs = options.timeoutMs ?? workflow.timeoutMs ?? ctx.options.jobTimeoutMs;
  const keys = workflow.tasks.map((t) => t.key);

  const { jobId, ready } = await ctx.sql.transaction(async (tx) => {
    let jobId = options.jobId;
    if (jobId === undefined) {
      const created = await tx.query<{ id: string }>(
        `INSERT INTO engine_v2.jobs (actor, project_id, status) VALUES ($1, $2, 'running') RETURNING id`,
        [options.actor ?? 'system', options.projectId ?? null],
      );
      jobId = created.rows[0]?.id as string;
    }
    await tx.query(
      `INSERT INTO engine_v2.job_runs (job_id, scheduler_version, mode, workflow_name, workflow, has_skip_rules, workflow_dir, input, actor, project_id, staging_dir, deadline_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $11, $12, $6::jsonb, $7, $8, $9, now() + $10 * interval '1 millisecond')`,
      [
        jobId,
        SCHEDULER_VERSION,
        options.mode ?? 'direct',
        workflow.name,
        JSON.stringify(workflow),
        inputText,
        options.actor ?? null,
        options.projectId ?? null,
        path.join(ctx.options.stagingRoot, jobId),
        timeoutMs,
        workflow.tasks.some((t) => t.skipIf !== undefined),
        workflow.sourceDir ?? null,
      ],
    );
    const tasks = await tx.query<{ id: string; task_key: string }>(
      `INSERT INTO engine_v2.job_tasks (job_id, task_key, position, agent_role, agent, config, max_attempts, display_label, weight, template_id)
       SELECT $1, t.key, t.n - 1, t.role, t.agent, t.config::jsonb, t.max_attempts, t.label, t.weight, t.template_id
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::int[], $9::text[])
         WITH ORDINALITY AS t(key, role, agent, config, max_attempts, label, weight, template_id, n)
       ORDER BY t.n
       RETURNING id, task_key`,
      [
        jobId,
        keys,
        workflow.tasks.map((t) => t.role),
        workflow.tasks.map((t) => t.agent),
        workflow.tasks.map((t) => JSON.stringify(taskConfig(t, [...upstreamOf(t.key, keys, workflow.dependencies)].sort()))),
        workflow.tasks.map((t) => t.maxAttempts),
        workflow.tasks.map((t) => t.label),
        workflow.tasks.map((t) => t.weight),
        workflow.tasks.map((t) => t.templateId ?? null),
      ],
    );
    const ids = new Map(tasks.rows.map((r) => [r.task_key, r.id]));
    if (workflow.dependencies.length > 0) {
      await tx.query(
        `INSERT INTO engine_v2.job_task_dependencies (predecessor_task_id, successor_task_id)
         SELECT * FROM unnest($1::uuid[], $2::uuid[])`,
        [workflow.dependencies.map(([from]) => ids.get(from)), workflow.dependencies.map(([, to]) => ids.get(to))],
      );
    }
    await insertEvents(tx, jobId, [{ taskId: null, type: 'jobStarted', data: { workflow: workflow.name, tasks: keys.length, mode: options.mode ?? 'direct' } }], false);
    await lockRun(tx, jobId);
    const promoted = await promoteReady(tx, jobId);
    await finalizeRun(tx, jobId);
    return { jobId, ready: promoted };
  });
  ctx.jobEvents.wake();
  return { jobId, ready };
}
