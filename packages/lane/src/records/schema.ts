import { loadMigrations, migrate, type MigrateResult, type Sql } from '@agentlane/store';

/** Apply the `lane` schema migrations (packages/lane/migrations/*.sql). */
export function migrateLane(sql: Sql): Promise<MigrateResult> {
  return migrate(sql, loadMigrations('lane', new URL('../../migrations/', import.meta.url)));
}
