import { AgentlaneError } from '@agentlane/core';
import { sanitizeText } from './sanitize.js';

export type CsvValue = string | number | boolean | null | undefined;

/**
 * One CSV line for `Sql.copyFrom`: strings always quoted (so '' stays an empty
 * string), null/undefined as an unquoted empty field (NULL), numbers and
 * booleans as literals. What PostgreSQL cannot hold (U+0000, which source files
 * can contain; such escapes in JSON for a jsonb column) becomes U+FFFD: see sanitize.ts.
 */
export function csvLine(values: readonly CsvValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i += 1) {
    if (i > 0) line += ',';
    const value = values[i];
    if (value === null || value === undefined) continue;
    if (typeof value === 'string') {
      const text = sanitizeText(value);
      line += `"${text.includes('"') ? text.replace(/"/g, '""') : text}"`;
    }
    else line += String(value);
  }
  return `${line}\n`;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;

/** The COPY statement for a table and its columns; names are checked, never interpolated blindly. */
export function copyStatement(table: string, columns: readonly string[], source: 'STDIN' | "'/dev/blob'"): string {
  for (const name of [table, ...columns]) {
    if (!IDENTIFIER.test(name)) throw new AgentlaneError('DB_QUERY_FAILED', `Not a plain SQL identifier: ${JSON.stringify(name)}`);
  }
  return `COPY ${table} (${columns.join(', ')}) FROM ${source} WITH (FORMAT csv)`;
}
