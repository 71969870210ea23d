import { describe, expect, it } from 'vitest';
import type { Sql } from '@agentlane/store';
import { computeObjectRanks, indexRepository } from '../src/index.js';
import { testBackends } from '../../../test/support/backends.js';
import { SAMPLE_REPO, writeRepo } from '../../../test/support/repo.js';
import { useKgDatabase } from './support/kg-database.js';

async function ranks(sql: Sql): Promise<Map<string, number>> {
  const { rows } = await sql.query<{ id: string; rank: number }>('SELECT id, rank::float8 AS rank FROM kg.object_ranks');
  return new Map(rows.map((r) => [r.id, Number(r.rank)]));
}

describe.each(testBackends())('first-index ranks on %s', (backend) => {
  const database = useKgDatabase(backend);

  it('are computed from the graph in memory and equal those read back from the tables', async () => {
    const summary = await indexRepository(database.sql, { repoRoot: writeRepo(SAMPLE_REPO), workers: 2 });
    expect(Object.keys(summary.timings.steps).some((step) => step.startsWith('ranks: graph from memory'))).toBe(true);
    const fromMemory = await ranks(database.sql);
    const recomputed = await computeObjectRanks(database.sql);
    expect(recomputed).toMatchObject({ objects: summary.ranks?.objects, edges: summary.ranks?.edges });
    const fromTables = await ranks(database.sql);
    expect(fromMemory.size).toBe(fromTables.size);
    expect(fromMemory.size).toBe(summary.objects);
    for (const [id, rank] of fromTables) expect(fromMemory.get(id)).toBeCloseTo(rank, 4);
  });
});
