import { describe, expect, it } from 'vitest';
import { aggregatePrLite, DEFAULT_PRLITE_THRESHOLDS, type PrLiteInputs } from '../src/index.js';

const now = new Date('2026-11-21T12:00:00Z');
const healthy = (): PrLiteInputs => ({
  smoke: { ok: true, checks: [{ name: 'database', ok: true }] },
  quality: { ran: 2, passed: 2, failed: 0, checks: [] },
  monitoring: {
    generated_at: now.toISOString(),
    health: [{ name: 'database', ok: true, checked_at: '2026-11-21T11:00:00Z' }],
    routing: { ranked: [{ provider: 'replay', model: 'm', rank: 1 }] },
  },
});

describe('PR-Lite aggregation', () => {
  it('passes when every gate passes', () => {
    const summary = aggregatePrLite(healthy(), DEFAULT_PRLITE_THRESHOLDS, now);
    expect(summary.pass).toBe(true);
    expect(summary.gates.map((g) => g.name)).toEqual(['smoke', 'quality', 'health', 'routing']);
  });

  it('applies QUALITY_MIN_RAN, HEALTH_TTL_MIN and ROUTING_REQUIRE_RANKED', () => {
    const inputs = healthy();
    const failing = aggregatePrLite(inputs, { qualityMinRan: 3, healthTtlMin: 30, routingRequireRanked: 2 }, now);
    expect(failing.gates.filter((g) => !g.pass).map((g) => [g.name, g.detail])).toEqual([
      ['quality', '2 ran (min 3), 0 failed'],
      ['health', 'newest snapshot 60 min old (TTL 30)'],
      ['routing', '1 ranked candidates (need 2)'],
    ]);
  });

  it('fails a missing input, a failed smoke check, a failed quality check and an unhealthy service', () => {
    const inputs = healthy();
    inputs.smoke = { missing: 'smoke-output.json not found' };
    expect(aggregatePrLite(inputs, DEFAULT_PRLITE_THRESHOLDS, now).gates[0]).toEqual({ name: 'smoke', pass: false, detail: 'smoke-output.json not found' });
    const bad = healthy();
    bad.smoke = { ok: false, checks: [{ name: 'kg index', ok: false }] };
    bad.quality = { ran: 2, passed: 1, failed: 1, checks: [] };
    bad.monitoring = { ...healthy().monitoring as Exclude<PrLiteInputs['monitoring'], { missing: string }>, health: [{ name: 'redis', ok: false, checked_at: now.toISOString() }] };
    const summary = aggregatePrLite(bad, DEFAULT_PRLITE_THRESHOLDS, now);
    expect(summary.pass).toBe(false);
    expect(summary.gates.filter((g) => !g.pass).map((g) => g.name)).toEqual(['smoke', 'quality', 'health']);
  });

  it('a u_contract deny fails the gate; review does not', () => {
    const decision = { verdict: 'deny' as const, reasons: ['x is protected'], category: 'persist-report', merge: 'auto' as const, requiredChecks: [], changedLines: 1 };
    expect(aggregatePrLite({ ...healthy(), policy: decision }, DEFAULT_PRLITE_THRESHOLDS, now).pass).toBe(false);
    expect(aggregatePrLite({ ...healthy(), policy: { ...decision, verdict: 'review' } }, DEFAULT_PRLITE_THRESHOLDS, now).pass).toBe(true);
  });
});
