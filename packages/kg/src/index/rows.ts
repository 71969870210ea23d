import { csvLine } from '@agentlane/store/csv';
import type { KgObject, KgRelation } from '../model.js';
import { searchDocument } from '../search/document.js';

/**
 * Row encodings for bulk loads (`Sql.copyFrom`). Objects are encoded on the parse
 * workers, so the main thread receives one string per file instead of a deep
 * object graph, and the database gets COPY instead of per-column arrays.
 */
export const OBJECT_COLUMNS = [
  'id',
  'kind',
  'name',
  'qualified_name',
  'language',
  'file_path',
  'parent_id',
  'signature',
  'start_line',
  'end_line',
  'params_json',
  'returns_json',
  'fields_json',
  'doc',
  'exported',
  'metadata',
] as const;

/** What a load writes: the object's columns plus what search matches it by (search/document.ts). */
export const OBJECT_WRITE_COLUMNS = [...OBJECT_COLUMNS, 'name_key', 'search_tsv'] as const;

/** jsonb rejects the escape `\u0000` too: NULs become U+FFFD before encoding. */
const withoutNul = (_key: string, value: unknown) => (typeof value === 'string' && value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value);
/**
 * JSON text without NULs in string values. A replacer costs a call per value, so
 * the plain encoding comes first; only text holding the escape a NUL encodes to
 * (rare: source files seldom hold U+0000) is encoded again with it.
 */
const jsonText = (value: unknown): string => {
  const plain = JSON.stringify(value);
  return plain.includes('\\u0000') ? JSON.stringify(value, withoutNul) : plain;
};
const json = (value: unknown) => (value === null || value === undefined ? null : jsonText(value));

export function objectRow(o: KgObject): string {
  const search = searchDocument(o);
  return csvLine([
    o.id,
    o.kind,
    o.name,
    o.qualifiedName,
    o.language,
    o.filePath,
    o.parentId,
    o.signature,
    o.startLine,
    o.endLine,
    json(o.params),
    json(o.returns),
    json(o.fields),
    o.doc,
    o.exported,
    jsonText(o.metadata),
    search.nameKey,
    search.tsvector,
  ]);
}

export const RELATION_COLUMNS = ['src', 'dst', 'kind', 'file_path', 'line', 'resolution'] as const;

export function relationRow(r: KgRelation): string {
  return csvLine([r.src, r.dst, r.kind, r.filePath, r.line, r.resolution]);
}
