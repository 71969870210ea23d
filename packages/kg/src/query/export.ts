import type { Sql } from '@agentlane/store';
import type { ObjectRecord, RelationRecord } from '../model.js';
import { OBJECT_COLUMNS } from '../index/rows.js';

/**
 * JSON Lines export of the whole graph: every object as `{"type":"object", ...CBO fields}`,
 * then every relation as `{"type":"relation", kind, src, dst, file_path, line, resolution}`.
 * Reads in keyset-paginated pages so memory stays flat on large graphs.
 */
export interface ExportCounts {
  objects: number;
  relations: number;
}

const PAGE = 5_000;

type RelationRow = RelationRecord;

export async function exportJsonl(sql: Sql, write: (line: string) => Promise<void> | void): Promise<ExportCounts> {
  const counts: ExportCounts = { objects: 0, relations: 0 };
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const { rows } = await sql.query<ObjectRecord>(
      `SELECT ${OBJECT_COLUMNS.join(', ')} FROM kg.objects WHERE id > $1::uuid ORDER BY id LIMIT ${PAGE}`,
      [after],
    );
    for (const row of rows) {
      await write(`${JSON.stringify({ type: 'object', ...row })}\n`);
      counts.objects += 1;
    }
    if (rows.length < PAGE) break;
    after = (rows[rows.length - 1] as ObjectRecord).id;
  }
  // Relations file by file: each file's relations start at its own objects (src index).
  let afterPath = '';
  for (;;) {
    const files = await sql.query<{ path: string }>(`SELECT path FROM kg.files WHERE path > $1 ORDER BY path LIMIT 200`, [afterPath]);
    if (files.rows.length === 0) break;
    const paths = files.rows.map((f) => f.path);
    const { rows } = await sql.query<RelationRow>(
      `SELECT r.src, r.dst, r.kind, r.file_path, r.line, r.resolution
         FROM kg.relations r JOIN kg.objects o ON o.id = r.src
        WHERE o.file_path = ANY($1::text[])
        ORDER BY r.file_path, r.line, r.kind, r.src, r.dst`,
      [paths],
    );
    for (const row of rows) {
      await write(`${JSON.stringify({ type: 'relation', kind: row.kind, src: row.src, dst: row.dst, file_path: row.file_path, line: row.line, resolution: row.resolution })}\n`);
      counts.relations += 1;
    }
    afterPath = paths[paths.length - 1] as string;
  }
  return counts;
}
