import { AgentlaneError } from '@agentlane/core';
import type { Sql } from '@agentlane/store';
import type { KgObject, ObjectRecord } from '../model.js';
import { OBJECT_COLUMNS } from '../index/rows.js';
import { OBJECT_ID, assertText, getObject, toObject } from './graph.js';

/**
 * Names work wherever ids do: a target is an object id, a name (`ZodString`), a
 * qualified name (`Message.get_param`, or module-qualified `email.message.Message`),
 * or `path:line` (the innermost object enclosing that line). A name that fits several
 * objects is not guessed: KG_AMBIGUOUS lists the candidates (id, kind, name, path,
 * line) so the caller can pick one; a name that fits none is KG_NOT_FOUND.
 * Overloads (the same qualified name and kind in one file) count as one object, the first.
 */

/** Candidates listed in a KG_AMBIGUOUS error. */
export const MAX_CANDIDATES = 10;

export interface Candidate {
  id: string;
  kind: string;
  qualifiedName: string;
  filePath: string | null;
  startLine: number | null;
}

const SELECT = `SELECT ${OBJECT_COLUMNS.map((c) => `o.${c}`).join(', ')} FROM kg.objects o`;
const ORDER = 'ORDER BY o.file_path NULLS LAST, o.start_line, o.qualified_name LIMIT 200';
const LOCATION = /^(.+):(\d{1,9})$/;

function candidateOf(o: KgObject): Candidate {
  return { id: o.id, kind: o.kind, qualifiedName: o.qualifiedName, filePath: o.filePath, startLine: o.startLine };
}

/** One object per (file, qualified name, kind): overload signatures and redefinitions are one name. */
function distinct(objects: KgObject[]): KgObject[] {
  const seen = new Set<string>();
  return objects.filter((o) => {
    const key = `${o.filePath ?? ''}\0${o.qualifiedName}\0${o.kind}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

async function byLocation(sql: Sql, path: string, line: number): Promise<KgObject | null> {
  const { rows } = await sql.query<ObjectRecord>(
    `${SELECT} WHERE o.file_path = $1 AND o.start_line <= $2 AND o.end_line >= $2
      ORDER BY (o.end_line - o.start_line), o.start_line DESC LIMIT 1`,
    [path, line],
  );
  if (rows[0]) return toObject(rows[0]);
  const known = await sql.query<{ path: string }>('SELECT path FROM kg.files WHERE path = $1', [path]);
  if (known.rows.length === 0) return null;
  // A line outside every object of an indexed file (past its end): the module.
  const module = await sql.query<ObjectRecord>(`${SELECT} WHERE o.file_path = $1 AND o.kind = 'module' LIMIT 1`, [path]);
  return module.rows[0] ? toObject(module.rows[0]) : null;
}

async function byName(sql: Sql, name: string): Promise<KgObject[]> {
  // The most specific spelling that matches anything wins: qualified name, then
  // module-qualified name, then a dotted suffix of the qualified name, then the bare name.
  const exact = await sql.query<ObjectRecord>(`${SELECT} WHERE o.qualified_name = $1 ${ORDER}`, [name]);
  if (exact.rows.length > 0) return exact.rows.map(toObject);
  if (name.includes('.') || name.includes('/')) {
    // Both narrowed by the last segment first (`o.name`, indexed), then matched in full.
    const last = name.slice(name.lastIndexOf('.') + 1);
    const qualified = await sql.query<ObjectRecord>(
      `${SELECT} JOIN kg.objects m ON m.file_path = o.file_path AND m.kind = 'module' AND o.kind <> 'module'
        WHERE o.name = $2 AND m.qualified_name || '.' || o.qualified_name = $1 ${ORDER}`,
      [name, last],
    );
    if (qualified.rows.length > 0) return qualified.rows.map(toObject);
    const suffix = await sql.query<ObjectRecord>(`${SELECT} WHERE o.name = $2 AND right(o.qualified_name, length($1) + 1) = '.' || $1 ${ORDER}`, [name, last]);
    if (suffix.rows.length > 0) return suffix.rows.map(toObject);
  }
  const bare = await sql.query<ObjectRecord>(`${SELECT} WHERE o.name = $1 ${ORDER}`, [name]);
  return bare.rows.map(toObject);
}

/** The one object a target names; KG_AMBIGUOUS with candidates, or KG_NOT_FOUND. */
export async function resolveTarget(sql: Sql, target: string): Promise<KgObject> {
  assertText(target, 'target');
  const value = target.trim();
  if (OBJECT_ID.test(value)) return getObject(sql, value);
  const location = LOCATION.exec(value);
  if (location) {
    const found = await byLocation(sql, (location[1] as string).replace(/^\.\//, ''), Number(location[2]));
    if (found) return found;
    throw new AgentlaneError('KG_NOT_FOUND', `No indexed file holds ${value}`, { details: { target: value } });
  }
  const matches = distinct(await byName(sql, value));
  if (matches.length === 1) return matches[0] as KgObject;
  if (matches.length === 0) {
    throw new AgentlaneError('KG_NOT_FOUND', `No object is named ${JSON.stringify(value)} (search with kg_search, or give an id or path:line)`, {
      details: { target: value },
    });
  }
  const candidates = matches.slice(0, MAX_CANDIDATES).map(candidateOf);
  const more = matches.length > candidates.length ? `, and ${matches.length - candidates.length}${matches.length >= 200 ? '+' : ''} more` : '';
  const clip = (s: string) => (s.length > 120 ? `${s.slice(0, 119)}…` : s);
  const listed = candidates.map((c) => `${c.id} ${c.kind} ${clip(c.qualifiedName)} ${clip(c.filePath ?? '(external)')}${c.startLine ? `:${c.startLine}` : ''}`);
  const summary = `${matches.length} objects are named ${JSON.stringify(clip(value))}: give one of these ids, or path:line`;
  throw new AgentlaneError('KG_AMBIGUOUS', `${summary}: ${listed.join('; ')}${more}`, {
    details: { target: value, candidates, total: matches.length, summary },
  });
}
