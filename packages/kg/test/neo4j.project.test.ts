import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '@agentlane/store';
import { indexRepository, planProjection, type ProjectionPlan } from '../src/index.js';
import { testBackends } from '../../../test/support/backends.js';
import { SAMPLE_REPO, editFile, writeRepo } from '../../../test/support/repo.js';
import { useKgDatabase } from './support/kg-database.js';

function projectedAfter(plan: ProjectionPlan, before: Map<string, string>): Map<string, string> {
  const next = new Map(before);
  for (const p of plan.deletedFiles) next.delete(p);
  for (const st of plan.statements) {
    if (st.text.startsWith('UNWIND $files AS file MERGE (f:KgFile')) {
      for (const f of st.params.files as { path: string; sha256: string }[]) next.set(f.path, f.sha256);
    }
  }
  return next;
}

describe.each(testBackends())('Neo4j projection plan on %s', (backend) => {
  const database = useKgDatabase(backend);
  let sql: Sql;
  let root: string;

  beforeAll(async () => {
    sql = database.sql;
    root = writeRepo(SAMPLE_REPO);
    await indexRepository(sql, { repoRoot: root, workers: 1 });
  });

  it('projects everything on the first run, then nothing on the second', async () => {
    const first = await planProjection(sql, new Map(), { batchSize: 50 });
    const counts = await sql.query<{ objects: number; relations: number }>(
      'SELECT (SELECT count(*) FROM kg.objects)::int AS objects, (SELECT count(*) FROM kg.relations)::int AS relations',
    );
    expect(first.changedFiles).toHaveLength(6);
    expect(first.nodes).toBe(counts.rows[0]?.objects);
    expect(first.edges).toBe(counts.rows[0]?.relations);
    const second = await planProjection(sql, projectedAfter(first, new Map()));
    expect(second).toMatchObject({ changedFiles: [], deletedFiles: [], nodes: 0, edges: 0 });
    expect(second.statements.every((s) => s.text.startsWith('CREATE '))).toBe(true);
  });

  it('replaces a changed file, re-merging relations from other files into it, and drops a deleted one', async () => {
    const projected = projectedAfter(await planProjection(sql, new Map()), new Map());
    editFile(root, 'src/lib/shapes.ts', `// edited\n${SAMPLE_REPO['src/lib/shapes.ts']}`);
    fs.rmSync(path.join(root, 'py/app/service.py'));
    await indexRepository(sql, { repoRoot: root, workers: 1 });
    const plan = await planProjection(sql, projected);
    expect(plan.changedFiles).toEqual(['src/lib/shapes.ts']);
    expect(plan.deletedFiles).toEqual(['py/app/service.py']);
    const removal = plan.statements.find((s) => s.text.includes('DETACH DELETE n') && s.params.paths);
    expect(removal?.params.paths).toEqual(['src/lib/shapes.ts', 'py/app/service.py']);
    // main.ts → makeSquare lives in main.ts but points into the changed file: merged again.
    const calls = plan.statements.filter((s) => s.text.includes('[r:CALLS')).flatMap((s) => s.params.rows as { file_path: string }[]);
    expect(calls.some((r) => r.file_path === 'src/main.ts')).toBe(true);
    expect(plan.statements.some((s) => s.text.startsWith('UNWIND $paths AS path MATCH (f:KgFile'))).toBe(true);
  });
});
