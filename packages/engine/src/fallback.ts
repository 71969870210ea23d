import { AgentlaneError, coerceError, isAgentlaneError, silentLogger, type Logger } from '@agentlane/core';
import type { Agent } from './agents/types.js';
import type { FallbackCode } from './codes.js';
import type { Engine } from './engine.js';
import { routeFor, type EngineFlags, type Route, type VerifiedIdentity } from './flag.js';
import { ownedJobsTable, type JobsTable } from './jobs.js';
import { insertEvents } from './progress.js';
import { applyToProduction } from './staging.js';
import { jobArtifacts, type JobStatus } from './status.js';
import type { Json } from './workflow/condition.js';
import type { Workflow } from './workflow/schema.js';

/**
 * The routing branch of seed 001 §5 with the fallback of §14–15 and the completion rule of
 * §9: v1 (the host's existing runner) answers unless the flag routes the identity to v2.
 * Shadow: v1 answers, v2 runs alongside and its result is recorded and compared, never
 * shown. Live: v2 answers; when it fails, times out or its output is invalid, the job
 * falls back to v1 with the seed's error code. Exactly one actor completes the job.
 */
export interface V1File {
  path: string;
  content: string;
}

/** The response shape users get, whichever engine produced it (seed §14). */
export interface V1Response {
  type: 'completed';
  files: V1File[];
  images: { name: string; uri: string }[];
  summary: string;
  /** Cost of producing it, when the runner knows (for the cost/job gate). */
  costUsd?: number;
}

export interface V1Request {
  jobId: string;
  identity: VerifiedIdentity;
  projectId: string | undefined;
  input: Json;
}

/** The existing engine. agentlane never changes it; it only calls it. */
export interface V1Runner {
  run(request: V1Request, context: { signal?: AbortSignal }): Promise<V1Response>;
}

/** seed §14 validateOutput: files and a summary, and an index.html among the files. */
export interface OutputRules {
  /** @defaultValue ['index.html'] */
  requiredFiles?: readonly string[];
}

export function validateOutput(result: unknown, rules: OutputRules = {}): result is V1Response {
  if (!result || typeof result !== 'object') return false;
  const r = result as { files?: unknown; summary?: unknown };
  if (!Array.isArray(r.files) || typeof r.summary !== 'string' || r.summary === '') return false;
  const paths = new Set(r.files.map((f) => (f && typeof f === 'object' ? (f as { path?: unknown }).path : undefined)));
  return (rules.requiredFiles ?? ['index.html']).every((required) => paths.has(required));
}

type ArtifactLike = { kind: string; uri?: string | null; content?: Json | null };

/**
 * seed §14 toV1Response: code artifacts become files, image artifacts images, the summary
 * comes from the run's output. Without code artifacts, `output.files` is used.
 */
export function toV1Response(v2: { output: Json | null; artifacts: readonly ArtifactLike[]; costUsd?: number | null }): V1Response {
  const output = (v2.output && typeof v2.output === 'object' && !Array.isArray(v2.output) ? v2.output : {}) as Record<string, Json>;
  const asFile = (value: unknown): V1File | undefined => {
    const f = value as { path?: unknown; content?: unknown } | null;
    return f && typeof f.path === 'string' ? { path: f.path, content: typeof f.content === 'string' ? f.content : '' } : undefined;
  };
  const code = v2.artifacts.filter((a) => a.kind === 'code').map((a) => asFile(a.content)).filter((f): f is V1File => f !== undefined);
  const outputFiles = Array.isArray(output.files) ? output.files.map(asFile).filter((f): f is V1File => f !== undefined) : [];
  const images = v2.artifacts
    .filter((a) => a.kind === 'image')
    .map((a) => ({ name: String((a.content as { name?: unknown } | null)?.name ?? a.uri ?? 'image'), uri: a.uri ?? '' }));
  return {
    type: 'completed',
    files: code.length > 0 ? code : outputFiles,
    images,
    summary: typeof output.summary === 'string' ? output.summary : '',
    ...(v2.costUsd === null || v2.costUsd === undefined ? {} : { costUsd: v2.costUsd }),
  };
}

/** The code recorded for a failure on the way to a v2 answer (seed §15). */
export function fallbackCodeFor(error: unknown): FallbackCode {
  if (error instanceof V2Failure) return error.fallbackCode;
  if (isAgentlaneError(error)) {
    if (error.code === 'ENGINE_OUTPUT_INVALID') return 'v2_output_invalid';
    if (error.code === 'ENGINE_STAGING_FAILED') return 'v2_staging_error';
    if (error.code === 'ENGINE_CONCURRENT_APPLY') return 'v2_concurrent_apply';
    if (error.code.startsWith('DB_') || error.code === 'ENGINE_QUEUE_UNAVAILABLE') return 'v2_scheduler_error';
  }
  return 'v2_unknown';
}

class V2Failure extends Error {
  constructor(
    readonly fallbackCode: FallbackCode,
    message: string,
  ) {
    super(message);
  }
}

/** The single-step v1 a fresh install gets: one agent call, its output taken as the response. */
export function singleStepV1Runner(agent: Agent, options: { stagingRoot?: string; logger?: Logger } = {}): V1Runner {
  return {
    async run(request, context) {
      const result = await agent.run({
        jobId: request.jobId,
        taskId: request.jobId,
        attempt: 1,
        task: { key: 'v1', role: 'v1', agent: agent.name, maxAttempts: 1, weight: 1, label: 'v1', skipDownstream: false },
        input: { job: { id: request.jobId, input: request.input }, task: { key: 'v1', role: 'v1', attempt: 1, label: 'v1' }, upstream: {} },
        stagingDir: options.stagingRoot ?? process.cwd(),
        workflowDir: undefined,
        signal: context.signal ?? new AbortController().signal,
        logger: options.logger ?? silentLogger,
        partial: async () => undefined,
      });
      const response = toV1Response({ output: result.output, artifacts: result.artifacts ?? [], costUsd: result.usage?.costUsd ?? null });
      if (!validateOutput(response)) throw new AgentlaneError('ENGINE_OUTPUT_INVALID', 'The v1 runner returned no files or summary');
      return response;
    },
  };
}

export interface RouterOptions {
  engine: Engine;
  v1: V1Runner;
  flags: EngineFlags;
  workflow: Workflow;
  /** @defaultValue the owned engine_v2.jobs table */
  jobs?: JobsTable;
  outputRules?: OutputRules;
  /** Where a successful live v2 result is applied (the project's production directory); unset: no apply. */
  targetDirFor?: (request: { identity: VerifiedIdentity; projectId: string }) => string;
  logger?: Logger;
}

export interface RouteRequest {
  identity: VerifiedIdentity;
  projectId?: string;
  input: Json;
  /** An existing host job; unset: one is created in the jobs table. */
  jobId?: string;
  signal?: AbortSignal;
}

export interface RouteOutcome {
  jobId: string;
  route: Route;
  servedBy: 'v1' | 'v2';
  response: V1Response;
  fallback?: { code: FallbackCode; message: string };
  /** Shadow mode: resolves once v2's result has been recorded and compared. */
  shadow?: Promise<void>;
}

type V1Outcome = { ok: true; response: V1Response; latencyMs: number } | { ok: false; error: unknown; latencyMs: number };

export class JobRouter {
  private readonly jobs: JobsTable;

  constructor(private readonly options: RouterOptions) {
    this.jobs = options.jobs ?? ownedJobsTable(options.engine.ctx.sql);
  }

  get flags(): EngineFlags {
    return this.options.flags;
  }

  set flags(flags: EngineFlags) {
    (this.options as { flags: EngineFlags }).flags = flags;
  }

  async handle(request: RouteRequest): Promise<RouteOutcome> {
    const route = routeFor(this.options.flags, request.identity);
    const jobId = request.jobId ?? (await this.jobs.create(request.identity.id, request.projectId));
    if (route === 'v1') {
      const v1 = await this.runV1(jobId, request);
      if (!v1.ok) throw v1.error;
      return { jobId, route, servedBy: 'v1', response: v1.response };
    }
    if (route === 'shadow') return this.shadow(jobId, request);
    return this.live(jobId, request);
  }

  private get sql() {
    return this.options.engine.ctx.sql;
  }

  /** v1 answers; it is the actor completing the job. Outcome and latency are returned for recording. */
  private async runV1(jobId: string, request: RouteRequest): Promise<V1Outcome> {
    const started = performance.now();
    try {
      const response = await this.options.v1.run({ jobId, identity: request.identity, projectId: request.projectId, input: request.input }, { signal: request.signal });
      const latencyMs = Math.round(performance.now() - started);
      if (!(await this.jobs.complete(jobId, 'v1'))) {
        throw new AgentlaneError('INTERNAL', `Job ${jobId} was already completed by another actor`, { details: { jobId } });
      }
      return { ok: true, response, latencyMs };
    } catch (error) {
      await this.jobs.fail(jobId);
      return { ok: false, error, latencyMs: Math.round(performance.now() - started) };
    }
  }

  /** The v1 figures on the v2 run's row, for the latency, cost and fallback gates. */
  private async recordV1(jobId: string, v1: V1Outcome): Promise<void> {
    await this.sql.query(
      'UPDATE engine_v2.job_runs SET v1_status = $2, v1_latency_ms = $3, v1_cost_usd = $4 WHERE job_id = $1',
      [jobId, v1.ok ? 'succeeded' : 'failed', v1.latencyMs, v1.ok ? (v1.response.costUsd ?? null) : null],
    );
  }

  private async runV2(jobId: string, request: RouteRequest, mode: 'shadow' | 'live'): Promise<{ status: JobStatus; response: V1Response }> {
    const status = await this.options.engine.run(this.options.workflow, {
      jobId,
      mode,
      input: request.input,
      actor: request.identity.id,
      projectId: request.projectId,
      signal: request.signal,
    });
    if (status.status !== 'succeeded') throw new V2Failure((status.errorCode as FallbackCode | null) ?? 'v2_unknown', status.errorMessage ?? `v2 run ${status.status}`);
    const artifacts = await jobArtifacts(this.sql, jobId, ['code', 'image']);
    const response = toV1Response({ output: status.output, artifacts, costUsd: status.costUsd });
    if (!validateOutput(response, this.options.outputRules)) throw new V2Failure('v2_output_invalid', 'The v2 result lacks files, a summary or a required file');
    return { status, response };
  }

  private async shadow(jobId: string, request: RouteRequest): Promise<RouteOutcome> {
    const v2 = this.runV2(jobId, request, 'shadow').then(
      (ok) => ({ ok: true as const, ...ok }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    const v1 = await this.runV1(jobId, request);
    // Recorded once v2 has ended: its run row exists by then, whichever engine was faster.
    const shadow = v2.then(async (result) => {
      await this.recordV1(jobId, v1);
      const v1Paths = v1.ok ? v1.response.files.map((f) => f.path).sort() : null;
      const v2Paths = result.ok ? result.response.files.map((f) => f.path).sort() : null;
      const comparison = {
        v1_ok: v1.ok,
        v2_ok: result.ok,
        v2_error_code: result.ok ? null : fallbackCodeFor(result.error),
        same_files: v1Paths !== null && v2Paths !== null && JSON.stringify(v1Paths) === JSON.stringify(v2Paths),
        same_summary: v1.ok && result.ok ? v1.response.summary === result.response.summary : false,
      };
      await this.sql.query(
        `UPDATE engine_v2.job_runs SET comparison = $2::jsonb,
           error_code = CASE WHEN $3::text = 'v2_output_invalid' THEN $3 ELSE error_code END
         WHERE job_id = $1`,
        [jobId, JSON.stringify(comparison), comparison.v2_error_code],
      );
    }).catch((error: unknown) => this.options.logger?.warn({ err: coerceError(error) }, 'engine: recording the shadow comparison failed'));
    if (!v1.ok) throw v1.error;
    return { jobId, route: 'shadow', servedBy: 'v1', response: v1.response, shadow };
  }

  private async live(jobId: string, request: RouteRequest): Promise<RouteOutcome> {
    try {
      const { response } = await this.runV2(jobId, request, 'live');
      if (this.options.targetDirFor && request.projectId) {
        const { rows } = await this.sql.query<{ staging_dir: string }>('SELECT staging_dir FROM engine_v2.job_runs WHERE job_id = $1', [jobId]);
        const swap = await applyToProduction(this.sql, {
          projectId: request.projectId,
          stagingDir: rows[0]?.staging_dir as string,
          targetDir: this.options.targetDirFor({ identity: request.identity, projectId: request.projectId }),
        });
        await swap.cleanup;
      }
      if (!(await this.jobs.complete(jobId, 'v2'))) {
        throw new AgentlaneError('INTERNAL', `Job ${jobId} was already completed by another actor`, { details: { jobId } });
      }
      return { jobId, route: 'v2', servedBy: 'v2', response };
    } catch (error) {
      const code = fallbackCodeFor(error);
      const message = error instanceof Error ? error.message : String(error);
      this.options.logger?.warn({ job: jobId, code }, 'engine: falling back to v1');
      await this.logFallback(jobId, code, message);
      const v1 = await this.runV1(jobId, request);
      await this.recordV1(jobId, v1);
      if (!v1.ok) throw v1.error;
      return { jobId, route: 'v2', servedBy: 'v1', response: v1.response, fallback: { code, message } };
    }
  }

  /** seed logFallback: the code on job_runs and in the event log. */
  private async logFallback(jobId: string, code: FallbackCode, message: string): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const { rows } = await tx.query(
        `UPDATE engine_v2.job_runs SET fallback_triggered = true, error_code = coalesce(error_code, $2), error_message = coalesce(error_message, $3)
         WHERE job_id = $1 RETURNING 1 AS ok`,
        [jobId, code, message.slice(0, 2000)],
      );
      if (rows.length > 0) await insertEvents(tx, jobId, [{ taskId: null, type: 'fallback', data: { error_code: code } }], false);
    });
  }
}
