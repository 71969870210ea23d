import { AgentlaneError } from '@agentlane/core';
import type { Sql } from '@agentlane/store';
import type { Json } from './workflow/condition.js';
import { progressPercent, type TaskStatus } from './workflow/dag.js';

export interface TaskView {
  key: string;
  role: string;
  agent: string;
  label: string;
  weight: number;
  status: TaskStatus;
  attempts: number;
  maxAttempts: number;
  errorCode: string | null;
  errorMessage: string | null;
  skipReason: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface ArtifactView {
  id: string;
  taskKey: string;
  kind: string;
  uri: string | null;
  content: Json | null;
  metadata: Record<string, Json>;
}

export interface JobStatus {
  jobId: string;
  workflow: string;
  mode: string;
  status: 'running' | 'succeeded' | 'failed' | 'canceled';
  errorCode: string | null;
  errorMessage: string | null;
  fallbackTriggered: boolean;
  progress: number;
  output: Json | null;
  latencyMs: number | null;
  costUsd: number | null;
  createdAt: Date;
  finishedAt: Date | null;
  tasks: TaskView[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function notFound(jobId: string): AgentlaneError {
  return new AgentlaneError('ENGINE_JOB_NOT_FOUND', `No engine job ${jobId}`, { details: { jobId } });
}

/** A job's run and every task in declaration order; ENGINE_JOB_NOT_FOUND when there is none. */
export async function jobStatus(sql: Sql, jobId: string): Promise<JobStatus> {
  if (!UUID.test(jobId)) throw notFound(jobId);
  const runs = await sql.query<{
    workflow_name: string;
    mode: string;
    status: JobStatus['status'];
    error_code: string | null;
    error_message: string | null;
    fallback_triggered: boolean;
    output: Json | null;
    latency_ms: number | null;
    cost_usd: number | null;
    created_at: Date;
    finished_at: Date | null;
  }>(
    `SELECT workflow_name, mode, status, error_code, error_message, fallback_triggered, output, latency_ms, cost_usd, created_at, finished_at
     FROM engine_v2.job_runs WHERE job_id = $1`,
    [jobId],
  );
  const run = runs.rows[0];
  if (!run) throw notFound(jobId);
  const tasks = await sql.query<{
    task_key: string;
    agent_role: string;
    agent: string;
    display_label: string | null;
    weight: number;
    status: TaskStatus;
    attempt_count: number;
    max_attempts: number;
    error_code: string | null;
    error_message: string | null;
    skip_reason: string | null;
    started_at: Date | null;
    finished_at: Date | null;
  }>(
    `SELECT task_key, agent_role, agent, display_label, weight, status, attempt_count, max_attempts,
            error_code, error_message, skip_reason, started_at, finished_at
     FROM engine_v2.job_tasks WHERE job_id = $1 ORDER BY position`,
    [jobId],
  );
  const views: TaskView[] = tasks.rows.map((t) => ({
    key: t.task_key,
    role: t.agent_role,
    agent: t.agent,
    label: t.display_label ?? t.task_key,
    weight: t.weight,
    status: t.status,
    attempts: t.attempt_count,
    maxAttempts: t.max_attempts,
    errorCode: t.error_code,
    errorMessage: t.error_message,
    skipReason: t.skip_reason,
    startedAt: t.started_at,
    finishedAt: t.finished_at,
  }));
  return {
    jobId,
    workflow: run.workflow_name,
    mode: run.mode,
    status: run.status,
    errorCode: run.error_code,
    errorMessage: run.error_message,
    fallbackTriggered: run.fallback_triggered,
    progress: progressPercent(views),
    output: run.output,
    latencyMs: run.latency_ms,
    costUsd: run.cost_usd === null ? null : Number(run.cost_usd),
    createdAt: run.created_at,
    finishedAt: run.finished_at,
    tasks: views,
  };
}

export async function jobArtifacts(sql: Sql, jobId: string, kinds?: readonly string[]): Promise<ArtifactView[]> {
  const { rows } = await sql.query<{ id: string; task_key: string; kind: string; uri: string | null; content: Json | null; metadata: Record<string, Json> }>(
    `SELECT a.id, t.task_key, a.kind, a.uri, a.content, a.metadata
     FROM engine_v2.job_task_artifacts a JOIN engine_v2.job_tasks t ON t.id = a.task_id
     WHERE a.job_id = $1 AND ($2::text[] IS NULL OR a.kind = ANY($2::text[]))
     ORDER BY a.created_at, a.id`,
    [jobId, kinds ? [...kinds] : null],
  );
  return rows.map((r) => ({ id: r.id, taskKey: r.task_key, kind: r.kind, uri: r.uri, content: r.content, metadata: r.metadata }));
}
