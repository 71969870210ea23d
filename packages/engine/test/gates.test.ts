import { describe, expect, it } from 'vitest';
import { DEFAULT_GATE_THRESHOLDS, createEngine, evaluateGates, killswitchDrill, measureGates, runningRuns, type GateMetrics } from '../src/index.js';
import { testBackends } from '../../../test/support/backends.js';
import { FAST, tempDir, useEngineDatabase } from './support/engine.js';

interface RunRow {
  mode?: string;
  status: string;
  error_code?: string | null;
  fallback?: boolean;
  v1_status?: string | null;
  latency?: number;
  v1_latency?: number | null;
  cost?: number | null;
  v1_cost?: number | null;
  ageHours?: number;
}

describe.each(testBackends())('rollout gates and the kill-switch drill on %s', (backend) => {
  const database = useEngineDatabase(backend);

  async function seed(rows: RunRow[]): Promise<void> {
    for (const r of rows) {
      await database.db.sql.query(
        `WITH j AS (INSERT INTO engine_v2.jobs (actor, status) VALUES ('u', 'running') RETURNING id)
         INSERT INTO engine_v2.job_runs (job_id, mode, status, error_code, fallback_triggered, v1_status, latency_ms, v1_latency_ms, cost_usd, v1_cost_usd,
                                         workflow_name, workflow, deadline_at, created_at, finished_at)
         SELECT id, $1, $2, $3, $4, $5, $6, $7, $8, $9, 'w', '{}'::jsonb, now(), now() - $10 * interval '1 hour', CASE WHEN $2 = 'running' THEN NULL ELSE now() END FROM j`,
        [r.mode ?? 'shadow', r.status, r.error_code ?? null, r.fallback ?? false, r.v1_status ?? null, r.latency ?? 100, r.v1_latency ?? null, r.cost ?? null, r.v1_cost ?? null, r.ageHours ?? 0],
      );
    }
  }

  it('computes every gate from the tables for the window, and fails what misses its threshold', async () => {
    await seed([
      ...Array.from({ length: 18 }, (_, i) => ({ status: 'succeeded', latency: 100 + i, v1_status: 'succeeded', v1_latency: 100 + i, cost: 0.01, v1_cost: 0.01 })),
      { mode: 'live', status: 'failed', error_code: 'v2_task_failed', fallback: true, v1_status: 'succeeded', v1_latency: 90 },
      { mode: 'live', status: 'succeeded', error_code: 'v2_output_invalid', fallback: true, v1_status: 'failed' },
      { mode: 'direct', status: 'failed', error_code: 'v2_dag_deadlock' },
      { status: 'failed', error_code: 'v2_task_failed', ageHours: 24 * 30 },
    ]);
    const now = new Date(Date.now() + 1000);
    const metrics = await measureGates(database.db.sql, { since: new Date(Date.now() - 7 * 24 * 3600_000), until: now });
    expect(metrics).toMatchObject({ runs: 20, v2Succeeded: 18, fallbacks: 2, fallbackV1Succeeded: 1, outputInvalid: 1, deadlocks: 1, lastDrill: null });
    expect(metrics.latency.v2P50).toBeCloseTo(108.5);
    const report = evaluateGates(metrics);
    const byName = Object.fromEntries(report.gates.map((g) => [g.name, g.passed]));
    expect(byName).toEqual({
      v2_success_rate: true, // 18/20 = 0.9
      fallback_v1_success_rate: false, // 1/2
      v2_output_invalid_rate: false, // 1/20 = 0.05, not < 0.05
      dag_deadlocks: false,
      p50_latency_vs_v1: true,
      p95_latency_vs_v1: true,
      cost_per_job_vs_v1: true,
      killswitch_drill: false,
    });
    expect(report.passed).toBe(false);
    const relaxed = evaluateGates(metrics, { ...DEFAULT_GATE_THRESHOLDS, fallbackV1SuccessRate: 0.5, outputInvalidRate: 0.1, deadlocks: 1, requireDrill: false });
    expect(relaxed.passed).toBe(true);
  });

  it('fails the success gate with no runs, and the latency gate when v2 is slower than 1.2× v1', () => {
    const empty: GateMetrics = {
      window: { since: '', until: '' }, runs: 0, v2Succeeded: 0, fallbacks: 0, fallbackV1Succeeded: 0, outputInvalid: 0, deadlocks: 0,
      latency: { v2P50: 130, v2P95: 200, v1P50: 100, v1P95: 200 }, cost: { v2PerJob: null, v1PerJob: null }, lastDrill: { passed: true, at: '' },
    };
    const report = evaluateGates(empty);
    expect(report.gates.find((g) => g.name === 'v2_success_rate')?.passed).toBe(false);
    expect(report.gates.find((g) => g.name === 'p50_latency_vs_v1')).toMatchObject({ passed: false, value: 1.3 });
    expect(report.gates.find((g) => g.name === 'p95_latency_vs_v1')?.passed).toBe(true);
  });

  it('drills the kill switch: flag off routes to v1, running v2 runs reach 0, the gate sees the drill', async () => {
    const engine = createEngine({ sql: database.db.sql, workers: 2, stagingRoot: tempDir('staging'), ...FAST });
    try {
      const report = await killswitchDrill({ engine, flags: { enabled: true, mode: 'live', allowlistOnly: true, allowlist: [] }, drainTimeoutMs: 10_000 });
      expect(report.checks.map((c) => [c.name, c.passed])).toEqual([
        ['flag_on_routes_to_v2', true],
        ['probe_running', true],
        ['flag_off_routes_to_v1', true],
        ['running_reach_zero', true],
      ]);
      expect(report.passed).toBe(true);
      expect(await runningRuns(database.db.sql)).toBe(0);
      const metrics = await measureGates(database.db.sql, { since: new Date(0), until: new Date(Date.now() + 1000) });
      expect(metrics.lastDrill?.passed).toBe(true);
      expect(evaluateGates(metrics).gates.find((g) => g.name === 'killswitch_drill')?.passed).toBe(true);
    } finally {
      await engine.close();
    }
  });
});
