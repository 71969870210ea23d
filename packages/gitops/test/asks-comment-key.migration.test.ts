import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '@agentlane/store';
import { migrateGitops } from '../src/index.js';
import { createTestDatabase, testBackends, type TestDatabase } from '../../../test/support/backends.js';

const dir = fileURLToPath(new URL('../migrations/', import.meta.url));

describe.each(testBackends())('gitops 0002 (one ask per comment) on %s', (backend) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(backend);
  });
  afterAll(async () => db?.dispose());

  it('applies over a database that already holds duplicate asks of one comment, keeps them, and refuses new duplicates', async () => {
    await migrate(db.sql, loadMigrations('gitops', dir).filter((m) => m.version === 1));
    // What the replay bug left behind: one comment, three asks.
    for (const delivery of ['a', 'b', 'c']) {
      await db.sql.query(`INSERT INTO gitops.asks (delivery_id, repo, issue_number, comment_id, actor) VALUES ($1, 'o/r', 1, 42, 'w')`, [delivery]);
    }
    await migrateGitops(db.sql);
    expect((await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM gitops.asks')).rows[0]?.n).toBe(3);
    const insert = (delivery: string) =>
      db.sql.query(`INSERT INTO gitops.asks (delivery_id, repo, issue_number, comment_id, actor, comment_key) VALUES ($1, 'o/r', 1, 43, 'w', 'o/r#43') ON CONFLICT DO NOTHING RETURNING id`, [delivery]);
    expect((await insert('d')).rows).toHaveLength(1);
    expect((await insert('e')).rows).toHaveLength(0);
  });
});
