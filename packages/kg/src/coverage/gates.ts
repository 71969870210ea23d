import type { Sql } from '@agentlane/store';
import type { Language } from '../extract/types.js';
import { EMPTY_COVERAGE, type FileCoverage } from './counters.js';

/** Seed 004 thresholds, in percent. */
export interface GateThresholds {
  params: number;
  returns: number;
  fields: number;
  lines: number;
  io: number;
}

export const DEFAULT_THRESHOLDS: GateThresholds = { params: 70, returns: 80, fields: 80, lines: 100, io: 70 };

export type GateName = keyof GateThresholds;
export const GATE_NAMES: readonly GateName[] = ['params', 'returns', 'fields', 'lines', 'io'];

export interface GateResult {
  language: Language;
  gate: GateName;
  numerator: number;
  denominator: number;
  /** Percent with one decimal; null when there is nothing to measure. */
  percent: number | null;
  threshold: number;
  passed: boolean;
}

export interface CoverageReport {
  generatedAt: string;
  thresholds: GateThresholds;
  languages: Partial<Record<Language, FileCoverage & { files: number }>>;
  gates: GateResult[];
  passed: boolean;
}

const FRACTIONS: Record<GateName, (c: FileCoverage) => [number, number]> = {
  params: (c) => [c.paramsOk, c.callables],
  returns: (c) => [c.returnsOk, c.returnsDeclared],
  fields: (c) => [c.fieldsOk, c.fieldsInSource],
  lines: (c) => [c.linesOk, c.objects],
  io: (c) => [c.ioOk, c.returnsDeclared],
};

export async function sumCoverage(sql: Sql): Promise<Partial<Record<Language, FileCoverage & { files: number }>>> {
  const keys = Object.keys(EMPTY_COVERAGE) as (keyof FileCoverage)[];
  const { rows } = await sql.query<Record<string, number> & { language: Language }>(
    `SELECT language, count(*)::int AS files, ${keys.map((k) => `coalesce(sum((coverage->>'${k}')::int), 0)::int AS "${k}"`).join(', ')}
       FROM kg.files GROUP BY language ORDER BY language`,
  );
  const out: Partial<Record<Language, FileCoverage & { files: number }>> = {};
  for (const row of rows) {
    const entry = { ...EMPTY_COVERAGE, files: Number(row.files ?? 0) };
    for (const key of keys) entry[key] = row[key] ?? 0;
    out[row.language] = entry;
  }
  return out;
}

export function evaluateGates(
  languages: Partial<Record<Language, FileCoverage & { files: number }>>,
  thresholds: GateThresholds = DEFAULT_THRESHOLDS,
  now: Date = new Date(),
): CoverageReport {
  const gates: GateResult[] = [];
  for (const language of Object.keys(languages).sort() as Language[]) {
    const counters = languages[language];
    if (!counters) continue;
    for (const gate of GATE_NAMES) {
      const [numerator, denominator] = FRACTIONS[gate](counters);
      const percent = denominator === 0 ? null : Math.floor((numerator / denominator) * 1000) / 10;
      gates.push({ language, gate, numerator, denominator, percent, threshold: thresholds[gate], passed: percent === null || percent >= thresholds[gate] });
    }
  }
  return { generatedAt: now.toISOString(), thresholds, languages, gates, passed: gates.every((g) => g.passed) };
}
