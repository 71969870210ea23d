import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Sql } from '@agentlane/store';
import { createEngine, migrateEngine, parseWorkflow } from '../src/index.js';
import { ADMIN_DATABASE_URL, createTestDatabase, testBackends, type BackendName } from '../../../test/support/backends.js';
import { rejectionCodeOf } from '../../../test/support/errors.js';
import { FAST, tempDir } from './support/engine.js';

const two = parseWorkflow({ tasks: [{ key: 'a', role: 'r', agent: 'noop' }, { key: 'b', role: 'r', agent: 'noop' }], dependencies: [['a', 'b']] });

const TABLES = ['jobs', 'job_runs', 'job_tasks', 'job_task_dependencies', 'job_task_attempts', 'job_task_events', 'killswitch_drills'] as const;
type Counts = Record<(typeof TABLES)[number], number>;

/** What `role` sees with `sub` as its JWT subject (or no identity), and whether it can change a task. */
async function asReader(sql: Sql, role: string, sub: string | null): Promise<{ counts: Counts; runs: string[]; updated: number }> {
  return sql.transaction(async (tx) => {
    await tx.query(`SELECT set_config('request.jwt.claims', $1, true)`, [sub === null ? '' : JSON.stringify({ sub, role: 'authenticated' })]);
    await tx.exec(`SET LOCAL ROLE ${role}`);
    const counts = {} as Counts;
    for (const table of TABLES) counts[table] = (await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM engine_v2.${table}`)).rows[0]?.n ?? -1;
    const runs = (await tx.query<{ job_id: string }>(`SELECT job_id FROM engine_v2.job_runs ORDER BY job_id`)).rows.map((r) => r.job_id);
    // SELECT-only policies: an UPDATE the grants allow still reaches no row.
    const updated = (await tx.query(`UPDATE engine_v2.job_tasks SET progress = 1`)).rowCount ?? 0;
    return { counts, runs, updated };
  });
}

async function withReaderRole(backend: BackendName, sql: Sql, fn: (role: string) => Promise<void>): Promise<void> {
  const role = `agentlane_rls_${randomBytes(4).toString('hex')}`;
  await sql.exec(
    `CREATE ROLE ${role} NOLOGIN;
     GRANT USAGE ON SCHEMA engine_v2 TO ${role};
     GRANT SELECT ON ALL TABLES IN SCHEMA engine_v2 TO ${role};
     GRANT UPDATE ON engine_v2.job_tasks TO ${role};`,
  );
  try {
    await fn(role);
  } finally {
    await sql.exec(`DROP OWNED BY ${role}; DROP ROLE ${role};`).catch(async () => {
      // PostgreSQL roles outlive the test database: drop it from the admin connection.
      if (backend !== 'postgres') return;
      const admin = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
      await admin.connect();
      await admin.query(`DROP ROLE IF EXISTS ${role}`).finally(() => admin.end());
    });
  }
}

describe.each(testBackends())('engine_v2 row-level security on %s', (backend) => {
  it('shows a reader only the rows of its own jobs, nothing without an identity, and lets it change nothing', async () => {
    const db = await createTestDatabase(backend);
    try {
      await migrateEngine(db.sql);
      const engine = createEngine({ sql: db.sql, stagingRoot: tempDir('rls'), ...FAST });
      const alice = await engine.run(two, { actor: 'alice' });
      const bob = await engine.run(two, { actor: 'bob' });
      await engine.close();
      expect([alice.status, bob.status]).toEqual(['succeeded', 'succeeded']);
      await withReaderRole(backend, db.sql, async (role) => {
        const seenByAlice = await asReader(db.sql, role, 'alice');
        expect(seenByAlice.runs).toEqual([alice.jobId]);
        expect(seenByAlice.counts).toMatchObject({ jobs: 1, job_runs: 1, job_tasks: 2, job_task_dependencies: 1, job_task_attempts: 2, killswitch_drills: 0 });
        // jobStarted, taskStarted/taskDone for a and b, jobFinished: alice's only.
        expect(seenByAlice.counts.job_task_events).toBe(6);
        expect(seenByAlice.updated).toBe(0);
        expect((await asReader(db.sql, role, 'bob')).runs).toEqual([bob.jobId]);
        const nobody = await asReader(db.sql, role, null);
        expect(Object.values(nobody.counts).every((n) => n === 0)).toBe(true);
        expect(nobody.updated).toBe(0);
      });
      // The engine's own role (the tables' owner) sees and writes everything.
      const all = await db.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM engine_v2.job_runs`);
      expect(all.rows[0]?.n).toBe(2);
      const progress = await db.sql.query<{ progress: number }>(`SELECT DISTINCT progress FROM engine_v2.job_tasks`);
      expect(progress.rows).toEqual([{ progress: 100 }]);
    } finally {
      await db.dispose();
    }
  });

  it("takes a host jobs table's owner column (the seed's user_id), and refuses one it does not have", async () => {
    const db = await createTestDatabase(backend);
    try {
      await db.sql.exec(`CREATE TABLE public.jobs (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id uuid NOT NULL, status text NOT NULL DEFAULT 'queued')`);
      expect(await rejectionCodeOf(migrateEngine(db.sql, { jobsTable: 'public.jobs', ownerColumn: 'owner' }))).toBe('CONFIG_INVALID');
      expect(await rejectionCodeOf(migrateEngine(db.sql, { jobsTable: 'public.jobs', ownerColumn: 'user_id; drop table x' }))).toBe('CONFIG_INVALID');
      await migrateEngine(db.sql, { jobsTable: 'public.jobs' });
      const carol = '7f1c3a52-4d0e-4a8b-9a51-0a4f8f5e2b11';
      const host = await db.sql.query<{ id: string }>(`INSERT INTO public.jobs (user_id) VALUES ($1) RETURNING id`, [carol]);
      const engine = createEngine({ sql: db.sql, stagingRoot: tempDir('rls'), ...FAST });
      const result = await engine.run(two, { jobId: host.rows[0]?.id, actor: 'not-the-owner-column' });
      await engine.close();
      await withReaderRole(backend, db.sql, async (role) => {
        expect((await asReader(db.sql, role, carol)).runs).toEqual([result.jobId]);
        expect((await asReader(db.sql, role, 'not-the-owner-column')).runs).toEqual([]);
      });
    } finally {
      await db.dispose();
    }
  });
});
