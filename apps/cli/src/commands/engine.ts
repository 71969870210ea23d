import path from 'node:path';
import readline from 'node:readline/promises';
import { Presets, SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { AgentlaneError } from '@agentlane/core';
import {
  DEFAULT_GATE_THRESHOLDS,
  durationSchema,
  connectionLost,
  evaluateGates,
  exceedsJsonDepth,
  isConnectionLoss,
  flagsFromConfig,
  jobStatus,
  killswitchDrill,
  loadWorkflow,
  MAX_JSON_DEPTH,
  measureGates,
  stopRunningRuns,
  teardownEngine,
  type EngineEvent,
  type GateReport,
  type GateThresholds,
  type Json,
  type JobStatus,
} from '@agentlane/engine';
import { engineFor, openEngineContext } from '../engine-context.js';
import { intOption, repoOption } from '../options.js';
import { printJson, table, writeJsonReport } from '../output.js';

/** `agentlane engine run|status|gate|killswitch|teardown`: engine_v2 from the command line. */

function duration(value: string): number {
  const parsed = durationSchema.safeParse(/^\d+$/.test(value) ? Number(value) : value);
  if (!parsed.success) throw new InvalidArgumentError('expected a duration such as 30s, 5m, 2h, 7d');
  return parsed.data;
}

function jsonInput(value: string): Json {
  let parsed: Json;
  try {
    parsed = JSON.parse(value) as Json;
  } catch {
    throw new InvalidArgumentError('expected JSON, e.g. \'{"message": "hi"}\'');
  }
  // Deep input would overflow the stack in the recursive checks after it (exit 70, not 2).
  if (exceedsJsonDepth(parsed, MAX_JSON_DEPTH)) throw new InvalidArgumentError(`JSON nests deeper than ${MAX_JSON_DEPTH} levels`);
  return parsed;
}

/**
 * An action whose database connection is lost (a PostgreSQL restart, a network cut) ends
 * with DB_CONNECT_FAILED, exit 3 (environment), not as an internal error (exit 70).
 * `Engine.wait` has already retried for ENGINE_V2's reconnect budget by then.
 */
function databaseAction<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (error) {
      throw isConnectionLoss(error) ? connectionLost(error, 'during the engine command') : error;
    }
  };
}

function rate(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('expected a fraction from 0 to 1');
  return n;
}

function ratio(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

const seconds = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)}s`);

function statusText(status: JobStatus): string {
  const rows = status.tasks.map((t) => [
    t.key,
    t.role,
    t.status,
    `${t.attempts}/${t.maxAttempts}`,
    t.skipReason ?? (t.errorCode ? `${t.errorCode}${t.errorMessage ? `: ${t.errorMessage.split('\n')[0]?.slice(0, 80)}` : ''}` : ''),
  ]);
  const head = `Job ${status.jobId} (${status.workflow}, ${status.mode}): ${status.status}${status.errorCode ? ` [${status.errorCode}]` : ''} · ${status.progress}% · ${seconds(status.latencyMs)}`;
  return `${head}\n${table([['task', 'role', 'status', 'attempts', 'note'], ...rows])}`;
}

/** A progress bar from the job's events, on an interactive terminal only. */
function progressBar(enabled: boolean): { onEvent(e: EngineEvent): void; stop(): void } {
  if (!enabled || process.stderr.isTTY !== true || process.env.CI) return { onEvent: () => undefined, stop: () => undefined };
  const bar = new SingleBar({ format: ' {label} [{bar}] {value}%', stream: process.stderr, hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
  bar.start(100, 0, { label: 'starting'.padEnd(24) });
  return {
    onEvent(e) {
      const label = e.type === 'taskStarted' ? String(e.data.label ?? e.data.task_key) : undefined;
      const progress = typeof e.data.progress === 'number' ? e.data.progress : undefined;
      if (progress !== undefined || label !== undefined) bar.update(progress ?? bar.getProgress() * 100, label ? { label: label.slice(0, 24).padEnd(24) } : {});
    },
    stop: () => bar.stop(),
  };
}

function failIfNotSucceeded(status: JobStatus, json: boolean): void {
  if (status.status === 'succeeded') return;
  throw new AgentlaneError('ENGINE_JOB_FAILED', `Job ${status.jobId} ended ${status.status}${status.errorCode ? ` (${status.errorCode})` : ''}${status.errorMessage ? `: ${status.errorMessage}` : ''}`, {
    details: json ? { job: JSON.parse(JSON.stringify(status)) as Record<string, unknown> } : { jobId: status.jobId, errorCode: status.errorCode },
  });
}

function gateText(report: GateReport): string {
  const rows = report.gates.map((g) => [g.name, g.value === null ? 'n/a' : Number.isInteger(g.value) ? String(g.value) : g.value.toFixed(3), g.threshold, g.passed ? 'pass' : 'FAIL', g.detail]);
  return [
    `engine_v2 rollout gates, ${report.metrics.window.since} → ${report.metrics.window.until} (${report.metrics.runs} shadow/live runs)`,
    table([['gate', 'value', 'threshold', 'result', 'detail'], ...rows]),
    '',
    report.passed ? 'All rollout gates pass.' : 'Rollout gates FAILED.',
  ].join('\n');
}

export function engineCommand(): Command {
  const engine = new Command('engine').description('engine_v2: durable DAG workflows (run, status, rollout gates, kill switch, teardown)');

  engine
    .command('run')
    .description('run a workflow to its end and print the final state of the job and its tasks (exit 1 unless it succeeded)')
    .requiredOption('--workflow <file>', 'workflow file (.yaml, .yml, .json) or builtin:default')
    .option('--input <json>', 'job input as JSON', jsonInput, {})
    .option('--timeout <duration>', 'whole-job timeout (default: the workflow, else ENGINE_V2_JOB_TIMEOUT_MS)', duration)
    .option('--workers <n>', 'tasks run at once by this process (default ENGINE_V2_WORKERS)', intOption(1, 256))
    .option('--remote', 'only submit and wait: tasks run on `agentlane worker` processes (needs REDIS_URL or DATABASE_URL)', false)
    .addOption(repoOption())
    .option('--json', 'print the final status as JSON', false)
    .action(databaseAction(async (opts: { workflow: string; input: Json; timeout?: number; workers?: number; remote: boolean; repo: string; json: boolean }) => {
      const workflow = loadWorkflow(opts.workflow);
      const ctx = await openEngineContext(opts.repo);
      const progress = progressBar(!opts.json);
      try {
        if (opts.remote && !ctx.config.redisUrl && !ctx.config.databaseUrl) {
          throw new AgentlaneError('CLI_USAGE', '--remote needs REDIS_URL or DATABASE_URL: with the embedded database only this process can run tasks');
        }
        const eng = await engineFor(ctx, { workers: opts.remote ? 0 : (opts.workers ?? ctx.config.engine.workers) });
        try {
          const jobId = await eng.submit(workflow, { input: opts.input, actor: process.env.USER ?? 'cli', ...(opts.timeout ? { timeoutMs: opts.timeout } : {}) });
          if (!opts.json) process.stderr.write(`job ${jobId}: ${workflow.name}, ${workflow.tasks.length} task(s), ${eng.transport.kind} transport\n`);
          const cancel = () => void eng.cancel(jobId, 'Canceled from the command line (SIGINT)');
          process.once('SIGINT', cancel);
          const status = await eng.wait(jobId, { onEvent: (e) => progress.onEvent(e) }).finally(() => process.removeListener('SIGINT', cancel));
          progress.stop();
          if (opts.json && status.status === 'succeeded') printJson(status);
          if (!opts.json) process.stdout.write(`${statusText(status)}\n`);
          failIfNotSucceeded(status, opts.json);
        } finally {
          await eng.close();
        }
      } finally {
        progress.stop();
        await ctx.close();
      }
    }));

  engine
    .command('status')
    .description('show a job: its state, progress and every task')
    .argument('<job-id>', 'the job id printed by `engine run`')
    .addOption(repoOption())
    .option('--json', 'print as JSON', false)
    .action(databaseAction(async (jobId: string, opts: { repo: string; json: boolean }) => {
      const ctx = await openEngineContext(opts.repo);
      try {
        const status = await jobStatus(ctx.sql, jobId);
        if (opts.json) printJson(status);
        else process.stdout.write(`${statusText(status)}\n`);
      } finally {
        await ctx.close();
      }
    }));

  const gate = engine
    .command('gate')
    .description('check the rollout gates (seed 000) over a time window; writes a JSON report, exits 1 when one fails')
    .option('--window <duration>', 'how far back from now', duration, 7 * 86_400_000)
    .option('--until <iso-time>', 'end of the window (default: now)')
    .option('--out <file>', 'where to write the JSON report', 'reports/engine/gate.json')
    .addOption(repoOption())
    .option('--json', 'print the report as JSON', false)
    .option('--v2-success-rate <fraction>', `minimum v2 success rate (default ${DEFAULT_GATE_THRESHOLDS.v2SuccessRate})`, rate)
    .option('--fallback-v1-success-rate <fraction>', `minimum v1 success rate after fallback (default ${DEFAULT_GATE_THRESHOLDS.fallbackV1SuccessRate})`, rate)
    .option('--output-invalid-rate <fraction>', `v2_output_invalid rate must stay below (default ${DEFAULT_GATE_THRESHOLDS.outputInvalidRate})`, rate)
    .option('--deadlocks <n>', `maximum DAG deadlocks (default ${DEFAULT_GATE_THRESHOLDS.deadlocks})`, intOption(0, 1_000_000))
    .option('--p50-latency-ratio <x>', `maximum v2/v1 p50 latency (default ${DEFAULT_GATE_THRESHOLDS.p50LatencyRatio})`, ratio)
    .option('--p95-latency-ratio <x>', `maximum v2/v1 p95 latency (default ${DEFAULT_GATE_THRESHOLDS.p95LatencyRatio})`, ratio)
    .option('--cost-ratio <x>', `maximum v2/v1 cost per job (default ${DEFAULT_GATE_THRESHOLDS.costRatio})`, ratio)
    .option('--min-runs <n>', `runs needed in the window (default ${DEFAULT_GATE_THRESHOLDS.minRuns})`, intOption(0, 1_000_000))
    .option('--no-require-drill', 'do not require a passing kill-switch drill');
  gate.action(async (opts: { window: number; until?: string; out: string; repo: string; json: boolean; requireDrill: boolean } & Partial<Record<Exclude<keyof GateThresholds, 'requireDrill'>, number>>) => {
    const until = opts.until ? new Date(opts.until) : new Date();
    if (Number.isNaN(until.getTime())) throw new AgentlaneError('CLI_USAGE', `--until is not a date: ${opts.until}`);
    const thresholds: GateThresholds = { ...DEFAULT_GATE_THRESHOLDS, requireDrill: opts.requireDrill };
    for (const key of ['v2SuccessRate', 'fallbackV1SuccessRate', 'outputInvalidRate', 'deadlocks', 'p50LatencyRatio', 'p95LatencyRatio', 'costRatio', 'minRuns'] as const) {
      if (opts[key] !== undefined) thresholds[key] = opts[key] as number;
    }
    const ctx = await openEngineContext(opts.repo);
    try {
      const metrics = await measureGates(ctx.sql, { since: new Date(until.getTime() - opts.window), until });
      const report = evaluateGates(metrics, thresholds);
      const out = writeJsonReport(ctx.repoRoot, opts.out, report);
      if (opts.json) printJson(report);
      else process.stdout.write(`${gateText(report)}\nReport: ${path.relative(process.cwd(), out) || out}\n`);
      if (!report.passed) {
        const failed = report.gates.filter((g) => !g.passed).map((g) => g.name);
        throw new AgentlaneError('ENGINE_GATE_FAILED', `Rollout gates failed: ${failed.join(', ')}`, { details: { failed } });
      }
    } finally {
      await ctx.close();
    }
  });

  engine
    .command('killswitch')
    .description('stop every running v2 run now; with --drill, rehearse the switch (flag off → v1 only, running runs reach 0) and record it')
    .option('--drill', 'rehearse and record the result for the rollout gate', false)
    .option('--drain-timeout <duration>', 'running runs must reach 0 within this', duration, 30_000)
    .addOption(repoOption())
    .option('--json', 'print the result as JSON', false)
    .action(async (opts: { drill: boolean; drainTimeout: number; repo: string; json: boolean }) => {
      const ctx = await openEngineContext(opts.repo);
      try {
        const eng = await engineFor(ctx, { workers: opts.drill ? 1 : 0, forceInline: opts.drill && !ctx.config.redisUrl });
        try {
          if (!opts.drill) {
            const stopped = await stopRunningRuns(eng);
            if (opts.json) printJson({ stopped });
            else process.stdout.write(`Stopped ${stopped} running v2 run(s). Set ENGINE_V2_ENABLED=false and restart to keep new jobs on v1.\n`);
            return;
          }
          const report = await killswitchDrill({ engine: eng, flags: flagsFromConfig(ctx.config), drainTimeoutMs: opts.drainTimeout });
          if (opts.json) printJson(report);
          else {
            process.stdout.write(`${table([['check', 'result', 'detail'], ...report.checks.map((c) => [c.name, c.passed ? 'pass' : 'FAIL', c.detail])])}\n\n`);
            process.stdout.write(report.passed ? `Kill-switch drill passed (running runs reached 0 in ${report.drainMs} ms).\n` : 'Kill-switch drill FAILED.\n');
          }
          if (!report.passed) {
            throw new AgentlaneError('ENGINE_DRILL_FAILED', `Kill-switch drill failed: ${report.checks.filter((c) => !c.passed).map((c) => c.name).join(', ')}`);
          }
        } finally {
          await eng.close();
        }
      } finally {
        await ctx.close();
      }
    });

  engine
    .command('teardown')
    .description('remove engine_v2 completely: DROP SCHEMA engine_v2 CASCADE (asks for confirmation unless --yes)')
    .option('--yes', 'do not ask', false)
    .addOption(repoOption())
    .action(async (opts: { yes: boolean; repo: string }) => {
      if (!opts.yes) {
        if (process.stdin.isTTY !== true) throw new AgentlaneError('CLI_USAGE', 'teardown drops every engine_v2 table: pass --yes to confirm');
        const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
        const answer = await rl.question('This drops schema engine_v2 and every job, task and event in it. Type engine_v2 to confirm: ');
        rl.close();
        if (answer.trim() !== 'engine_v2') throw new AgentlaneError('CLI_USAGE', 'Not confirmed; nothing was dropped');
      }
      const ctx = await openEngineContext(opts.repo, { migrate: false });
      try {
        const { dropped } = await teardownEngine(ctx.sql);
        process.stdout.write(dropped ? 'Dropped schema engine_v2.\n' : 'Schema engine_v2 did not exist.\n');
      } finally {
        await ctx.close();
      }
    });

  return engine;
}
