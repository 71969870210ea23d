import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { PolicyDecision } from '../policy/evaluate.js';

/**
 * PR-Lite (seed 004): the light gate every pull request passes before merge. Three
 * inputs, written by `agentlane prlite collect` (or any tool that writes the same
 * shapes), and the u_contract verdict on the PR diff, aggregated into
 * `reports/pr-lite-summary.json` with the seed's thresholds.
 */
export const smokeOutputSchema = z.object({
  ok: z.boolean(),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() })),
});
export const monitoringReportSchema = z.object({
  generated_at: z.string().datetime({ offset: true }),
  health: z.array(z.object({ name: z.string(), ok: z.boolean(), checked_at: z.string().datetime({ offset: true }), detail: z.string().optional() })),
  routing: z.object({ ranked: z.array(z.object({ provider: z.string(), model: z.string(), rank: z.number().int().positive() })) }),
});
export const qualitySummarySchema = z.object({
  ran: z.number().int().nonnegative(),
  passed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() })).default([]),
});

export type SmokeOutput = z.infer<typeof smokeOutputSchema>;
export type MonitoringReport = z.infer<typeof monitoringReportSchema>;
export type QualitySummary = z.infer<typeof qualitySummarySchema>;

export interface PrLiteThresholds {
  /** QUALITY_MIN_RAN: quality checks that must have run. */
  qualityMinRan: number;
  /** HEALTH_TTL_MIN: the newest health snapshot may be at most this old (minutes). */
  healthTtlMin: number;
  /** ROUTING_REQUIRE_RANKED: ranked LLM routing candidates required. */
  routingRequireRanked: number;
}

export const DEFAULT_PRLITE_THRESHOLDS: PrLiteThresholds = { qualityMinRan: 1, healthTtlMin: 1440, routingRequireRanked: 1 };

export const PRLITE_INPUTS = {
  smoke: 'smoke-output.json',
  monitoring: 'monitoring-report.json',
  quality: 'reports/quality/light-summary.json',
} as const;
export const PRLITE_SUMMARY = 'reports/pr-lite-summary.json';

export interface GateOutcome {
  name: 'smoke' | 'quality' | 'health' | 'routing' | 'u_contract';
  pass: boolean;
  detail: string;
}

export interface PrLiteSummary {
  pass: boolean;
  gates: GateOutcome[];
  thresholds: PrLiteThresholds;
  generated_at: string;
}

export interface PrLiteInputs {
  smoke: SmokeOutput | { missing: string };
  monitoring: MonitoringReport | { missing: string };
  quality: QualitySummary | { missing: string };
  /** The u_contract verdict on the PR diff, with the base branch's policy; absent outside a PR. */
  policy?: PolicyDecision;
}

const missing = (value: object): value is { missing: string } => 'missing' in value;

/** Pure: the same inputs, thresholds and clock give the same summary. */
export function aggregatePrLite(inputs: PrLiteInputs, thresholds: PrLiteThresholds = DEFAULT_PRLITE_THRESHOLDS, now: Date = new Date()): PrLiteSummary {
  const gates: GateOutcome[] = [];
  const { smoke, monitoring, quality } = inputs;
  if (missing(smoke)) gates.push({ name: 'smoke', pass: false, detail: smoke.missing });
  else {
    const failed = smoke.checks.filter((c) => !c.ok).map((c) => c.name);
    gates.push({ name: 'smoke', pass: smoke.ok && failed.length === 0, detail: failed.length ? `failed: ${failed.join(', ')}` : `${smoke.checks.length} checks ok` });
  }
  if (missing(quality)) gates.push({ name: 'quality', pass: false, detail: quality.missing });
  else {
    const pass = quality.ran >= thresholds.qualityMinRan && quality.failed === 0;
    gates.push({ name: 'quality', pass, detail: `${quality.ran} ran (min ${thresholds.qualityMinRan}), ${quality.failed} failed` });
  }
  if (missing(monitoring)) {
    gates.push({ name: 'health', pass: false, detail: monitoring.missing }, { name: 'routing', pass: false, detail: monitoring.missing });
  } else {
    const newest = Math.max(...monitoring.health.map((h) => Date.parse(h.checked_at)), Number.NEGATIVE_INFINITY);
    const ageMin = (now.getTime() - newest) / 60_000;
    const unhealthy = monitoring.health.filter((h) => !h.ok).map((h) => h.name);
    const fresh = Number.isFinite(ageMin) && ageMin <= thresholds.healthTtlMin;
    gates.push({
      name: 'health',
      pass: fresh && unhealthy.length === 0,
      detail: !Number.isFinite(ageMin) ? 'no health snapshot' : `${unhealthy.length ? `unhealthy: ${unhealthy.join(', ')}; ` : ''}newest snapshot ${ageMin.toFixed(0)} min old (TTL ${thresholds.healthTtlMin})`,
    });
    const ranked = monitoring.routing.ranked.length;
    gates.push({ name: 'routing', pass: ranked >= thresholds.routingRequireRanked, detail: `${ranked} ranked candidates (need ${thresholds.routingRequireRanked})` });
  }
  if (inputs.policy) {
    gates.push({ name: 'u_contract', pass: inputs.policy.verdict !== 'deny', detail: `${inputs.policy.verdict}: ${inputs.policy.reasons.join('; ')}` });
  }
  return { pass: gates.every((g) => g.pass), gates, thresholds, generated_at: now.toISOString() };
}

async function readInput<S extends z.ZodTypeAny>(root: string, file: string, schema: S): Promise<z.infer<S> | { missing: string }> {
  let text: string;
  try {
    text = await fs.readFile(path.join(root, file), 'utf8');
  } catch {
    return { missing: `${file} not found` };
  }
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    return { missing: `${file} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  } catch {
    return { missing: `${file} is not JSON` };
  }
}

/** Read the three inputs from a directory (missing or invalid ones fail their gate, with the reason). */
export async function readPrLiteInputs(root: string): Promise<Omit<PrLiteInputs, 'policy'>> {
  return {
    smoke: await readInput(root, PRLITE_INPUTS.smoke, smokeOutputSchema),
    monitoring: await readInput(root, PRLITE_INPUTS.monitoring, monitoringReportSchema),
    quality: await readInput(root, PRLITE_INPUTS.quality, qualitySummarySchema),
  };
}
