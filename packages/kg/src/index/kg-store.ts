import type { Sql } from '@agentlane/store';
import { extractorVersion } from '../extract/version.js';
import type { Language } from '../extract/types.js';
import type { KgObject, KgRelation, ModuleBindings, ParsedFile } from '../model.js';
import type { UnresolvedSites } from '../resolve/unresolved.js';
import type { SkippedPath } from './walk.js';
import { OBJECT_WRITE_COLUMNS, RELATION_COLUMNS, objectRow, relationRow } from './rows.js';

/**
 * Set-based writes for the KG tables, never one statement per row: objects and
 * relations are bulk-loaded with COPY, file rows and skips go through `unnest`
 * over column arrays (they need ON CONFLICT or are few).
 */

const BATCH = 5_000;

function chunks<T>(items: readonly T[], size = BATCH): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface StoredFileState {
  path: string;
  language: Language;
  sha256: string;
  size: number;
  mtimeMs: number;
  /** The `extractorVersion()` the file was parsed with: another one parses it again. */
  extractorVersion: string;
}

export async function loadFileStates(sql: Sql): Promise<Map<string, StoredFileState>> {
  const { rows } = await sql.query<{ path: string; language: Language; sha256: string; size: number; mtime_ms: number; extractor_version: string }>(
    'SELECT path, language, sha256, size, mtime_ms, extractor_version FROM kg.files',
  );
  return new Map(
    rows.map((r) => [r.path, { path: r.path, language: r.language, sha256: r.sha256, size: r.size, mtimeMs: r.mtime_ms, extractorVersion: r.extractor_version }]),
  );
}

/**
 * Skip reasons decided by a file's content: they stand until its size or mtime changes.
 * (too_large is decided again by every walk from the size alone, against the limit of that run.)
 */
export const CONTENT_SKIP_REASONS = ['binary', 'not_utf8'] as const;

/** Files skipped for their content, with the size and mtime they had then. */
export async function loadSkipStates(sql: Sql): Promise<Map<string, SkippedPath & { size: number; mtimeMs: number }>> {
  const { rows } = await sql.query<{ path: string; reason: SkippedPath['reason']; detail: string | null; size: number; mtime_ms: number }>(
    `SELECT path, reason, detail, size, mtime_ms FROM kg.skipped_files
      WHERE reason = ANY($1::text[]) AND size IS NOT NULL AND mtime_ms IS NOT NULL`,
    [CONTENT_SKIP_REASONS],
  );
  return new Map(
    rows.map((r) => [r.path, { path: r.path, reason: r.reason, ...(r.detail === null ? {} : { detail: r.detail }), size: Number(r.size), mtimeMs: r.mtime_ms }]),
  );
}

export async function objectIdsOf(sql: Sql, paths: readonly string[]): Promise<Set<string>> {
  if (paths.length === 0) return new Set();
  const { rows } = await sql.query<{ id: string }>('SELECT id FROM kg.objects WHERE file_path = ANY($1::text[])', [paths]);
  return new Set(rows.map((r) => r.id));
}

/** The module objects of these files. */
export async function moduleIdsOf(sql: Sql, paths: readonly string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  const { rows } = await sql.query<{ id: string }>("SELECT id FROM kg.objects WHERE kind = 'module' AND file_path = ANY($1::text[])", [paths]);
  return rows.map((r) => r.id);
}

/** Remove everything a set of files contributed: objects, the relations found in them, their rows. */
export async function deleteFileData(sql: Sql, paths: readonly string[], { keepFileRows = false } = {}): Promise<void> {
  for (const batch of chunks(paths)) {
    // A relation's src is always an object of the file it was found in. Deleting by
    // an explicit id list keeps every planner (PGlite's too) on the src index.
    const ids = await sql.query<{ id: string }>('SELECT id FROM kg.objects WHERE file_path = ANY($1::text[])', [batch]);
    if (ids.rows.length > 0) {
      await sql.query('DELETE FROM kg.relations WHERE src = ANY($1::uuid[])', [ids.rows.map((r) => r.id)]);
      await sql.query('DELETE FROM kg.objects WHERE file_path = ANY($1::text[])', [batch]);
    }
    if (!keepFileRows) await sql.query('DELETE FROM kg.files WHERE path = ANY($1::text[])', [batch]);
  }
}

/** Bulk-load object rows already encoded by `objectRow`. */
export async function insertObjectRows(sql: Sql, rows: string): Promise<void> {
  await sql.copyFrom('kg.objects', OBJECT_WRITE_COLUMNS, rows);
}

/** External-module nodes: a handful per run, shared across files, so existing ones are kept. */
export async function upsertExternalModules(sql: Sql, objects: readonly KgObject[]): Promise<void> {
  if (objects.length === 0) return;
  const existing = await sql.query<{ id: string }>('SELECT id FROM kg.objects WHERE id = ANY($1::uuid[])', [objects.map((o) => o.id)]);
  const have = new Set(existing.rows.map((r) => r.id));
  await insertObjectRows(sql, objects.filter((o) => !have.has(o.id)).map(objectRow).join(''));
}

/** Bulk-load relation rows already encoded by `relationRow` (on a parse worker). */
export async function insertRelationRows(sql: Sql, rows: string): Promise<void> {
  await sql.copyFrom('kg.relations', RELATION_COLUMNS, rows);
}

export async function insertRelations(sql: Sql, relations: readonly KgRelation[]): Promise<void> {
  for (const batch of chunks(relations, 50_000)) await sql.copyFrom('kg.relations', RELATION_COLUMNS, batch.map(relationRow).join(''));
}

/** A `kg.files` row: the file's parse facts plus what resolution found. */
export type FileRow = Pick<ParsedFile, 'path' | 'language' | 'moduleName' | 'sha256' | 'size' | 'mtimeMs' | 'lineCount' | 'syntaxErrors' | 'coverage'> & {
  objectCount: number;
  unresolvedCalls: number;
  unresolvedSites: UnresolvedSites;
  relationCounts: Record<string, number>;
  bindings: ModuleBindings;
};

export async function upsertFiles(sql: Sql, files: readonly FileRow[], runId: string): Promise<void> {
  for (const batch of chunks(files, 2_000)) {
    await sql.query(
      `INSERT INTO kg.files (path, language, module_name, sha256, size, mtime_ms, line_count, object_count, syntax_errors,
                             unresolved_calls, relation_counts, bindings, coverage, run_id, indexed_at,
                             unresolved_sites, extractor_version)
       SELECT path, language, module_name, sha256, size, mtime_ms, line_count, object_count, syntax_errors,
              unresolved_calls, relation_counts::jsonb, bindings::jsonb, coverage::jsonb, $14, now(),
              unresolved_sites::jsonb, $16
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::float8[], $7::int[], $8::int[], $9::int[],
                     $10::int[], $11::text[], $12::text[], $13::text[], $15::text[])
           AS t(path, language, module_name, sha256, size, mtime_ms, line_count, object_count, syntax_errors,
                unresolved_calls, relation_counts, bindings, coverage, unresolved_sites)
       ON CONFLICT (path) DO UPDATE SET
         language = EXCLUDED.language, module_name = EXCLUDED.module_name, sha256 = EXCLUDED.sha256, size = EXCLUDED.size,
         mtime_ms = EXCLUDED.mtime_ms, line_count = EXCLUDED.line_count, object_count = EXCLUDED.object_count,
         syntax_errors = EXCLUDED.syntax_errors, unresolved_calls = EXCLUDED.unresolved_calls,
         relation_counts = EXCLUDED.relation_counts,
         bindings = EXCLUDED.bindings, coverage = EXCLUDED.coverage, run_id = EXCLUDED.run_id, indexed_at = now(),
         unresolved_sites = EXCLUDED.unresolved_sites, extractor_version = EXCLUDED.extractor_version`,
      [
        batch.map((f) => f.path),
        batch.map((f) => f.language),
        batch.map((f) => f.moduleName),
        batch.map((f) => f.sha256),
        batch.map((f) => f.size),
        batch.map((f) => f.mtimeMs),
        batch.map((f) => f.lineCount),
        batch.map((f) => f.objectCount),
        batch.map((f) => f.syntaxErrors),
        batch.map((f) => f.unresolvedCalls),
        batch.map((f) => JSON.stringify(f.relationCounts)),
        batch.map((f) => JSON.stringify(f.bindings)),
        batch.map((f) => JSON.stringify(f.coverage)),
        runId,
        batch.map((f) => JSON.stringify(f.unresolvedSites)),
        extractorVersion(),
      ],
    );
  }
}

/** The skip list always describes the latest walk. */
export async function replaceSkipped(sql: Sql, skipped: readonly SkippedPath[], runId: string): Promise<void> {
  await sql.query('DELETE FROM kg.skipped_files');
  const unique = [...new Map(skipped.map((s) => [s.path, s])).values()];
  for (const batch of chunks(unique)) {
    await sql.query(
      `INSERT INTO kg.skipped_files (path, reason, detail, size, mtime_ms, run_id)
       SELECT path, reason, detail, size, mtime_ms, $6
         FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::float8[]) AS t(path, reason, detail, size, mtime_ms)`,
      [
        batch.map((s) => s.path),
        batch.map((s) => s.reason),
        batch.map((s) => s.detail ?? null),
        batch.map((s) => s.size ?? null),
        batch.map((s) => s.mtimeMs ?? null),
        runId,
      ],
    );
  }
}

/** External modules nothing points to any more. */
export async function collectGarbage(sql: Sql): Promise<void> {
  await sql.query(
    `DELETE FROM kg.objects o WHERE o.file_path IS NULL
       AND NOT EXISTS (SELECT 1 FROM kg.relations r WHERE r.dst = o.id)`,
  );
}

/** Files holding a relation into any of these objects. */
/**
 * Refresh the planner's statistics of the graph tables. After a bulk load they are
 * empty or stale until autovacuum gets round to them (never, on PGlite), and the
 * planner then guesses a thousand rows for a name that has ten: hash joins over
 * whole tables instead of index lookups (search p95 on 214k objects: 27.6 ms before
 * this, 9 ms after). ANALYZE samples a bounded number of rows and runs in the
 * caller's transaction.
 */
export async function analyzeGraph(sql: Sql): Promise<void> {
  await sql.exec(ANALYZE_GRAPH);
}

/** `analyzeGraph` as a statement, split so ranks can be analyzed after the rest. */
export const ANALYZE_GRAPH = 'ANALYZE kg.objects, kg.relations, kg.object_ranks, kg.files';
export const ANALYZE_GRAPH_WITHOUT_RANKS = 'ANALYZE kg.objects, kg.relations, kg.files';
export const ANALYZE_RANKS = 'ANALYZE kg.object_ranks';

export async function filesReferencing(sql: Sql, ids: readonly string[], kinds?: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql.query<{ file_path: string }>(
    kinds
      ? 'SELECT DISTINCT file_path FROM kg.relations WHERE dst = ANY($1::uuid[]) AND kind = ANY($2::text[])'
      : 'SELECT DISTINCT file_path FROM kg.relations WHERE dst = ANY($1::uuid[])',
    kinds ? [ids, kinds] : [ids],
  );
  return rows.map((r) => r.file_path);
}

/** Files importing an external module by one of these names (a new file may now resolve them). */
export async function filesImportingExternal(sql: Sql, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const { rows } = await sql.query<{ file_path: string }>(
    `SELECT DISTINCT r.file_path FROM kg.relations r JOIN kg.objects o ON o.id = r.dst
      WHERE r.kind = 'imports' AND o.kind = 'external_module' AND o.qualified_name = ANY($1::text[])`,
    [names],
  );
  return rows.map((r) => r.file_path);
}

export interface GraphTotals {
  objects: number;
  relations: number;
  relationsByKind: Record<string, number>;
  syntaxErrorFiles: number;
}

/** Whole-graph totals from the per-file counters: no scan of the big tables. */
export async function graphTotals(sql: Sql): Promise<GraphTotals> {
  const files = await sql.query<{ objects: number; error_files: number; externals: number }>(
    `SELECT coalesce(sum(object_count), 0)::int AS objects,
            count(*) FILTER (WHERE syntax_errors > 0)::int AS error_files,
            (SELECT count(*) FROM kg.objects WHERE file_path IS NULL)::int AS externals
       FROM kg.files`,
  );
  const kinds = await sql.query<{ kind: string; n: number }>(
    `SELECT key AS kind, sum(value::int)::int AS n FROM kg.files, jsonb_each_text(relation_counts) GROUP BY key ORDER BY key`,
  );
  const relationsByKind = Object.fromEntries(kinds.rows.map((r) => [r.kind, r.n]));
  const row = files.rows[0];
  return {
    objects: (row?.objects ?? 0) + (row?.externals ?? 0),
    relations: kinds.rows.reduce((n, r) => n + r.n, 0),
    relationsByKind,
    syntaxErrorFiles: row?.error_files ?? 0,
  };
}
