import type { Sql } from '@agentlane/store';
import type { Logger } from '@agentlane/core';
import type { ObjectKind } from '../extract/types.js';
import type { FileRow } from '../index/kg-store.js';
import type { KgRelation, ParsedFile } from '../model.js';
import type { CheckedFile, StopReason } from './checker-job.js';
import { ObjectIndex, type ObjectSpan } from './objects.js';
import { preciseOptions, PRECISE_HARD_STOP_GRACE_MS, type PreciseOptions } from './options.js';
import { runChecker } from './run-checker.js';

/**
 * The optional precise call pass (`agentlane kg index --precise`): after the
 * tree-sitter resolve, the TypeScript checker resolves every call site of the
 * run's TS/JS files, and for each file it finished, its `calls` edges replace the
 * tree-sitter ones (resolution 'checker'). Files it did not finish (time budget,
 * file cap, unreadable) keep their tree-sitter edges. Python is never touched.
 */

export interface PreciseSummary {
  /** Wall time of the pass, worker start to edges replaced. */
  ms: number;
  programMs: number;
  checkMs: number;
  /** Whose compiler options the program used. */
  config: 'tsconfig.json' | 'defaults';
  /** Source files in the program (the roots plus what they import, declarations and libs). */
  programFiles: number;
  /** `unreadable`: not walked (unreadable, over the size cap, refused, nested too deep to parse or check). */
  files: { requested: number; covered: number; unreadable: number };
  /** Call sites of the covered files. `unmapped` (part of unresolved): declared in the repository but not as a callable KG object. */
  sites: { resolved: number; external: number; unresolved: number; unmapped: number };
  /** `calls` edges written (one per caller, callee and line). */
  edges: number;
  /** Some requested files were not covered (they keep tree-sitter edges). */
  partial: boolean;
  stopReason: StopReason | 'hard_timeout' | null;
  /** Paths the compiler's sandbox refused to read (the first few). */
  refused: string[];
}

export interface PreciseInput {
  repoRoot: string;
  /** The files of this run (changed and re-resolved). */
  files: readonly ParsedFile[];
  /** The run's resolved relations (not yet written). */
  relations: readonly KgRelation[];
  /** The run's file rows (not yet written): call counters of covered files are replaced. */
  fileRows: FileRow[];
  options?: PreciseOptions;
  logger?: Logger;
}

const DECLARATION_FILE = /\.d\.(?:[^/]+\.)?[cm]?ts$/;

export async function applyPrecisePass(sql: Sql, input: PreciseInput): Promise<{ relations: KgRelation[]; summary: PreciseSummary }> {
  const started = performance.now();
  const options = preciseOptions(input.options);
  const candidates = input.files
    .filter((f) => f.language === 'ts' && !DECLARATION_FILE.test(f.path))
    .map((f) => f.path)
    .sort();
  const requested = candidates.slice(0, options.maxFiles);
  const deadline = Date.now() + options.timeBudgetMs;
  const run =
    requested.length === 0
      ? null
      : await runChecker(
          { root: input.repoRoot, files: requested, maxFileBytes: options.maxFileBytes, maxTotalBytes: options.maxTotalBytes, deadline },
          { hardStopAt: deadline + PRECISE_HARD_STOP_GRACE_MS, maxHeapMb: options.maxHeapMb },
        );
  if (run?.failure) input.logger?.warn({ failure: run.failure, detail: run.failureDetail, covered: run.files.length }, 'precise pass stopped early');
  const checked = run?.files ?? [];
  const index = new ObjectIndex(await objectSpans(sql, checked));
  const { edges, counts, perFile } = edgesOf(checked, index);

  const covered = new Set(checked.map((f) => f.path));
  const coveredIds = [...index.idsOf(covered)];
  if (coveredIds.length > 0) await sql.query(`DELETE FROM kg.relations WHERE kind = 'calls' AND src = ANY($1::uuid[])`, [coveredIds]);
  for (const row of input.fileRows) {
    const outcome = perFile.get(row.path);
    if (outcome === undefined) continue;
    if (outcome.edges > 0) row.relationCounts.calls = outcome.edges;
    else delete row.relationCounts.calls;
    row.unresolvedCalls = outcome.unresolved;
  }
  const relations = [...input.relations.filter((r) => r.kind !== 'calls' || !covered.has(r.filePath)), ...edges];

  const stopReason = run?.failure === 'hard_timeout' ? 'hard_timeout' : run?.failure === 'crashed' ? 'worker_failed' : (run?.stats?.stopReason ?? null);
  const summary: PreciseSummary = {
    ms: Math.round(performance.now() - started),
    programMs: run?.stats?.programMs ?? 0,
    checkMs: run?.stats?.checkMs ?? 0,
    config: run?.stats?.config ?? 'defaults',
    programFiles: run?.stats?.programFiles ?? 0,
    files: { requested: requested.length, covered: covered.size, unreadable: run?.stats?.unreadable ?? 0 },
    sites: counts,
    edges: edges.length,
    partial: covered.size < candidates.length,
    stopReason: stopReason ?? (requested.length < candidates.length ? 'file_cap' : null),
    refused: run?.stats?.refused ?? [],
  };
  return { relations, summary };
}

async function objectSpans(sql: Sql, checked: readonly CheckedFile[]): Promise<ObjectSpan[]> {
  const paths = new Set<string>();
  for (const file of checked) {
    paths.add(file.path);
    for (const site of file.sites) if (site.outcome.kind === 'declared') paths.add(site.outcome.target.path);
  }
  if (paths.size === 0) return [];
  const { rows } = await sql.query<{ id: string; kind: ObjectKind; name: string; qualified_name: string; file_path: string; start_line: number; end_line: number }>(
    'SELECT id, kind, name, qualified_name, file_path, start_line, end_line FROM kg.objects WHERE file_path = ANY($1::text[])',
    [[...paths]],
  );
  return rows.map((r) => ({ id: r.id, kind: r.kind, name: r.name, qualifiedName: r.qualified_name, filePath: r.file_path, startLine: r.start_line, endLine: r.end_line }));
}

/** Checker sites → `calls` relations (one per caller, callee and line) and the counts per file. */
export function edgesOf(
  checked: readonly CheckedFile[],
  index: ObjectIndex,
): { edges: KgRelation[]; counts: PreciseSummary['sites']; perFile: Map<string, { edges: number; unresolved: number }> } {
  const edges: KgRelation[] = [];
  const counts = { resolved: 0, external: 0, unresolved: 0, unmapped: 0 };
  const perFile = new Map<string, { edges: number; unresolved: number }>();
  for (const file of checked) {
    const seen = new Set<string>();
    const tally = { edges: 0, unresolved: 0 };
    perFile.set(file.path, tally);
    for (const site of file.sites) {
      const outcome = site.outcome;
      if (outcome.kind === 'external') {
        counts.external += 1;
        continue;
      }
      const src = index.caller(file.path, site.line, site.caller);
      const dst = outcome.kind === 'declared' ? index.target(outcome.target) : null;
      if (src === null || dst === null) {
        counts.unresolved += 1;
        tally.unresolved += 1;
        if (outcome.kind === 'declared') counts.unmapped += 1;
        continue;
      }
      counts.resolved += 1;
      const key = `${src.id}\0${dst.id}\0${site.line}`;
      if (seen.has(key)) continue;
      seen.add(key);
      tally.edges += 1;
      edges.push({ src: src.id, dst: dst.id, kind: 'calls', filePath: file.path, line: site.line, resolution: 'checker' });
    }
  }
  return { edges, counts, perFile };
}
