import { describe, expect, it } from 'vitest';
import { createEngine, migrateEngine, parseWorkflow, teardownEngine } from '../src/index.js';
import { createTestDatabase, testBackends } from '../../../test/support/backends.js';
import { FAST, tempDir } from './support/engine.js';

const one = parseWorkflow({ tasks: [{ key: 'a', role: 'r', agent: 'noop' }] });

describe.each(testBackends())('engine_v2 schema on %s', (backend) => {
  it('migrates only inside engine_v2, enforces its CHECKs, and tears down cleanly', async () => {
    const db = await createTestDatabase(backend);
    try {
      const before = await db.sql.query<{ s: string }>(`SELECT schema_name AS s FROM information_schema.schemata ORDER BY 1`);
      expect((await migrateEngine(db.sql)).applied).toEqual(['engine_v2/0001_engine_v2_init', 'engine_v2/0002_engine_v2_hot_path', 'engine_v2/0003_engine_v2_batches', 'engine_v2/0004_engine_v2_rls', 'engine_v2/0005_engine_v2_fenced_batches']);
      expect((await migrateEngine(db.sql)).applied).toEqual([]);
      const after = await db.sql.query<{ s: string }>(`SELECT schema_name AS s FROM information_schema.schemata ORDER BY 1`);
      const added = after.rows.map((r) => r.s).filter((s) => !before.rows.some((b) => b.s === s));
      expect(added.sort()).toEqual(['agentlane', 'engine_v2'].filter((s) => !before.rows.some((b) => b.s === s)).sort());
      const tables = await db.sql.query<{ t: string }>(`SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'engine_v2' ORDER BY 1`);
      expect(tables.rows.map((r) => r.t)).toEqual(['job_runs', 'job_task_artifacts', 'job_task_attempts', 'job_task_dependencies', 'job_task_events', 'job_tasks', 'jobs', 'killswitch_drills']);
      const engine = createEngine({ sql: db.sql, stagingRoot: tempDir('staging'), ...FAST });
      const result = await engine.run(one);
      await engine.close();
      expect(result.status).toBe('succeeded');
      // CHECKs: an unknown status, a self-edge, a second completer are refused.
      const badStatus = await db.sql.query(`UPDATE engine_v2.job_tasks SET status = 'done' WHERE job_id = $1`, [result.jobId]).catch((e: unknown) => e);
      expect((badStatus as { details: { pgCode: string } }).details.pgCode).toBe('23514');
      const selfEdge = await db.sql.query(`INSERT INTO engine_v2.job_task_dependencies SELECT id, id FROM engine_v2.job_tasks WHERE job_id = $1`, [result.jobId]).catch((e: unknown) => e);
      expect((selfEdge as { details: { pgCode: string } }).details.pgCode).toBe('23514');
      const updated = await db.sql.query<{ updated_at: Date; created_at: Date }>(`UPDATE engine_v2.job_tasks SET progress = 50 WHERE job_id = $1 RETURNING updated_at, created_at`, [result.jobId]);
      expect(updated.rows[0]?.updated_at.getTime()).toBeGreaterThan(updated.rows[0]?.created_at.getTime() as number);

      expect(await teardownEngine(db.sql)).toEqual({ dropped: true });
      const gone = await db.sql.query(`SELECT 1 FROM information_schema.schemata WHERE schema_name = 'engine_v2'`);
      expect(gone.rows).toEqual([]);
      expect((await migrateEngine(db.sql)).applied).toEqual(['engine_v2/0001_engine_v2_init', 'engine_v2/0002_engine_v2_hot_path', 'engine_v2/0003_engine_v2_batches', 'engine_v2/0004_engine_v2_rls', 'engine_v2/0005_engine_v2_fenced_batches']);
    } finally {
      await db.dispose();
    }
  });

  it("points job_runs at a host's jobs table when one is configured, without altering it", async () => {
    const db = await createTestDatabase(backend);
    try {
      await db.sql.exec(`CREATE TABLE public.jobs (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id text NOT NULL, status text NOT NULL DEFAULT 'queued')`);
      const columnsBefore = await db.sql.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'jobs' ORDER BY 1`);
      await migrateEngine(db.sql, { jobsTable: 'public.jobs' });
      const host = await db.sql.query<{ id: string }>(`INSERT INTO public.jobs (user_id) VALUES ('alice') RETURNING id`);
      const engine = createEngine({ sql: db.sql, stagingRoot: tempDir('staging'), ...FAST });
      const result = await engine.run(one, { jobId: host.rows[0]?.id });
      expect(result.status).toBe('succeeded');
      const orphan = await engine.submit(one, { jobId: '00000000-0000-4000-8000-000000000000' }).catch((e: unknown) => e);
      await engine.close();
      expect((orphan as { details: { pgCode: string } }).details.pgCode).toBe('23503');
      const columnsAfter = await db.sql.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'jobs' ORDER BY 1`);
      expect(columnsAfter.rows).toEqual(columnsBefore.rows);
      await teardownEngine(db.sql);
      expect((await db.sql.query(`SELECT count(*)::int AS n FROM public.jobs`)).rows).toEqual([{ n: 1 }]);
    } finally {
      await db.dispose();
    }
  });
});
