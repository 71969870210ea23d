import type { Sql } from '@agentlane/store';

/**
 * Bulk-load the way pg_restore does: drop a table's secondary indexes, load the
 * rows, build the indexes once from sorted data. Building an index is several
 * times cheaper than maintaining it row by row under random UUID keys.
 *
 * The definitions are read back from `pg_indexes`, so they are exactly what the
 * migrations created; unique indexes (primary keys) stay. Everything happens in
 * the caller's transaction: if the load fails, the rollback restores the indexes.
 * Dropping an index locks its table until commit, so the indexer does this only
 * when the graph is empty and there is nothing for readers to wait for.
 */
export interface DeferredIndexes {
  /**
   * Recreate the dropped indexes, then run `after` (statements without parameters),
   * all in one round trip: on PostgreSQL the server builds while the caller's
   * thread does other work until it awaits this.
   */
  restore(after?: readonly string[]): Promise<void>;
}

export async function deferSecondaryIndexes(sql: Sql, schema: string, tables: readonly string[]): Promise<DeferredIndexes> {
  const { rows } = await sql.query<{ indexname: string; indexdef: string }>(
    `SELECT i.indexname, i.indexdef FROM pg_indexes i
       JOIN pg_class c ON c.relname = i.indexname
       JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = i.schemaname
       JOIN pg_index x ON x.indexrelid = c.oid
      WHERE i.schemaname = $1 AND i.tablename = ANY($2::text[]) AND NOT x.indisunique
      ORDER BY i.indexname`,
    [schema, tables],
  );
  for (const row of rows) await sql.exec(`DROP INDEX "${schema}"."${row.indexname.replace(/"/g, '""')}"`);
  return {
    async restore(after = []) {
      const statements = [...rows.map((row) => row.indexdef), ...after];
      if (statements.length > 0) await sql.exec(statements.join(';\n'));
    },
  };
}
