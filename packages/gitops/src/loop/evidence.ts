import fs from 'node:fs/promises';
import path from 'node:path';
import picomatch from 'picomatch';
import type { Sql } from '@agentlane/store';
import type { Cell } from '../cells/schema.js';

export interface EvidenceItem {
  /** Stable id the model cites in `evidence_refs`: `report:<path>` or `metric:<name>`. */
  id: string;
  kind: 'report' | 'metric' | 'kg';
  /** Report excerpt, metric value or KG context, as text. */
  content: string;
}

/** A KG context pack for a query, as text; injected so gitops does not depend on the KG. */
export type KgContextProvider = (query: string) => Promise<string | null>;

export interface EvidenceOptions {
  repoRoot: string;
  sql: Sql;
  kgContext?: KgContextProvider;
  /** Reports read at most (newest path names first). @defaultValue 10 */
  maxReports?: number;
  /** Characters kept of each report. @defaultValue 4000 */
  maxReportChars?: number;
}

const SKIP_DIRS = new Set(['.git', 'node_modules', '.agentlane', 'dist']);

async function listFiles(root: string, dir: string, out: string[], limit: number): Promise<void> {
  if (out.length >= limit) return;
  const entries = await fs.readdir(path.join(root, dir), { withFileTypes: true }).catch(() => []);
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory() && !SKIP_DIRS.has(entry.name)) await listFiles(root, rel, out, limit);
    else if (entry.isFile()) out.push(rel);
    if (out.length >= limit) return;
  }
}

/** Metrics a cell may ask for, read from the records agentlane keeps. Missing schemas read as null. */
async function metric(sql: Sql, name: Cell['evidence']['metrics'][number]): Promise<string> {
  const ratio = async (text: string) => {
    try {
      const { rows } = await sql.query<{ ok: string | null; total: string }>(text);
      const row = rows[0];
      if (!row || Number(row.total) === 0) return 'no runs recorded';
      return `${((Number(row.ok) / Number(row.total)) * 100).toFixed(1)}% of ${row.total}`;
    } catch {
      return 'not recorded (schema absent)';
    }
  };
  switch (name) {
    case 'engine_success_rate':
      return ratio(`SELECT count(*) FILTER (WHERE status = 'succeeded') AS ok, count(*) AS total FROM engine_v2.job_runs WHERE status <> 'running'`);
    case 'lane_success_rate':
      return ratio(`SELECT count(*) FILTER (WHERE status = 'succeeded') AS ok, count(*) AS total FROM lane.microtasks WHERE status IN ('succeeded', 'failed')`);
    case 'ready':
      return sql.query('SELECT 1').then(
        () => 'database reachable',
        () => 'database unreachable',
      );
    case 'llm_cost_usd':
      try {
        const { rows } = await sql.query<{ cost: string | null }>('SELECT sum(cost_usd) AS cost FROM engine_v2.job_task_attempts');
        return `${Number(rows[0]?.cost ?? 0).toFixed(4)} USD`;
      } catch {
        return 'not recorded (schema absent)';
      }
  }
}

/**
 * Gather a cell's evidence: report files matching its globs (sorted, so the same
 * tree gives the same context), its metrics and its KG queries. Deterministic for
 * a given repository and database state, so replayed answers match.
 */
export async function gatherEvidence(cell: Cell, options: EvidenceOptions): Promise<EvidenceItem[]> {
  const items: EvidenceItem[] = [];
  if (cell.evidence.reports.length > 0) {
    const matches = picomatch(cell.evidence.reports, { dot: false });
    const files: string[] = [];
    await listFiles(options.repoRoot, '', files, 20_000);
    const reports = files.filter((f) => matches(f)).sort((a, b) => b.localeCompare(a)).slice(0, options.maxReports ?? 10);
    for (const file of reports) {
      const text = await fs.readFile(path.join(options.repoRoot, file), 'utf8');
      const max = options.maxReportChars ?? 4_000;
      items.push({ id: `report:${file}`, kind: 'report', content: text.length > max ? `${text.slice(0, max)}\n…(truncated)` : text });
    }
  }
  for (const name of cell.evidence.metrics) items.push({ id: `metric:${name}`, kind: 'metric', content: await metric(options.sql, name) });
  if (options.kgContext) {
    for (const query of cell.evidence.kg_queries) {
      const pack = await options.kgContext(query);
      if (pack) items.push({ id: `kg:${query}`, kind: 'kg', content: pack });
    }
  }
  return items;
}
