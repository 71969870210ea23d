import { afterAll, beforeAll } from 'vitest';
import type { Sql } from '@agentlane/store';
import { migrateKg } from '../../src/index.js';
import { createTestDatabase, type BackendName, type TestDatabase } from '../../../../test/support/backends.js';

/** A fresh, migrated database for the enclosing `describe`, disposed after it. */
export function useKgDatabase(backend: BackendName): { readonly sql: Sql } {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(backend);
    await migrateKg(db.sql);
  });
  afterAll(async () => {
    await db?.dispose();
  });
  return {
    get sql(): Sql {
      if (!db) throw new Error('the test database is not ready: use it inside tests or hooks');
      return db.sql;
    },
  };
}
