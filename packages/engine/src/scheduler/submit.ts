import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { AgentlaneError } from '@agentlane/core';
import type { Json } from '../workflow/condition.js';
import { upstreamMap } from '../workflow/dag.js';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../workflow/depth.js';
import type { Workflow } from '../workflow/schema.js';
import type { Sql } from '@agentlane/store';
import type { DispatchTask, SchedulerContext } from './context.js';
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

/** A job as `engine_v2.submit_job` stores it (through `submit_jobs`). */
export interface JobRecord {
  job: string;
  create_job: boolean;
  actor: string | null;
  project: string | null;
  scheduler: string;
  mode: RunMode;
  workflow_name: string;
  workflow: Workflow;
  workflow_dir: string | null;
  input: Json;
  staging_dir: string;
  timeout_ms: number;
  has_skip_rules: boolean;
  tasks: Record<string, unknown>[];
  edges: string[][];
  roots: string[];
}

export interface StoredTask {
  id: string;
  role: string;
  attempt: number;
  run_after: string;
}

/**
 * Jobs, any number in one transaction: for each, the tasks it made ready (null for a
 * workflow with skip rules, whose roots the caller promotes in the same transaction).
 */
export async function submitJobs(sql: Sql, records: readonly JobRecord[]): Promise<(StoredTask[] | null)[]> {
  const { rows } = await sql.query<{ r: (StoredTask[] | null)[] }>('SELECT engine_v2.submit_jobs($1::jsonb) AS r', [JSON.stringify(records)]);
  return rows[0]?.r ?? [];
}

/**
 * Store a validated workflow as a job (seed §3: run, tasks, dependency edges) and promote
 * its roots, all in one transaction: a half-written DAG is never visible. The rows are
 * written by `engine_v2.submit_job` (migration 0003) with ids made here; jobs without skip
 * rules that are submitted at the same time share a transaction (`submit_jobs`, through
 * `ctx.submissions`). Returns the job id and the tasks to dispatch (after the commit).
 */
export async function submitJob(ctx: SchedulerContext, workflow: Workflow, options: SubmitOptions = {}): Promise<{ jobId: string; ready: DispatchTask[] }> {
  ctx.agents.check(workflow);
  const input = options.input ?? {};
  if (exceedsJsonDepth(input, MAX_JSON_DEPTH)) throw new AgentlaneError('ENGINE_WORKFLOW_INVALID', `The job input nests deeper than ${MAX_JSON_DEPTH} levels`);
  const parsedInput = jsonValue.safeParse(input);
  if (!parsedInput.success) throw new AgentlaneError('ENGINE_WORKFLOW_INVALID', 'The job input must be JSON');
  const inputText = JSON.stringify(input);
  if (Buffer.byteLength(inputText) > MAX_INPUT_BYTES) throw new AgentlaneError('ENGINE_WORKFLOW_INVALID', 'The job input is larger than 1 MiB');
  const timeoutMs = options.timeoutMs ?? workflow.timeoutMs ?? ctx.options.jobTimeoutMs;
  const keys = workflow.tasks.map((t) => t.key);

  const createJob = options.jobId === undefined;
  const jobId = options.jobId ?? randomUUID();
  const ids = new Map(keys.map((key) => [key, randomUUID()]));
  const idOf = (key: string) => ids.get(key) as string;
  const upstream = upstreamMap(keys, workflow.dependencies);
  const hasSkipRules = workflow.tasks.some((t) => t.skipIf !== undefined);
  const successors = new Set(workflow.dependencies.map(([, to]) => to));
  const record: JobRecord = {
    job: jobId,
    create_job: createJob,
    actor: options.actor ?? null,
    project: options.projectId ?? null,
    scheduler: SCHEDULER_VERSION,
    mode: options.mode ?? 'direct',
    workflow_name: workflow.name,
    workflow,
    workflow_dir: workflow.sourceDir ?? null,
    input,
    staging_dir: path.join(ctx.options.stagingRoot, jobId),
    timeout_ms: timeoutMs,
    has_skip_rules: hasSkipRules,
    tasks: workflow.tasks.map((t) => ({
      id: idOf(t.key),
      key: t.key,
      role: t.role,
      agent: t.agent,
      config: taskConfig(t, [...(upstream.get(t.key) ?? [])].sort()),
      max_attempts: t.maxAttempts,
      label: t.label ?? null,
      weight: t.weight,
      template_id: t.templateId ?? null,
    })),
    edges: workflow.dependencies.map(([from, to]) => [idOf(from), idOf(to)]),
    roots: keys.filter((key) => !successors.has(key)).map(idOf),
  };

  const ready = hasSkipRules
    ? await ctx.sql.transaction(async (tx): Promise<DispatchTask[]> => {
        await submitJobs(tx, [record]);
        // Skip rules: resolve the roots here, in the same transaction.
        const promoted = await promoteReady(tx, jobId);
        await finalizeRun(tx, jobId);
        return promoted;
      })
    : // Concurrent submits are stored together, one transaction for the group (ctx.submissions).
      ((await ctx.submissions.submit(record)) ?? []).map((t) => ({ id: t.id, jobId, role: t.role, attempt: t.attempt, runAfter: new Date(t.run_after) }));
  ctx.jobEvents.wake();
  return { jobId, ready };
}
