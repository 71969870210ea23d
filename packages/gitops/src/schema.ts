import { loadMigrations, migrate, type MigrateResult, type Sql } from '@agentlane/store';

/** Apply the `gitops` schema's migrations. */
export function migrateGitops(sql: Sql): Promise<MigrateResult> {
  return migrate(sql, loadMigrations('gitops', new URL('../migrations/', import.meta.url)));
}
