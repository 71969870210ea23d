import type { Sql } from '@agentlane/store';

/**
 * Rollout gates (seed 000 "rollout gates", seed 001 §18), computed from engine_v2's own
 * tables over a time window. Only shadow and live runs count toward rates and latency
 * (direct CLI runs and drills are not user traffic); deadlocks count in every mode.
 *
 * | gate                     | default            | source                     |
 * |--------------------------|--------------------|----------------------------|
 * | v2 success rate          | ≥ 0.90             | seed 000 rollout gate      |
 * | fallback v1 success rate | ≥ 0.99             | seed 000 rollout gate      |
 * | v2_output_invalid rate   | < 0.05             | seed 000 rollout gate      |
 * | DAG deadlocks            | = 0                | seed 000 rollout gate      |
 * | p50 latency vs v1        | ≤ 1.2 ×            | seed 000 shadow: ≤ 120 %   |
 * | p95 latency vs v1        | ≤ 1.2 ×            | seed 001 §18               |
 * | cost/job vs v1           | ≤ 1.5 ×            | seed 001 §18               |
 * | kill-switch drill        | a passing drill    | seed 000 rollout gate      |
 */
export interface GateThresholds {
  v2SuccessRate: number;
  fallbackV1SuccessRate: number;
  outputInvalidRate: number;
  deadlocks: number;
  p50LatencyRatio: number;
  p95LatencyRatio: number;
  costRatio: number;
  /** Fewer runs than this in the window fails the success-rate gate (not enough evidence). */
  minRuns: number;
  requireDrill: boolean;
}

export const DEFAULT_GATE_THRESHOLDS = {
  v2SuccessRate: 0.9,
  fallbackV1SuccessRate: 0.99,
  outputInvalidRate: 0.05,
  deadlocks: 0,
  p50LatencyRatio: 1.2,
  p95LatencyRatio: 1.2,
  costRatio: 1.5,
  minRuns: 1,
  requireDrill: true,
} as const satisfies GateThresholds;

export interface GateMetrics {
  window: { since: string; until: string };
  runs: number;
  v2Succeeded: number;
  fallbacks: number;
  fallbackV1Succeeded: number;
  outputInvalid: number;
  deadlocks: number;
  latency: { v2P50: number | null; v2P95: number | null; v1P50: number | null; v1P95: number | null };
  cost: { v2PerJob: number | null; v1PerJob: number | null };
  lastDrill: { passed: boolean; at: string } | null;
}

export interface GateResult {
  name: string;
  value: number | null;
  threshold: string;
  passed: boolean;
  detail: string;
}

export interface GateReport {
  passed: boolean;
  metrics: GateMetrics;
  thresholds: GateThresholds;
  gates: GateResult[];
}

export async function measureGates(sql: Sql, window: { since: Date; until: Date }): Promise<GateMetrics> {
  const params = [window.since, window.until];
  const { rows } = await sql.query<{
    runs: number;
    v2_succeeded: number;
    fallbacks: number;
    fallback_v1_succeeded: number;
    output_invalid: number;
    v2_p50: number | null;
    v2_p95: number | null;
    v1_p50: number | null;
    v1_p95: number | null;
    v2_cost: number | null;
    v1_cost: number | null;
  }>(
    `SELECT count(*)::int AS runs,
            count(*) FILTER (WHERE status = 'succeeded' AND NOT fallback_triggered AND error_code IS NULL)::int AS v2_succeeded,
            count(*) FILTER (WHERE fallback_triggered)::int AS fallbacks,
            count(*) FILTER (WHERE fallback_triggered AND v1_status = 'succeeded')::int AS fallback_v1_succeeded,
            count(*) FILTER (WHERE error_code = 'v2_output_invalid')::int AS output_invalid,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE status = 'succeeded' AND error_code IS NULL) AS v2_p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) FILTER (WHERE status = 'succeeded' AND error_code IS NULL) AS v2_p95,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY v1_latency_ms) FILTER (WHERE v1_status = 'succeeded') AS v1_p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY v1_latency_ms) FILTER (WHERE v1_status = 'succeeded') AS v1_p95,
            avg(coalesce(cost_usd, 0)) FILTER (WHERE status = 'succeeded' AND error_code IS NULL) AS v2_cost,
            avg(v1_cost_usd) FILTER (WHERE v1_status = 'succeeded' AND v1_cost_usd IS NOT NULL) AS v1_cost
     FROM engine_v2.job_runs
     WHERE mode IN ('shadow', 'live') AND status <> 'running' AND created_at >= $1 AND created_at < $2`,
    params,
  );
  const deadlocks = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM engine_v2.job_runs WHERE error_code = 'v2_dag_deadlock' AND created_at >= $1 AND created_at < $2`,
    params,
  );
  const drill = await sql.query<{ passed: boolean; finished_at: Date }>(
    'SELECT passed, finished_at FROM engine_v2.killswitch_drills ORDER BY finished_at DESC LIMIT 1',
  );
  const r = rows[0] as NonNullable<(typeof rows)[number]>;
  const num = (v: number | null) => (v === null ? null : Number(v));
  return {
    window: { since: window.since.toISOString(), until: window.until.toISOString() },
    runs: r.runs,
    v2Succeeded: r.v2_succeeded,
    fallbacks: r.fallbacks,
    fallbackV1Succeeded: r.fallback_v1_succeeded,
    outputInvalid: r.output_invalid,
    deadlocks: deadlocks.rows[0]?.n ?? 0,
    latency: { v2P50: num(r.v2_p50), v2P95: num(r.v2_p95), v1P50: num(r.v1_p50), v1P95: num(r.v1_p95) },
    cost: { v2PerJob: num(r.v2_cost), v1PerJob: num(r.v1_cost) },
    lastDrill: drill.rows[0] ? { passed: drill.rows[0].passed, at: drill.rows[0].finished_at.toISOString() } : null,
  };
}

const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

export function evaluateGates(metrics: GateMetrics, thresholds: GateThresholds = DEFAULT_GATE_THRESHOLDS): GateReport {
  const gates: GateResult[] = [];
  const successRate = metrics.runs === 0 ? null : metrics.v2Succeeded / metrics.runs;
  gates.push({
    name: 'v2_success_rate',
    value: successRate,
    threshold: `≥ ${thresholds.v2SuccessRate}`,
    passed: metrics.runs >= thresholds.minRuns && (successRate === null || successRate >= thresholds.v2SuccessRate),
    detail: metrics.runs < thresholds.minRuns ? `${metrics.runs} run(s) in the window, need ${thresholds.minRuns}` : `${metrics.v2Succeeded}/${metrics.runs}${successRate === null ? '' : ` = ${pct(successRate)}`}`,
  });
  const fallbackRate = metrics.fallbacks === 0 ? null : metrics.fallbackV1Succeeded / metrics.fallbacks;
  gates.push({
    name: 'fallback_v1_success_rate',
    value: fallbackRate,
    threshold: `≥ ${thresholds.fallbackV1SuccessRate}`,
    passed: fallbackRate === null || fallbackRate >= thresholds.fallbackV1SuccessRate,
    detail: fallbackRate === null ? 'no fallbacks' : `${metrics.fallbackV1Succeeded}/${metrics.fallbacks} = ${pct(fallbackRate)}`,
  });
  const invalidRate = metrics.runs === 0 ? null : metrics.outputInvalid / metrics.runs;
  gates.push({
    name: 'v2_output_invalid_rate',
    value: invalidRate,
    threshold: `< ${thresholds.outputInvalidRate}`,
    passed: invalidRate === null || invalidRate < thresholds.outputInvalidRate,
    detail: invalidRate === null ? 'no runs' : `${metrics.outputInvalid}/${metrics.runs} = ${pct(invalidRate)}`,
  });
  gates.push({
    name: 'dag_deadlocks',
    value: metrics.deadlocks,
    threshold: `≤ ${thresholds.deadlocks}`,
    passed: metrics.deadlocks <= thresholds.deadlocks,
    detail: `${metrics.deadlocks} run(s) ended v2_dag_deadlock`,
  });
  for (const [name, v2, v1, max] of [
    ['p50_latency_vs_v1', metrics.latency.v2P50, metrics.latency.v1P50, thresholds.p50LatencyRatio],
    ['p95_latency_vs_v1', metrics.latency.v2P95, metrics.latency.v1P95, thresholds.p95LatencyRatio],
    ['cost_per_job_vs_v1', metrics.cost.v2PerJob, metrics.cost.v1PerJob, thresholds.costRatio],
  ] as const) {
    const value = ratio(v2, v1);
    gates.push({
      name,
      value,
      threshold: `≤ ${max}×`,
      passed: value === null || value <= max,
      detail: value === null ? 'no v1 baseline in the window' : `v2 ${v2?.toFixed(name.startsWith('cost') ? 4 : 0)} vs v1 ${v1?.toFixed(name.startsWith('cost') ? 4 : 0)} = ${value.toFixed(2)}×`,
    });
  }
  gates.push({
    name: 'killswitch_drill',
    value: metrics.lastDrill ? (metrics.lastDrill.passed ? 1 : 0) : null,
    threshold: thresholds.requireDrill ? 'latest drill passed' : 'not required',
    passed: !thresholds.requireDrill || metrics.lastDrill?.passed === true,
    detail: metrics.lastDrill ? `latest drill ${metrics.lastDrill.passed ? 'passed' : 'FAILED'} at ${metrics.lastDrill.at}` : 'no drill recorded (agentlane engine killswitch --drill)',
  });
  return { passed: gates.every((g) => g.passed), metrics, thresholds, gates };
}
