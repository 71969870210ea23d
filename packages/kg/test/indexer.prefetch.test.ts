import { afterAll, describe, expect, it } from 'vitest';
import { createParsePool, indexRepository, prefetchParse, type ParsePool } from '../src/index.js';
import { SAMPLE_REPO, editFile, writeRepo } from '../../../test/support/repo.js';
import { useKgDatabase } from './support/kg-database.js';

/** The pool, counting the files handed to it. */
function counting(pool: ParsePool): ParsePool & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    parse: (task) => {
      calls.push(task.path);
      return pool.parse(task);
    },
    close: () => pool.close(),
  };
}

describe('parsing ahead of the database (prefetchParse)', () => {
  const database = useKgDatabase('pglite');
  const pool = counting(createParsePool(2));
  afterAll(() => pool.close());

  it('hands the run outcomes it parsed ahead, and parses again only what changed since', async () => {
    const root = writeRepo(SAMPLE_REPO);
    const prefetch = prefetchParse(root, { pool });
    const queued = pool.calls.length;
    expect(queued).toBe(6);
    const first = await indexRepository(database.sql, { repoRoot: root, prefetch });
    expect(first.files.parsed).toBe(6);
    expect(pool.calls.length).toBe(queued);

    const again = prefetchParse(root, { pool });
    editFile(root, 'py/app/models.py', 'class Entity:\n    pass\n\nclass Renamed(Entity):\n    pass\n');
    const second = await indexRepository(database.sql, { repoRoot: root, full: true, prefetch: again });
    expect(second.files.parsed).toBe(6);
    // The edited file no longer matches what was parsed ahead: it alone is parsed again.
    expect(pool.calls.slice(queued + 6)).toEqual(['py/app/models.py']);
    const { rows } = await database.sql.query<{ name: string }>(`SELECT name FROM kg.objects WHERE file_path = 'py/app/models.py' AND kind = 'class' ORDER BY name`);
    expect(rows.map((r) => r.name)).toEqual(['Entity', 'Renamed']);
  });
});
