import type { Sql } from '@agentlane/store';
import type { ObjectRecord, RelationKind } from '../model.js';
import { OBJECT_COLUMNS } from '../index/rows.js';
import {
  READ_PROJECTED_FILES,
  REMOVE_ORPHAN_EXTERNALS,
  SCHEMA_STATEMENTS,
  edgeStatements,
  forgetFilesStatement,
  nodeStatements,
  recordFilesStatement,
  removeFilesStatement,
  type CypherStatement,
  type EdgeRow,
  type NodeRow,
} from './cypher.js';

/**
 * Incremental projection of the KG into Neo4j. Neo4j remembers which file
 * contents it holds (`:KgFile {path, sha256}`); a run removes the nodes of files
 * that changed or went away (with every relationship touching them), merges the
 * current objects and relations of changed files plus the relations from other
 * files into them, and records the new hashes. Nothing changed → nothing written.
 */

export interface ProjectionPlan {
  changedFiles: string[];
  deletedFiles: string[];
  nodes: number;
  edges: number;
  statements: CypherStatement[];
}

export interface PlanOptions {
  /** Rows per UNWIND batch. @defaultValue 1000 */
  batchSize?: number;
}

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

function toNode(row: ObjectRecord): NodeRow {
  return {
    id: row.id,
    kind: row.kind,
    props: {
      name: row.name,
      qualified_name: row.qualified_name,
      language: row.language,
      file_path: row.file_path,
      signature: row.signature,
      start_line: row.start_line,
      end_line: row.end_line,
      exported: row.exported,
      doc: row.doc,
      params_json: json(row.params_json),
      returns_json: json(row.returns_json),
      fields_json: json(row.fields_json),
    },
  };
}

const OBJECT_SELECT_COLUMNS = OBJECT_COLUMNS.join(', ');

export async function planProjection(sql: Sql, projected: ReadonlyMap<string, string>, options: PlanOptions = {}): Promise<ProjectionPlan> {
  const batchSize = options.batchSize ?? 1000;
  const files = await sql.query<{ path: string; sha256: string }>('SELECT path, sha256 FROM kg.files ORDER BY path');
  const current = new Map(files.rows.map((f) => [f.path, f.sha256]));
  const changedFiles = files.rows.filter((f) => projected.get(f.path) !== f.sha256).map((f) => f.path);
  const deletedFiles = [...projected.keys()].filter((p) => !current.has(p)).sort();
  const statements: CypherStatement[] = [...SCHEMA_STATEMENTS];
  let nodes: NodeRow[] = [];
  let edges: EdgeRow[] = [];
  if (changedFiles.length > 0 || deletedFiles.length > 0) {
    const gone = [...changedFiles, ...deletedFiles];
    statements.push(removeFilesStatement(gone));
    if (changedFiles.length > 0) {
      const objects = await sql.query<ObjectRecord>(`SELECT ${OBJECT_SELECT_COLUMNS} FROM kg.objects WHERE file_path = ANY($1::text[]) ORDER BY id`, [changedFiles]);
      // Relations found in changed files, and relations from other files into their objects
      // (removed with the old nodes, so merged again).
      const relations = await sql.query<EdgeRow>(
        `SELECT r.kind, r.src, r.dst, r.file_path, r.line, r.resolution
           FROM kg.relations r JOIN kg.objects s ON s.id = r.src
          WHERE s.file_path = ANY($1::text[])
         UNION ALL
         SELECT r.kind, r.src, r.dst, r.file_path, r.line, r.resolution
           FROM kg.relations r JOIN kg.objects d ON d.id = r.dst JOIN kg.objects s ON s.id = r.src
          WHERE d.file_path = ANY($1::text[]) AND NOT (s.file_path = ANY($1::text[]))
          ORDER BY 1, 2, 3, 5`,
        [changedFiles],
      );
      edges = relations.rows;
      // External modules the edges point to.
      const externals = await sql.query<ObjectRecord>(
        `SELECT ${OBJECT_SELECT_COLUMNS} FROM kg.objects WHERE file_path IS NULL AND id = ANY($1::uuid[]) ORDER BY id`,
        [[...new Set(edges.map((e) => e.dst))]],
      );
      nodes = [...objects.rows, ...externals.rows].map(toNode);
      statements.push(...nodeStatements(nodes, batchSize), ...edgeStatements(edges, batchSize));
      statements.push(recordFilesStatement(changedFiles.map((path) => ({ path, sha256: current.get(path) as string }))));
    }
    if (deletedFiles.length > 0) statements.push(forgetFilesStatement(deletedFiles));
    statements.push(REMOVE_ORPHAN_EXTERNALS);
  }
  return { changedFiles, deletedFiles, nodes: nodes.length, edges: edges.length, statements };
}

/** Where statements run: a Neo4j session in production, a recorder in `--dry-run`. */
export interface CypherRunner {
  read(statement: CypherStatement): Promise<Record<string, unknown>[]>;
  write(statements: readonly CypherStatement[]): Promise<void>;
}

export interface ProjectionResult extends Omit<ProjectionPlan, 'statements'> {
  statements: number;
}

export async function projectToNeo4j(sql: Sql, runner: CypherRunner, options: PlanOptions = {}): Promise<ProjectionResult> {
  const rows = await runner.read(READ_PROJECTED_FILES);
  const projected = new Map(rows.map((r) => [String(r.path), String(r.sha256)]));
  const plan = await planProjection(sql, projected, options);
  await runner.write(plan.statements);
  return { ...plan, statements: plan.statements.length };
}

export type { RelationKind };
