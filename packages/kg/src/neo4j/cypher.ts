import type { ObjectKind } from '../extract/types.js';
import type { RelationKind, RelationRecord } from '../model.js';

/**
 * Cypher for projecting the KG into Neo4j. Pure functions: they build statements
 * and parameter batches, so they are tested without a server and printed by
 * `--dry-run`. Labels and relationship types cannot be parameters in Cypher, so
 * they come from closed maps below, never from data.
 */

export interface CypherStatement {
  text: string;
  params: Record<string, unknown>;
}

/** Every node carries `:CBO` (the unique id lives there) plus one label per kind. */
export const NODE_LABELS: Readonly<Record<ObjectKind, string>> = {
  module: 'Module',
  namespace: 'Namespace',
  class: 'Class',
  interface: 'Interface',
  type: 'TypeAlias',
  enum: 'Enum',
  function: 'Function',
  method: 'Method',
  property: 'Property',
  variable: 'Variable',
  external_module: 'ExternalModule',
};

export const RELATIONSHIP_TYPES: Readonly<Record<RelationKind, string>> = {
  contains: 'CONTAINS',
  imports: 'IMPORTS',
  extends: 'EXTENDS',
  implements: 'IMPLEMENTS',
  calls: 'CALLS',
  uses_type: 'USES_TYPE',
  returns_type: 'RETURNS_TYPE',
};

export const SCHEMA_STATEMENTS: readonly CypherStatement[] = [
  { text: 'CREATE CONSTRAINT cbo_id IF NOT EXISTS FOR (n:CBO) REQUIRE n.id IS UNIQUE', params: {} },
  { text: 'CREATE INDEX cbo_file_path IF NOT EXISTS FOR (n:CBO) ON (n.file_path)', params: {} },
  { text: 'CREATE INDEX cbo_qualified_name IF NOT EXISTS FOR (n:CBO) ON (n.qualified_name)', params: {} },
];

/** Node properties: scalars only (Neo4j properties cannot hold maps); JSON columns travel as strings. */
export interface NodeRow {
  id: string;
  kind: ObjectKind;
  props: {
    name: string;
    qualified_name: string;
    language: string;
    file_path: string | null;
    signature: string;
    start_line: number | null;
    end_line: number | null;
    exported: boolean;
    doc: string | null;
    params_json: string | null;
    returns_json: string | null;
    fields_json: string | null;
  };
}

export type EdgeRow = RelationRecord;

export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`batch size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Batched `UNWIND … MERGE` per kind: one statement per (kind, batch). */
export function nodeStatements(rows: readonly NodeRow[], batchSize: number): CypherStatement[] {
  const byKind = new Map<ObjectKind, NodeRow[]>();
  for (const row of rows) byKind.set(row.kind, [...(byKind.get(row.kind) ?? []), row]);
  const out: CypherStatement[] = [];
  for (const [kind, list] of [...byKind].sort(([a], [b]) => a.localeCompare(b))) {
    const label = NODE_LABELS[kind];
    for (const batch of chunk(list, batchSize)) {
      out.push({
        text: `UNWIND $rows AS row MERGE (n:CBO {id: row.id}) SET n:${label}, n += row.props, n.kind = $kind`,
        params: { rows: batch.map((r) => ({ id: r.id, props: r.props })), kind },
      });
    }
  }
  return out;
}

/** Batched relationship upserts per type; a relationship is identified by its endpoints, file and line. */
export function edgeStatements(rows: readonly EdgeRow[], batchSize: number): CypherStatement[] {
  const byKind = new Map<RelationKind, EdgeRow[]>();
  for (const row of rows) byKind.set(row.kind, [...(byKind.get(row.kind) ?? []), row]);
  const out: CypherStatement[] = [];
  for (const [kind, list] of [...byKind].sort(([a], [b]) => a.localeCompare(b))) {
    const type = RELATIONSHIP_TYPES[kind];
    for (const batch of chunk(list, batchSize)) {
      out.push({
        text:
          `UNWIND $rows AS row MATCH (a:CBO {id: row.src}) MATCH (b:CBO {id: row.dst}) ` +
          `MERGE (a)-[r:${type} {file_path: row.file_path, line: row.line}]->(b) SET r.resolution = row.resolution`,
        params: { rows: batch.map(({ src, dst, file_path, line, resolution }) => ({ src, dst, file_path, line, resolution })) },
      });
    }
  }
  return out;
}

/** Remove what changed or deleted files put in the graph: their nodes, with every relationship touching them. */
export function removeFilesStatement(paths: readonly string[]): CypherStatement {
  return { text: 'UNWIND $paths AS path MATCH (n:CBO {file_path: path}) DETACH DELETE n', params: { paths: [...paths] } };
}

/** External-module nodes nothing points to any more. */
export const REMOVE_ORPHAN_EXTERNALS: CypherStatement = {
  text: 'MATCH (n:ExternalModule) WHERE NOT (n)<--() DETACH DELETE n',
  params: {},
};

/** The files projected so far, with the content hash each had: what makes a second run a no-op. */
export const READ_PROJECTED_FILES: CypherStatement = { text: 'MATCH (f:KgFile) RETURN f.path AS path, f.sha256 AS sha256', params: {} };

export function recordFilesStatement(files: readonly { path: string; sha256: string }[]): CypherStatement {
  return { text: 'UNWIND $files AS file MERGE (f:KgFile {path: file.path}) SET f.sha256 = file.sha256', params: { files: [...files] } };
}

export function forgetFilesStatement(paths: readonly string[]): CypherStatement {
  return { text: 'UNWIND $paths AS path MATCH (f:KgFile {path: path}) DELETE f', params: { paths: [...paths] } };
}

/** Printable form for `--dry-run`: the statement and the size of its batch. */
export function describeStatement(statement: CypherStatement): string {
  const sizes = Object.entries(statement.params)
    .filter(([, v]) => Array.isArray(v))
    .map(([k, v]) => `$${k}: ${(v as unknown[]).length} rows`);
  return `${statement.text};${sizes.length > 0 ? ` // ${sizes.join(', ')}` : ''}`;
}
