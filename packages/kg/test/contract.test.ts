import { beforeAll, describe, expect, it } from 'vitest';
import { AgentlaneError } from '@agentlane/core';
import {
  KG_OPERATIONS,
  KG_OPERATION_NAMES,
  createKgService,
  indexRepository,
  objectId,
  tokenCounter,
  type KgOperationName,
  type KgService,
} from '../src/index.js';
import { testBackends } from '../../../test/support/backends.js';
import { SAMPLE_REPO, editFile, writeRepo } from '../../../test/support/repo.js';
import { useKgDatabase } from './support/kg-database.js';

/** 1,500 functions in one file: its outline is far larger than any budget. */
const BIG = Array.from({ length: 1500 }, (_, i) => `export function f${i}(alpha: number, beta: string): number {\n  return alpha;\n}\n`).join('');
/** Hostile names and signatures: a 5,000-character name, a 20,000-character parameter type. */
const LONG_NAME = `g${'x'.repeat(4999)}`;
const HOSTILE = `export function ${LONG_NAME}(): void {}\nexport function wide(p: { ${Array.from({ length: 2000 }, (_, i) => `k${i}: string`).join('; ')} }): void {}\n`;

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    return error instanceof AgentlaneError ? error.code : String(error);
  }
  return 'resolved';
}

describe.each(testBackends())('the KG operation contract on %s', (backend) => {
  const database = useKgDatabase(backend);
  let service: KgService;
  let root: string;
  let count: (text: string) => number;

  beforeAll(async () => {
    root = writeRepo({ ...SAMPLE_REPO, 'src/big.ts': BIG, 'src/hostile.ts': HOSTILE });
    await indexRepository(database.sql, { repoRoot: root, workers: 1 });
    service = createKgService({ sql: database.sql, repoRoot: root, index: { workers: 1 } });
    count = await tokenCounter();
  });

  const json = async (name: KgOperationName, args: Record<string, unknown>) => {
    const answer = await service.answer(name, { ...args, format: 'json' });
    expect(answer.tokens).toBe(count(answer.body));
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are checked field by field below
    return JSON.parse(answer.body) as Record<string, any>;
  };

  it('defines every operation once, with one default direction for refs: callers', () => {
    expect(Object.keys(KG_OPERATIONS).sort()).toEqual([...KG_OPERATION_NAMES].sort());
    expect(KG_OPERATIONS.refs.input.parse({ target: 'x' })).toMatchObject({ direction: 'in', depth: 1, format: 'text', maxTokens: 4096 });
    for (const operation of Object.values(KG_OPERATIONS)) expect(Object.keys(operation.input.shape)).toEqual(expect.arrayContaining(['format', 'maxTokens', 'cursor']));
  });

  it('answers every operation within maxTokens, as text and as JSON, hostile names included', async () => {
    const calls: [KgOperationName, Record<string, unknown>][] = [
      ['search', { query: 'f1', limit: 100 }],
      ['search', { query: LONG_NAME.slice(0, 250) }],
      ['show', { target: 'Square' }],
      ['show', { target: LONG_NAME.slice(0, 1000).length === 1000 ? objectId('ts', 'src/hostile.ts', LONG_NAME, 'function') : '' }],
      ['show', { target: 'wide' }],
      ['refs', { target: 'makeSquare' }],
      ['refs', { target: 'src/big.ts:1', direction: 'both', depth: 3 }],
      ['outline', { path: 'src/big.ts' }],
      ['outline', { path: 'src/hostile.ts' }],
      ['impact', { files: ['src/big.ts', 'src/lib/shapes.ts'] }],
      ['context', { query: 'square area', files: ['src/big.ts', 'src/hostile.ts'] }],
      ['stats', {}],
    ];
    for (const [name, args] of calls) {
      for (const format of ['text', 'json'] as const) {
        for (const maxTokens of [512, 1500]) {
          const answer = await service.answer(name, { ...args, format, maxTokens });
          const tokens = count(answer.body);
          expect({ name, format, maxTokens, fits: tokens <= maxTokens }).toEqual({ name, format, maxTokens, fits: true });
          expect(answer.tokens).toBe(tokens);
          if (format === 'json') expect(() => KG_OPERATIONS[name].output.parse(JSON.parse(answer.body))).not.toThrow();
          else expect(answer.body).toMatch(/index: fresh/);
        }
      }
    }
  });

  it('pages a long outline with an opaque cursor: every object once, in order', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await json('outline', { path: 'src/big.ts', maxTokens: 2000, ...(cursor ? { cursor } : {}) });
      expect(page.total).toBe(1500);
      seen.push(...page.objects.map((o: { name: string }) => o.name));
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor && pages < 100);
    expect(pages).toBeGreaterThan(5);
    expect(seen).toEqual(Array.from({ length: 1500 }, (_, i) => `f${i}`));
    // The text answer says how to go on.
    const text = await service.answer('outline', { path: 'src/big.ts', maxTokens: 512 });
    expect(text.body).toMatch(/… \d+ more: same call with cursor=[A-Za-z0-9_-]+/);
  });

  it('refuses a cursor given for other arguments, or made up', async () => {
    const first = await json('outline', { path: 'src/big.ts', maxTokens: 512 });
    expect(await codeOf(service.answer('outline', { path: 'src/hostile.ts', cursor: first.nextCursor }))).toBe('KG_INVALID_CURSOR');
    expect(await codeOf(service.answer('search', { query: 'f1', cursor: first.nextCursor }))).toBe('KG_INVALID_CURSOR');
    expect(await codeOf(service.answer('outline', { path: 'src/big.ts', cursor: 'bm9wZQ' }))).toBe('KG_INVALID_CURSOR');
    // A cursor survives a change of budget or format: it is about the arguments, not the printing.
    expect((await json('outline', { path: 'src/big.ts', maxTokens: 4000, cursor: first.nextCursor })).offset).toBeGreaterThan(0);
  });

  it('takes names, qualified names and path:line wherever ids go', async () => {
    expect((await json('show', { target: 'Square' })).object).toMatchObject({ kind: 'class', qualifiedName: 'Square' });
    expect((await json('show', { target: 'Square.area' })).object).toMatchObject({ kind: 'method', qualifiedName: 'Square.area' });
    expect((await json('show', { target: 'src/lib/shapes.Square' })).object).toMatchObject({ qualifiedName: 'Square' });
    expect((await json('show', { target: 'src/lib/shapes.ts:21' })).object).toMatchObject({ qualifiedName: 'Square.area' });
    expect((await json('show', { target: 'py/app/models.py:17' })).object).toMatchObject({ qualifiedName: 'User.label' });
    expect((await json('show', { target: objectId('ts', 'src/lib/shapes.ts', 'makeSquare', 'function') })).object.qualifiedName).toBe('makeSquare');
    const impact = await json('impact', { targets: ['makeSquare'] });
    expect(impact.files.map((f: { file: string }) => f.file)).toEqual(['src/main.ts']);
  });

  it('lists the candidates of an ambiguous name with a stable code, and says not found for unknown names', async () => {
    const failure = await service.answer('show', { target: 'area' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AgentlaneError);
    expect((failure as AgentlaneError).code).toBe('KG_AMBIGUOUS');
    const candidates = (failure as AgentlaneError).details.candidates as { qualifiedName: string; id: string; filePath: string }[];
    expect(candidates.map((c) => c.qualifiedName).sort()).toEqual(['Base.area', 'Shape.area', 'Square.area']);
    const text = await service.errorAnswer(failure, { maxTokens: 512 });
    expect(text.body).toMatch(/^KG_AMBIGUOUS: 3 objects are named "area": give one of these ids, or path:line\n/);
    for (const c of candidates) expect(text.body).toContain(c.id);
    const asJson = JSON.parse((await service.errorAnswer(failure, { format: 'json' })).body);
    expect(asJson.error.candidates).toHaveLength(3);
    expect(await codeOf(service.answer('refs', { target: 'area' }))).toBe('KG_AMBIGUOUS');
    expect(await codeOf(service.answer('show', { target: 'NoSuchThing' }))).toBe('KG_NOT_FOUND');
    expect(await codeOf(service.answer('show', { target: 'nope.ts:3' }))).toBe('KG_NOT_FOUND');
    expect(await codeOf(service.answer('show', { target: 'a\u0000b' }))).toBe('KG_INVALID_ARGUMENT');
    expect(await codeOf(service.answer('refs', { target: 'Square', depth: 9 }))).toBe('KG_INVALID_ARGUMENT');
  });

  it('groups refs by file and object, callers by default', async () => {
    const refs = await json('refs', { target: 'makeSquare', kind: ['calls'] });
    expect(refs.direction).toBe('in');
    expect(refs.files).toEqual([
      { file: 'src/main.ts', objects: [{ object: expect.objectContaining({ qualifiedName: 'run' }), sites: [expect.objectContaining({ kind: 'calls', direction: 'in', line: 13 })] }] },
    ]);
    const text = (await service.answer('refs', { target: 'makeSquare', kind: ['calls'] })).body;
    expect(text).toContain('src/main.ts\n  function run:12-17 ←calls @13');
  });

  it('keeps the best-ranked objects of a context pack when the budget is short, printed by file and line', async () => {
    for (const format of ['json', 'text'] as const) {
      const answer = await service.answer('context', { symbols: ['makeSquare'], files: ['src/big.ts'], maxTokens: 512, format });
      expect(answer.tokens).toBeLessThanOrEqual(512);
      expect(answer.body).toContain('makeSquare');
    }
    const pack = await json('context', { symbols: ['makeSquare'], files: ['src/big.ts'], maxTokens: 512 });
    for (const file of pack.files as { objects: { startLine: number }[] }[]) {
      const lines = file.objects.map((o) => o.startLine);
      expect(lines).toEqual([...lines].sort((a, b) => a - b));
    }
  });

  it('refreshes the index on demand, and the next answers carry the new freshness', async () => {
    editFile(root, 'src/fresh.ts', 'export function freshlyAdded(): number { return 1; }\n');
    const stale = (await service.answer('stats', {})).body;
    // The probe caches for two seconds: a stale answer is possible only after that; what matters is the refresh.
    expect(stale).toMatch(/index: (fresh|STALE)/);
    const indexed = await json('index', {});
    expect(indexed.summary).toMatchObject({ mode: 'incremental', files: expect.objectContaining({ parsed: 1 }) });
    expect(indexed.freshness.fresh).toBe(true);
    expect((await json('show', { target: 'freshlyAdded' })).object.filePath).toBe('src/fresh.ts');
  });
});
