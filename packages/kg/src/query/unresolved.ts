import type { Sql } from '@agentlane/store';
import type { ObjectKind } from '../extract/types.js';
import type { KgObject } from '../model.js';

/**
 * How incomplete a graph answer may be. A call becomes a relation only when its
 * target is known for certain; the rest are counted per file
 * (`kg.files.unresolved_sites`). These queries turn those counts into what a
 * reader of "7 callers" needs: how many unresolved call sites call that name
 * somewhere (callers the answer may miss), and how many calls inside the objects
 * looked at went nowhere (callees it may miss).
 */

/** Call sites that call one of the names, anywhere in the repository, that no relation links. */
export interface CallersMayMiss {
  sites: number;
  /** Files holding them, sorted; at most `FILES_SHOWN`. */
  files: string[];
  filesTotal: number;
  /** The names looked for; at most `NAMES_SHOWN`. */
  names: string[];
}

export interface Incompleteness {
  /** Set when callers (or dependents) were looked up; null otherwise. */
  callersMayMiss: CallersMayMiss | null;
  /** Set when callees were looked up: unresolved call sites inside those objects. */
  calleesMayMiss: { sites: number } | null;
}

export const FILES_SHOWN = 20;
export const NAMES_SHOWN = 20;
/** Objects that calls can name: a caller of anything else is not a call. */
const CALLABLE: ReadonlySet<ObjectKind> = new Set(['function', 'method', 'class']);
/** Objects whose body holds calls. */
const CALLING: ReadonlySet<ObjectKind> = new Set(['function', 'method', 'class', 'module', 'namespace', 'variable', 'property']);

/** Unresolved call sites, anywhere, whose callee's last name is the name of one of `objects`. */
export async function callersMayMiss(sql: Sql, objects: readonly KgObject[]): Promise<CallersMayMiss> {
  const names = [...new Set(objects.filter((o) => CALLABLE.has(o.kind) && o.filePath !== null).map((o) => o.name))].sort();
  if (names.length === 0) return { sites: 0, files: [], filesTotal: 0, names: [] };
  const { rows } = await sql.query<{ path: string; sites: string | number }>(
    `SELECT path, (SELECT coalesce(sum(value::int), 0) FROM jsonb_each_text(unresolved_sites->'byName') WHERE key = ANY($1::text[])) AS sites
       FROM kg.files
      WHERE unresolved_sites->'byName' ?| $1::text[]
      ORDER BY path`,
    [names],
  );
  return {
    sites: rows.reduce((sum, row) => sum + Number(row.sites), 0),
    files: rows.slice(0, FILES_SHOWN).map((row) => row.path),
    filesTotal: rows.length,
    names: names.slice(0, NAMES_SHOWN),
  };
}

/** Unresolved call sites inside `objects` (a module stands for its whole file, a class for its methods). */
export async function calleesMayMiss(sql: Sql, objects: readonly KgObject[]): Promise<{ sites: number }> {
  const calling = objects.filter((o) => CALLING.has(o.kind) && o.filePath !== null);
  const paths = [...new Set(calling.map((o) => o.filePath as string))];
  if (paths.length === 0) return { sites: 0 };
  const { rows } = await sql.query<{ path: string; by_caller: Record<string, number> | null }>(
    `SELECT path, unresolved_sites->'byCaller' AS by_caller FROM kg.files WHERE path = ANY($1::text[])`,
    [paths],
  );
  const byFile = new Map(rows.map((row) => [row.path, Object.entries(row.by_caller ?? {})]));
  // Count each (file, caller) once even when nested objects are both in the answer.
  const counted = new Set<string>();
  let sites = 0;
  for (const object of calling) {
    const file = object.filePath as string;
    for (const [caller, n] of byFile.get(file) ?? []) {
      const inside = object.kind === 'module' || caller === object.qualifiedName || caller.startsWith(`${object.qualifiedName}.`);
      const key = `${file}\0${caller}`;
      if (inside && !counted.has(key)) {
        counted.add(key);
        sites += Number(n);
      }
    }
  }
  return { sites };
}
