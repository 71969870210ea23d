import { describe, expect, it } from 'vitest';
import { indexRepository, migrateKg } from '@agentlane/kg';
import { kgContextPack } from '../src/index.js';
import { createTestDatabase } from '../../../test/support/backends.js';
import { SAMPLE_REPO, writeRepo } from '../../../test/support/repo.js';

describe('KG context in CONTEXT_JSON', () => {
  it('answers a cell KG query with a context pack once the repository is indexed, and nothing before', async () => {
    const db = await createTestDatabase('pglite');
    try {
      const pack = kgContextPack(db.sql, 400);
      expect(await pack('make square')).toBeNull();
      await migrateKg(db.sql);
      expect(await pack('make square')).toBeNull();
      await indexRepository(db.sql, { repoRoot: writeRepo(SAMPLE_REPO), workers: 1 });
      const text = await pack('make square');
      expect(text).toContain('src/lib/shapes.ts');
      expect(text).toMatch(/makeSquare/);
    } finally {
      await db.dispose();
    }
  });
});
