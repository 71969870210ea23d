import { loadMigrations, migrate, type MigrateResult, type Sql } from '@agentlane/store';

/** Apply the `kg` schema migrations (packages/kg/migrations/*.sql). */
export function migrateKg(sql: Sql): Promise<MigrateResult> {
  return migrate(sql, loadMigrations('kg', new URL('../migrations/', import.meta.url)));
}
