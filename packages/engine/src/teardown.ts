import type { Sql } from '@agentlane/store';

/**
 * Full removal (seed 001 §16 step 4): `DROP SCHEMA engine_v2 CASCADE` and forget its
 * migrations, so a later `migrateEngine` starts clean. Nothing outside engine_v2 is
 * touched (a host jobs table keeps its rows; only engine_v2's constraint on it goes).
 */
export async function teardownEngine(sql: Sql): Promise<{ dropped: boolean }> {
  return sql.transaction(async (tx) => {
    const { rows } = await tx.query(`SELECT 1 FROM information_schema.schemata WHERE schema_name = 'engine_v2'`);
    await tx.exec('DROP SCHEMA IF EXISTS engine_v2 CASCADE');
    const bookkeeping = await tx.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = 'agentlane' AND table_name = 'schema_migrations'`);
    if (bookkeeping.rows.length > 0) await tx.query(`DELETE FROM agentlane.schema_migrations WHERE schema_name = 'engine_v2'`);
    return { dropped: rows.length > 0 };
  });
}
