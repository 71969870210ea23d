import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentlaneError } from '@agentlane/core';
import { openPostgres, type Sql } from '@agentlane/store';
import { indexRepository, migrateKg } from '../src/index.js';
import { createTestDatabase, testBackends, type TestDatabase } from '../../../test/support/backends.js';
import { writeRepo } from '../../../test/support/repo.js';

// Two processes indexing into one PostgreSQL database: PostgreSQL-specific, since an
// embedded PGlite database belongs to one process (its lock file is tested in store).
describe.runIf(testBackends().includes('postgres'))('concurrent index runs on postgres', () => {
  let db: TestDatabase;
  let other: Sql;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await migrateKg(db.sql);
    other = await openPostgres({ connectionString: db.url as string });
  });
  afterAll(async () => {
    await other?.close();
    await db?.dispose();
  });

  it('lets one run write and refuses the other with DB_LOCKED, losing nothing', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 150; i += 1) files[`m${i}.py`] = `def f${i}(a: int) -> int:\n    return a\n`.repeat(20);
    const root = writeRepo(files);
    const results = await Promise.allSettled([
      indexRepository(db.sql, { repoRoot: root, workers: 1 }),
      indexRepository(other, { repoRoot: root, workers: 1 }),
    ]);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect((rejected[0]?.reason as AgentlaneError).code).toBe('DB_LOCKED');
    const runs = await db.sql.query<{ status: string; error: string | null }>('SELECT status, error FROM kg.index_runs ORDER BY status');
    expect(runs.rows.map((r) => r.status)).toEqual(['failed', 'succeeded']);
    expect(runs.rows[0]?.error).toContain('DB_LOCKED');
    const files150 = await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM kg.files');
    expect(files150.rows[0]?.n).toBe(150);
  });
});
