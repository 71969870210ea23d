import { afterAll, describe, expect, it } from 'vitest';
import { createParsePool, indexRepository } from '../src/index.js';
import { useKgDatabase } from './support/kg-database.js';
import { writeRepo } from '../../../test/support/repo.js';

describe('a parse worker that dies', () => {
  const database = useKgDatabase('pglite');
  // A heap too small for the big file: its worker runs out of memory and is replaced.
  const pool = createParsePool(1, { maxHeapMb: 32 });
  afterAll(() => pool.close());

  it('costs only the file it was parsing: recorded as parse_failed, the run goes on', async () => {
    const big = Array.from({ length: 30_000 }, (_, i) => `def f${i}(a: int, b: str = "${'x'.repeat(20)}") -> int:\n    return g(a) + h(b)\n`).join('');
    const root = writeRepo({ 'a.py': 'def a() -> None:\n    pass\n', 'big.py': big, 'z.py': 'def z() -> None:\n    pass\n' });
    const summary = await indexRepository(database.sql, { repoRoot: root, pool, maxFileBytes: 8 * 1024 * 1024 });
    expect(summary.skippedByReason).toEqual({ parse_failed: 1 });
    const skipped = await database.sql.query<{ path: string; reason: string; detail: string }>('SELECT path, reason, detail FROM kg.skipped_files');
    expect(skipped.rows).toEqual([{ path: 'big.py', reason: 'parse_failed', detail: expect.stringMatching(/memory|terminated|exited/i) }]);
    const files = await database.sql.query<{ path: string }>('SELECT path FROM kg.files ORDER BY path');
    expect(files.rows.map((r) => r.path)).toEqual(['a.py', 'z.py']);
  });

  it('with files queued behind it on the same worker, still costs only that file', async () => {
    const queued = createParsePool(1, { maxHeapMb: 32, queueDepth: 4 });
    try {
      const big = Array.from({ length: 30_000 }, (_, i) => `def f${i}(a: int, b: str = "${'x'.repeat(20)}") -> int:\n    return g(a) + h(b)\n`).join('');
      const root = writeRepo({ 'a.py': 'def a() -> None:\n    pass\n', 'big.py': big, 'y.py': 'def y() -> None:\n    pass\n', 'z.py': 'def z() -> None:\n    pass\n' });
      const summary = await indexRepository(database.sql, { repoRoot: root, pool: queued, maxFileBytes: 8 * 1024 * 1024, replaceRepository: true });
      expect(summary.skippedByReason).toEqual({ parse_failed: 1 });
      const files = await database.sql.query<{ path: string }>('SELECT path FROM kg.files ORDER BY path');
      expect(files.rows.map((r) => r.path)).toEqual(['a.py', 'y.py', 'z.py']);
    } finally {
      await queued.close();
    }
  });
});
