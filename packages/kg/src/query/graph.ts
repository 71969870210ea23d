import { AgentlaneError } from '@agentlane/core';
import type { Sql } from '@agentlane/store';
import type { KgObject, ObjectRecord, RelationKind, RelationRecord } from '../model.js';
import { OBJECT_COLUMNS } from '../index/rows.js';
import { calleesMayMiss, callersMayMiss, type Incompleteness } from './unresolved.js';

/**
 * Graph queries over the `kg` tables: an object by id, its relations to a bounded
 * depth, a file's outline, and the impact of changing objects or files. They run
 * in Postgres (PGlite included), so no graph database is needed to answer them.
 */

export type Direction = 'in' | 'out' | 'both';

export const RELATION_KINDS: readonly RelationKind[] = ['contains', 'imports', 'extends', 'implements', 'calls', 'uses_type', 'returns_type'];
export const MAX_DEPTH = 3;

/** What object ids look like (UUIDs, see index/objects.ts). */
export const OBJECT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const OBJECT_SELECT = `SELECT ${OBJECT_COLUMNS.join(', ')} FROM kg.objects`;

export function toObject(row: ObjectRecord): KgObject {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    qualifiedName: row.qualified_name,
    language: row.language,
    filePath: row.file_path,
    parentId: row.parent_id,
    signature: row.signature,
    startLine: row.start_line,
    endLine: row.end_line,
    params: row.params_json,
    returns: row.returns_json,
    fields: row.fields_json,
    doc: row.doc,
    exported: row.exported,
    metadata: row.metadata,
  };
}

/** Paths and names come from clients: PostgreSQL text cannot hold NUL, so say so instead of failing in the database. */
export function assertText(value: string, what: string): void {
  if (typeof value !== 'string' || value.includes('\u0000')) {
    throw new AgentlaneError('KG_INVALID_ARGUMENT', `${what} must be text without NUL characters`, { details: { [what]: String(value).replaceAll('\u0000', '\\0') } });
  }
}

function assertId(id: string): void {
  if (!OBJECT_ID.test(id)) throw new AgentlaneError('KG_INVALID_ARGUMENT', `Not an object id: ${JSON.stringify(id)}`, { details: { id } });
}

async function objectsById(sql: Sql, ids: readonly string[]): Promise<KgObject[]> {
  if (ids.length === 0) return [];
  const { rows } = await sql.query<ObjectRecord>(`${OBJECT_SELECT} WHERE id = ANY($1::uuid[])`, [ids]);
  return rows.map(toObject);
}

export async function getObject(sql: Sql, id: string): Promise<KgObject> {
  assertId(id);
  const { rows } = await sql.query<ObjectRecord>(`${OBJECT_SELECT} WHERE id = $1`, [id]);
  const row = rows[0];
  if (!row) throw new AgentlaneError('KG_NOT_FOUND', `No object with id ${id}`, { details: { id } });
  return toObject(row);
}

export interface RelationEdge {
  kind: RelationKind;
  src: string;
  dst: string;
  filePath: string;
  line: number;
  resolution: string;
  /** Hops from the starting object (1 for direct relations). */
  depth: number;
  /** Which way it was followed: `in` reached its `src` (a caller, importer, subclass), `out` its `dst`. */
  direction: 'in' | 'out';
}

export interface RelationsOptions {
  kinds?: readonly RelationKind[];
  /** `in`: callers, importers, subclasses; `out`: callees, imports, bases. @defaultValue 'in' (what is asked before a change; the same default as the CLI, HTTP and MCP) */
  direction?: Direction;
  /** 1–3. @defaultValue 1 */
  depth?: number;
  /** Most edges returned. @defaultValue 500 */
  limit?: number;
}

export interface RelationsResult {
  root: KgObject;
  edges: RelationEdge[];
  /** Every object the edges touch, the root included. */
  objects: KgObject[];
  /** True when `limit` cut the answer. */
  truncated: boolean;
  /** Call sites that stayed unresolved where this answer looked: it may lack that many callers or callees. */
  unresolved: Incompleteness;
}

function validateKinds(kinds: readonly string[] | undefined): RelationKind[] {
  if (!kinds || kinds.length === 0) return [...RELATION_KINDS];
  const unknown = kinds.filter((k) => !RELATION_KINDS.includes(k as RelationKind));
  if (unknown.length > 0) {
    throw new AgentlaneError('KG_INVALID_ARGUMENT', `Unknown relation kind(s): ${unknown.join(', ')} (known: ${RELATION_KINDS.join(', ')})`, {
      details: { unknown },
    });
  }
  return kinds as RelationKind[];
}

function validateDepth(depth: number | undefined, max = MAX_DEPTH): number {
  const value = depth ?? 1;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new AgentlaneError('KG_INVALID_ARGUMENT', `depth must be an integer from 1 to ${max}, got ${String(depth)}`, { details: { depth } });
  }
  return value;
}

/** One breadth-first step: edges leaving (`out`) or entering (`in`) the frontier. */
async function step(sql: Sql, frontier: readonly string[], kinds: readonly RelationKind[], direction: 'in' | 'out', limit: number): Promise<RelationRecord[]> {
  const column = direction === 'out' ? 'src' : 'dst';
  const { rows } = await sql.query<RelationRecord>(
    `SELECT kind, src, dst, file_path, line, resolution FROM kg.relations
      WHERE ${column} = ANY($1::uuid[]) AND kind = ANY($2::text[])
      ORDER BY file_path, line, kind LIMIT $3`,
    [frontier, kinds, limit],
  );
  return rows;
}

/** Relations of an object to a bounded depth; each object is expanded once, so cycles end. */
export async function relationsOf(sql: Sql, id: string, options: RelationsOptions = {}): Promise<RelationsResult> {
  const root = await getObject(sql, id);
  const kinds = validateKinds(options.kinds);
  const depth = validateDepth(options.depth);
  const direction = options.direction ?? 'in';
  if (!['in', 'out', 'both'].includes(direction)) {
    throw new AgentlaneError('KG_INVALID_ARGUMENT', `direction must be in, out or both, got ${String(direction)}`);
  }
  const limit = options.limit ?? 500;
  const edges: RelationEdge[] = [];
  const seenEdges = new Set<string>();
  const expanded = new Set<string>([id]);
  let frontier = [id];
  let truncated = false;
  /** Objects whose callers (`in`) or callees (`out`) were looked up. */
  const lookedUp = { in: new Set<string>(), out: new Set<string>() };
  for (let level = 1; level <= depth && frontier.length > 0 && !truncated; level += 1) {
    const next: string[] = [];
    for (const way of direction === 'both' ? (['out', 'in'] as const) : [direction]) {
      for (const object of frontier) lookedUp[way].add(object);
      for (const row of await step(sql, frontier, kinds, way, limit + 1)) {
        const key = `${row.kind}\0${row.src}\0${row.dst}\0${row.line}`;
        if (seenEdges.has(key)) continue;
        if (edges.length >= limit) {
          truncated = true;
          break;
        }
        seenEdges.add(key);
        edges.push({ kind: row.kind, src: row.src, dst: row.dst, filePath: row.file_path, line: row.line, resolution: row.resolution, depth: level, direction: way });
        const other = way === 'out' ? row.dst : row.src;
        if (!expanded.has(other)) {
          expanded.add(other);
          next.push(other);
        }
      }
    }
    frontier = next;
  }
  const ids = [...new Set(edges.flatMap((e) => [e.src, e.dst]))].filter((x) => x !== id);
  const { rows } = ids.length > 0 ? await sql.query<ObjectRecord>(`${OBJECT_SELECT} WHERE id = ANY($1::uuid[])`, [ids]) : { rows: [] };
  const objects = [root, ...rows.map(toObject)];
  const withCalls = kinds.includes('calls');
  const unresolved: Incompleteness = {
    callersMayMiss: withCalls && lookedUp.in.size > 0 ? await callersMayMiss(sql, objects.filter((o) => lookedUp.in.has(o.id))) : null,
    calleesMayMiss: withCalls && lookedUp.out.size > 0 ? await calleesMayMiss(sql, objects.filter((o) => lookedUp.out.has(o.id))) : null,
  };
  return { root, edges, objects, truncated, unresolved };
}

export interface OutlineNode {
  object: KgObject;
  children: OutlineNode[];
}

/** The objects of a file as a tree (module at the root), in source order. */
export async function fileOutline(sql: Sql, filePath: string): Promise<OutlineNode> {
  assertText(filePath, 'path');
  const { rows } = await sql.query<ObjectRecord>(`${OBJECT_SELECT} WHERE file_path = $1 ORDER BY start_line, end_line DESC, qualified_name`, [filePath]);
  if (rows.length === 0) throw new AgentlaneError('KG_NOT_FOUND', `File not in the index: ${filePath}`, { details: { path: filePath } });
  const nodes = new Map<string, OutlineNode>();
  for (const row of rows) nodes.set(row.id, { object: toObject(row), children: [] });
  let root: OutlineNode | null = null;
  for (const node of nodes.values()) {
    const parent = node.object.parentId ? nodes.get(node.object.parentId) : undefined;
    if (parent) parent.children.push(node);
    else if (node.object.kind === 'module') root = node;
  }
  if (!root) throw new AgentlaneError('KG_NOT_FOUND', `No module object for ${filePath}`, { details: { path: filePath } });
  return root;
}

/** Relations along which a change travels to the objects that depend on it. */
const DEPENDENCY_KINDS: readonly RelationKind[] = ['calls', 'imports', 'extends', 'implements', 'uses_type', 'returns_type'];

export interface ImpactOptions {
  ids?: readonly string[];
  files?: readonly string[];
  /** 1–5. @defaultValue 3 */
  depth?: number;
  /** Most dependents returned. @defaultValue 200 */
  limit?: number;
}

export interface ImpactEntry {
  object: KgObject;
  /** Hops from the changed set. */
  depth: number;
  /** The relation through which it was reached first. */
  via: { kind: RelationKind; from: string };
}

export interface ImpactResult {
  changed: string[];
  dependents: ImpactEntry[];
  /** Files holding a dependent, sorted. */
  files: string[];
  truncated: boolean;
  /** Unresolved call sites that call a changed object or a dependent by name: dependents the answer may lack. */
  unresolved: Incompleteness;
}

/**
 * Transitive dependents of a set of objects or files: who calls, imports,
 * extends, implements or uses them, and who depends on those, to `depth` hops.
 * A file stands for all of its objects.
 */
export async function impactOf(sql: Sql, options: ImpactOptions): Promise<ImpactResult> {
  const depth = validateDepth(options.depth ?? 3, 5);
  const limit = options.limit ?? 200;
  for (const id of options.ids ?? []) assertId(id);
  for (const file of options.files ?? []) assertText(file, 'file');
  const seeds = new Set<string>(options.ids ?? []);
  if (options.files && options.files.length > 0) {
    const { rows } = await sql.query<{ id: string }>('SELECT id FROM kg.objects WHERE file_path = ANY($1::text[])', [options.files]);
    for (const row of rows) seeds.add(row.id);
  }
  if (seeds.size === 0) {
    throw new AgentlaneError('KG_INVALID_ARGUMENT', 'impact needs at least one known object id or indexed file', {
      details: { ids: options.ids ?? [], files: options.files ?? [] },
    });
  }
  const reached = new Map<string, { depth: number; via: ImpactEntry['via'] }>();
  let frontier = [...seeds];
  let truncated = false;
  const lookedUp = new Set<string>();
  for (let level = 1; level <= depth && frontier.length > 0 && !truncated; level += 1) {
    const next: string[] = [];
    for (const object of frontier) lookedUp.add(object);
    for (const row of await step(sql, frontier, DEPENDENCY_KINDS, 'in', limit * 4)) {
      if (seeds.has(row.src) || reached.has(row.src)) continue;
      if (reached.size >= limit) {
        truncated = true;
        break;
      }
      reached.set(row.src, { depth: level, via: { kind: row.kind, from: row.dst } });
      next.push(row.src);
    }
    frontier = next;
  }
  const ids = [...reached.keys()];
  const { rows } = ids.length > 0 ? await sql.query<ObjectRecord>(`${OBJECT_SELECT} WHERE id = ANY($1::uuid[])`, [ids]) : { rows: [] };
  const dependents = rows
    .map((row) => ({ object: toObject(row), ...(reached.get(row.id) as { depth: number; via: ImpactEntry['via'] }) }))
    .sort((a, b) => a.depth - b.depth || (a.object.filePath ?? '').localeCompare(b.object.filePath ?? '') || (a.object.startLine ?? 0) - (b.object.startLine ?? 0));
  const files = [...new Set(dependents.map((d) => d.object.filePath).filter((p): p is string => p !== null))].sort();
  const seedObjects = await objectsById(sql, [...seeds].filter((s) => lookedUp.has(s)));
  const lookedUpObjects = [...seedObjects, ...dependents.map((d) => d.object).filter((o) => lookedUp.has(o.id))];
  const unresolved: Incompleteness = { callersMayMiss: await callersMayMiss(sql, lookedUpObjects), calleesMayMiss: null };
  return { changed: [...seeds], dependents, files, truncated, unresolved };
}
