import type { Sql } from '@agentlane/store';
import type { Engine } from './engine.js';
import { routeFor, verifiedIdentity, type EngineFlags } from './flag.js';
import { cancelJob } from './scheduler/cancel.js';
import { parseWorkflow } from './workflow/schema.js';

/**
 * The kill switch (seed 001 §16, seed 000): ENGINE_V2_ENABLED=false routes every new job
 * to v1, and `stopRunningRuns` ends the v2 runs in flight (canceled with v2_canceled, so a
 * live job falls back to v1), until `SELECT count(*) … WHERE status = 'running'` is 0.
 */
export async function runningRuns(sql: Sql): Promise<number> {
  const { rows } = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM engine_v2.job_runs WHERE status = 'running'`);
  return rows[0]?.n ?? 0;
}

export async function stopRunningRuns(engine: Engine, message = 'Stopped by the kill switch'): Promise<number> {
  const { rows } = await engine.ctx.sql.query<{ job_id: string }>(`SELECT job_id FROM engine_v2.job_runs WHERE status = 'running'`);
  let stopped = 0;
  for (const row of rows) if (await cancelJob(engine.ctx, row.job_id, message)) stopped += 1;
  return stopped;
}

export interface DrillCheck {
  name: string;
  passed: boolean;
  detail: string;
}

export interface DrillReport {
  passed: boolean;
  checks: DrillCheck[];
  /** How long it took for running v2 runs to reach 0 after the switch. */
  drainMs: number;
  runningBefore: number;
  startedAt: string;
}

export interface DrillOptions {
  engine: Engine;
  flags: EngineFlags;
  /** Running runs must reach 0 within this (seed 000: 30 s). @defaultValue 30_000 */
  drainTimeoutMs?: number;
}

const PROBE = parseWorkflow({
  name: 'killswitch-probe',
  tasks: [{ key: 'probe', role: 'drill', agent: 'noop', max_attempts: 1, with: { sleep_ms: 600_000 } }],
});

/**
 * Rehearse the kill switch and record the result (the rollout gate reads it):
 * 1. with the flag on, an allowlisted identity is routed to v2 (the switch is what decides);
 * 2. a probe v2 run is started and is running;
 * 3. with the flag off, the same identity is routed to v1 and no new v2 run starts;
 * 4. running v2 runs (the probe and any others) reach 0 within the drain timeout.
 * Step 4 stops every v2 run in flight, as the real switch does.
 */
export async function killswitchDrill(options: DrillOptions): Promise<DrillReport> {
  const { engine } = options;
  const sql = engine.ctx.sql;
  const startedAt = new Date();
  const identity = verifiedIdentity({ id: 'agentlane-killswitch-drill' }, 'drill');
  const checks: DrillCheck[] = [];
  const on: EngineFlags = { ...options.flags, enabled: true, mode: options.flags.mode === 'off' ? 'live' : options.flags.mode, allowlist: [...options.flags.allowlist, identity.id] };
  const onRoute = routeFor(on, identity);
  checks.push({ name: 'flag_on_routes_to_v2', passed: onRoute !== 'v1', detail: `route with the flag on: ${onRoute}` });

  const probe = await engine.submit(PROBE, { mode: 'drill', actor: identity.id });
  let probeRunning = false;
  for (let i = 0; i < 100 && !probeRunning; i += 1) {
    const status = await engine.status(probe);
    probeRunning = status.tasks[0]?.status === 'running';
    if (!probeRunning) await new Promise((r) => setTimeout(r, 50));
  }
  const runningBefore = await runningRuns(sql);
  checks.push({ name: 'probe_running', passed: probeRunning, detail: `probe ${probe} ${probeRunning ? 'running' : 'did not start'}; ${runningBefore} v2 run(s) running` });

  const off: EngineFlags = { ...on, enabled: false };
  const runsBefore = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM engine_v2.job_runs');
  const offRoute = routeFor(off, identity);
  const runsAfter = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM engine_v2.job_runs');
  checks.push({
    name: 'flag_off_routes_to_v1',
    passed: offRoute === 'v1' && runsAfter.rows[0]?.n === runsBefore.rows[0]?.n,
    detail: `route with the flag off: ${offRoute}; new v2 runs: ${(runsAfter.rows[0]?.n ?? 0) - (runsBefore.rows[0]?.n ?? 0)}`,
  });

  const switched = performance.now();
  await stopRunningRuns(engine, 'Stopped by the kill-switch drill');
  const deadline = switched + (options.drainTimeoutMs ?? 30_000);
  let left = await runningRuns(sql);
  while (left > 0 && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    await stopRunningRuns(engine, 'Stopped by the kill-switch drill');
    left = await runningRuns(sql);
  }
  const drainMs = Math.round(performance.now() - switched);
  checks.push({ name: 'running_reach_zero', passed: left === 0, detail: `${left} running after ${drainMs} ms (limit ${options.drainTimeoutMs ?? 30_000} ms)` });

  const passed = checks.every((c) => c.passed);
  await sql.query(
    'INSERT INTO engine_v2.killswitch_drills (passed, details, started_at) VALUES ($1, $2::jsonb, $3)',
    [passed, JSON.stringify({ checks, drainMs, runningBefore }), startedAt],
  );
  return { passed, checks, drainMs, runningBefore, startedAt: startedAt.toISOString() };
}
