import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AgentlaneError } from '@agentlane/core';
import type { Sql } from '@agentlane/store';
import { buildContext, indexRepository, searchObjects, tokenCounter } from '../src/index.js';
import { testBackends } from '../../../test/support/backends.js';
import { SAMPLE_REPO, writeRepo } from '../../../test/support/repo.js';
import { useKgDatabase } from './support/kg-database.js';

const codeOf = async (work: Promise<unknown>) => {
  try {
    await work;
    return 'ok';
  } catch (error) {
    return (error as AgentlaneError).code;
  }
};

describe.each(testBackends())('search and context packs on %s', (backend) => {
  const database = useKgDatabase(backend);
  let sql: Sql;

  beforeAll(async () => {
    sql = database.sql;
  });

  it('refuses to answer before anything is indexed', async () => {
    expect(await codeOf(searchObjects(sql, 'square'))).toBe('KG_NO_INDEX');
    expect(await codeOf(buildContext(sql, { query: 'square' }))).toBe('KG_NO_INDEX');
  });

  it('computes PageRank at index time: what is called and extended ranks above average', async () => {
    const summary = await indexRepository(sql, { repoRoot: writeRepo(SAMPLE_REPO), workers: 1 });
    expect(summary.ranks).toMatchObject({ objects: summary.objects });
    const { rows } = await sql.query<{ qualified_name: string; rank: number }>(
      `SELECT o.qualified_name, r.rank FROM kg.object_ranks r JOIN kg.objects o ON o.id = r.id WHERE o.qualified_name IN ('Square', 'Base', 'run')`,
    );
    const rank = Object.fromEntries(rows.map((r) => [r.qualified_name, r.rank]));
    expect(rank.Base).toBeGreaterThan(1);
    expect(rank.Square).toBeGreaterThan(rank.run as number);
    // ...and leaves the planner statistics of the graph tables fresh (search plans depend on them).
    const analyzed = await sql.query<{ tablename: string }>(
      `SELECT DISTINCT tablename FROM pg_stats WHERE schemaname = 'kg' AND tablename IN ('objects', 'relations', 'object_ranks') ORDER BY tablename`,
    );
    expect(analyzed.rows.map((r) => r.tablename)).toEqual(['object_ranks', 'objects', 'relations']);
  });

  it('finds a name exactly, by its words, with a typo, and as a qualified name', async () => {
    const first = async (query: string) => (await searchObjects(sql, query, { limit: 5 })).hits[0];
    expect(await first('makeSquare')).toMatchObject({ qualifiedName: 'makeSquare', filePath: 'src/lib/shapes.ts', kind: 'function' });
    expect((await first('make square'))?.qualifiedName).toBe('makeSquare');
    expect((await first('makeSqare'))?.qualifiedName).toBe('makeSquare');
    expect((await first('Square.area'))?.qualifiedName).toBe('Square.area');
    expect((await first('user label'))?.qualifiedName).toBe('User.label');
  });

  it('says why each hit matched', async () => {
    const { hits } = await searchObjects(sql, 'makeSquare');
    const reasons = hits[0]?.reasons ?? [];
    expect(reasons[0]).toMatchObject({ ranker: 'exact', rank: 1, detail: 'name matches exactly' });
    expect(hits.every((h) => h.reasons.length > 0 && h.score > 0)).toBe(true);
    expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
  });

  it('filters by kind, language and path', async () => {
    const methods = await searchObjects(sql, 'key', { kind: 'method' });
    expect(methods.hits.map((h) => h.qualifiedName)).toEqual(['Entity.key']);
    const py = await searchObjects(sql, 'user', { language: 'python' });
    expect(py.hits.length).toBeGreaterThan(0);
    expect(py.hits.every((h) => h.language === 'py')).toBe(true);
    const underLib = await searchObjects(sql, 'square', { path: 'src/lib/' });
    expect(underLib.hits.every((h) => h.filePath?.startsWith('src/lib/'))).toBe(true);
    const models = await searchObjects(sql, 'entity', { path: '**/models.py', kind: ['class'] });
    // User(Entity) mentions it in its signature: found too, but after Entity itself.
    expect(models.hits.map((h) => h.qualifiedName)).toEqual(['Entity', 'User']);
  });

  it('treats any text as data: quotes, SQL, tsquery and LIKE syntax, NUL', async () => {
    for (const query of ["'; DROP TABLE kg.objects; --", "a & b | !c:*", '%_\\', 'x\u0000y', '((', '日本語']) {
      await expect(searchObjects(sql, query)).resolves.toHaveProperty('hits');
    }
    expect((await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM kg.objects')).rows[0]?.n).toBeGreaterThan(0);
  });

  it('packs signatures grouped by file, containers before members, within the budget', async () => {
    const pack = await buildContext(sql, { query: 'square area', budgetTokens: 300 });
    expect(pack.usedTokens).toBeLessThanOrEqual(300);
    expect(pack.tokenizer).toBe('o200k_base');
    const lines = pack.text.split('\n');
    const square = lines.findIndex((l) => /^\d+: export class Square extends Base/.test(l));
    expect(square).toBeGreaterThan(0);
    expect(lines.slice(square + 1)).toContainEqual(expect.stringMatching(/^ {2}\d+: area\(\): number/));
    expect(pack.files[0]?.path).toBe('src/lib/shapes.ts');
    expect(pack.text).not.toContain('return this.side'); // signatures, never bodies
  });

  it('seeds from files and symbols, not only queries', async () => {
    const fromFile = await buildContext(sql, { files: ['py/app/service.py'], budgetTokens: 400 });
    expect(fromFile.text).toContain('py/app/service.py');
    expect(fromFile.text).toMatch(/def load\(user_id: int\) -> User/);
    const fromSymbol = await buildContext(sql, { symbols: ['Entity.key'], budgetTokens: 400 });
    expect(fromSymbol.files.flatMap((f) => f.objects.map((o) => o.qualifiedName))).toEqual(expect.arrayContaining(['Entity.key', 'User.label']));
  });

  it('always fits the budget exactly as the tokenizer counts the text', async () => {
    const count = await tokenCounter();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 128, max: 700 }), fc.constantFrom('square', 'user entity key', 'run total shapes'), async (budget, query) => {
        const pack = await buildContext(sql, { query, budgetTokens: budget });
        expect(pack.usedTokens).toBe(count(pack.text));
        expect(pack.usedTokens).toBeLessThanOrEqual(budget);
      }),
      { numRuns: 15 },
    );
  });

  it('rejects bad requests with stable codes', async () => {
    expect(await codeOf(buildContext(sql, {}))).toBe('KG_INVALID_ARGUMENT');
    expect(await codeOf(buildContext(sql, { query: '   ' }))).toBe('KG_INVALID_ARGUMENT');
    expect(await codeOf(buildContext(sql, { query: 'x', budgetTokens: 50 }))).toBe('KG_INVALID_ARGUMENT');
    expect(await codeOf(buildContext(sql, { query: 'x', budgetTokens: 1e9 }))).toBe('KG_INVALID_ARGUMENT');
    expect(await codeOf(buildContext(sql, { files: ['nope.ts'] }))).toBe('KG_NOT_FOUND');
    expect(await codeOf(buildContext(sql, { files: ['a\u0000b.ts'] }))).toBe('KG_INVALID_ARGUMENT');
    expect(await codeOf(buildContext(sql, { symbols: ['a\u0000b'] }))).toBe('KG_INVALID_ARGUMENT');
    expect(await codeOf(buildContext(sql, { symbols: ['noSuchSymbol'] }))).toBe('KG_NOT_FOUND');
    expect(await codeOf(buildContext(sql, { symbols: ['00000000-0000-8000-8000-000000000000'] }))).toBe('KG_NOT_FOUND');
  });
});
