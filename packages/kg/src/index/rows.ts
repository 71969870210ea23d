import { csvLine } from '@agentlane/store/csv';
import type { KgObject, KgRelation } from '../model.js';

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

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

export function objectRow(o: KgObject): string {
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
    JSON.stringify(o.metadata),
  ]);
}

export const RELATION_COLUMNS = ['src', 'dst', 'kind', 'file_path', 'line', 'resolution'] as const;

export function relationRow(r: KgRelation): string {
  return csvLine([r.src, r.dst, r.kind, r.filePath, r.line, r.resolution]);
}
