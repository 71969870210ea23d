import { beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '@agentlane/store';
import { fileOutline, getObject, impactOf, indexRepository, objectId, relationsOf, type OutlineNode } from '../src/index.js';
import { testBackends } from '../../../test/support/backends.js';
import { useKgDatabase } from './support/kg-database.js';
import { SAMPLE_REPO, writeRepo } from '../../../test/support/repo.js';
import { rejectionCodeOf } from '../../../test/support/errors.js';

const tsId = (path: string, qualifiedName: string, kind: Parameters<typeof objectId>[3]) => objectId('ts', path, qualifiedName, kind);

describe.each(testBackends())('graph queries on %s', (backend) => {
  const database = useKgDatabase(backend);
  let sql: Sql;

  beforeAll(async () => {
    sql = database.sql;
    const root = writeRepo({
      ...SAMPLE_REPO,
      // a call cycle: ping → pong → ping
      'src/cycle.ts': 'export function ping(): void { pong(); }\nexport function pong(): void { ping(); }\n',
      // Calls no resolver can follow: through an untyped parameter and a computed member.
      'src/loose.ts': [
        "import { ping } from './cycle';",
        'export function viaAny(x: any): void { x.ping(); x.ping(); ping(); }',
        'export function computed(o: Record<string, () => void>, k: string): void { o[k](); }',
        '',
      ].join('\n'),
    });
    await indexRepository(sql, { repoRoot: root, workers: 1 });
  });

  it('returns an object by id with every CBO field', async () => {
    const square = await getObject(sql, tsId('src/lib/shapes.ts', 'Square', 'class'));
    expect(square).toMatchObject({ kind: 'class', name: 'Square', qualifiedName: 'Square', filePath: 'src/lib/shapes.ts', exported: true });
    expect(square.signature).toBe('export class Square extends Base');
  });

  it('answers unknown and malformed ids with KG_NOT_FOUND / KG_INVALID_ARGUMENT', async () => {
    expect(await rejectionCodeOf(getObject(sql, '00000000-0000-8000-8000-000000000000'))).toBe('KG_NOT_FOUND');
    expect(await rejectionCodeOf(getObject(sql, "x' OR 1=1 --"))).toBe('KG_INVALID_ARGUMENT');
  });

  it('lists callees (out) and callers (in) by kind', async () => {
    const run = tsId('src/main.ts', 'run', 'function');
    const out = await relationsOf(sql, run, { kinds: ['calls'], direction: 'out' });
    const names = (ids: string[]) => ids.map((id) => out.objects.find((o) => o.id === id)?.qualifiedName).sort();
    // sq.describe(): sq = makeSquare(2), declared to return Square, which inherits describe from Base.
    expect(names(out.edges.map((e) => e.dst))).toEqual(['Base.describe', 'Square', 'makeSquare', 'total']);
    const makeSquare = tsId('src/lib/shapes.ts', 'makeSquare', 'function');
    const callers = await relationsOf(sql, makeSquare, { kinds: ['calls'], direction: 'in' });
    expect(callers.edges.map((e) => [e.src, e.filePath, e.line])).toEqual([[run, 'src/main.ts', 13]]);
  });

  it('says how many callers and callees an answer may miss (unresolved call sites)', async () => {
    const ping = tsId('src/cycle.ts', 'ping', 'function');
    const callers = await relationsOf(sql, ping, { kinds: ['calls'], direction: 'in' });
    // pong and viaAny call it for certain; `x.ping()` twice may be a caller too.
    expect(callers.edges.map((e) => callers.objects.find((o) => o.id === e.src)?.name).sort()).toEqual(['pong', 'viaAny']);
    expect(callers.unresolved.callersMayMiss).toEqual({ sites: 2, files: ['src/loose.ts'], filesTotal: 1, names: ['ping'] });
    expect(callers.unresolved.calleesMayMiss).toBeNull();

    const viaAny = await relationsOf(sql, tsId('src/loose.ts', 'viaAny', 'function'), { kinds: ['calls'], direction: 'out' });
    expect(viaAny.unresolved.calleesMayMiss).toEqual({ sites: 2 });
    const computed = await relationsOf(sql, tsId('src/loose.ts', 'computed', 'function'), { direction: 'out' });
    expect(computed.unresolved.calleesMayMiss).toEqual({ sites: 1 });
    const module = await relationsOf(sql, tsId('src/loose.ts', 'src/loose', 'module'), { direction: 'out' });
    expect(module.unresolved.calleesMayMiss).toEqual({ sites: 3 });
    // Asked without calls, the answer claims nothing about them.
    const imports = await relationsOf(sql, ping, { kinds: ['imports'], direction: 'in' });
    expect(imports.unresolved).toEqual({ callersMayMiss: null, calleesMayMiss: null });
  });

  it('impact says how many dependents it may miss', async () => {
    const impact = await impactOf(sql, { ids: [tsId('src/cycle.ts', 'pong', 'function')], depth: 2 });
    expect(impact.dependents.map((d) => d.object.name).sort()).toEqual(['ping', 'pong', 'viaAny'].filter((n) => n !== 'pong'));
    // Dependents looked up: pong (the change) and ping (hop 1): `x.ping()` twice names one of them.
    expect(impact.unresolved.callersMayMiss).toMatchObject({ sites: 2, files: ['src/loose.ts'], names: ['ping', 'pong'] });
  });

  it('walks to depth 3 and stops on cycles', async () => {
    const ping = tsId('src/cycle.ts', 'ping', 'function');
    const result = await relationsOf(sql, ping, { kinds: ['calls'], direction: 'out', depth: 3 });
    expect(result.edges.map((e) => [e.depth, result.objects.find((o) => o.id === e.dst)?.name])).toEqual([
      [1, 'pong'],
      [2, 'ping'],
    ]);
    expect(result.truncated).toBe(false);
  });

  it('goes both ways and truncates at the limit', async () => {
    const square = tsId('src/lib/shapes.ts', 'Square', 'class');
    const both = await relationsOf(sql, square, { direction: 'both', depth: 1 });
    const kinds = new Set(both.edges.map((e) => e.kind));
    expect(kinds).toEqual(new Set(['extends', 'contains', 'calls', 'returns_type']));
    const cut = await relationsOf(sql, square, { direction: 'both', limit: 2 });
    expect(cut.edges).toHaveLength(2);
    expect(cut.truncated).toBe(true);
  });

  it('rejects depth 0 or 4, unknown kinds and directions', async () => {
    const id = tsId('src/main.ts', 'run', 'function');
    expect(await rejectionCodeOf(relationsOf(sql, id, { depth: 4 }))).toBe('KG_INVALID_ARGUMENT');
    expect(await rejectionCodeOf(relationsOf(sql, id, { depth: 0 }))).toBe('KG_INVALID_ARGUMENT');
    expect(await rejectionCodeOf(relationsOf(sql, id, { kinds: ['friends' as 'calls'] }))).toBe('KG_INVALID_ARGUMENT');
    expect(await rejectionCodeOf(relationsOf(sql, id, { direction: 'up' as 'in' }))).toBe('KG_INVALID_ARGUMENT');
  });

  it('outlines a file as a tree in source order', async () => {
    const outline = await fileOutline(sql, 'src/lib/shapes.ts');
    const render = (node: OutlineNode, indent = ''): string[] => [
      `${indent}${node.object.kind} ${node.object.name}`,
      ...node.children.flatMap((child) => render(child, `${indent}  `)),
    ];
    expect(render(outline)).toEqual([
      'module shapes',
      '  interface Shape',
      '    method area',
      '    property name',
      '  class Base',
      '    property name',
      '    method area',
      '    method describe',
      '  class Square',
      '    method constructor',
      '    property side',
      '    method area',
      '  function makeSquare',
    ]);
    expect(await rejectionCodeOf(fileOutline(sql, 'no/such/file.ts'))).toBe('KG_NOT_FOUND');
  });

  it('finds the transitive dependents of a changed file', async () => {
    const impact = await impactOf(sql, { files: ['src/lib/shapes.ts'], depth: 3 });
    expect(impact.files).toEqual(['src/lib/index.ts', 'src/main.ts']);
    const run = impact.dependents.find((d) => d.object.qualifiedName === 'run');
    // first reached through its return type (line 12), before the call on line 13
    expect(run).toMatchObject({ depth: 1, via: { kind: 'returns_type', from: tsId('src/lib/shapes.ts', 'Square', 'class') } });
    expect(impact.dependents.every((d) => d.object.filePath !== 'src/lib/shapes.ts')).toBe(true);
    const bounded = await impactOf(sql, { files: ['src/lib/shapes.ts'], limit: 1 });
    expect(bounded.dependents).toHaveLength(1);
    expect(bounded.truncated).toBe(true);
    expect(await rejectionCodeOf(impactOf(sql, { files: ['nothing.ts'] }))).toBe('KG_INVALID_ARGUMENT');
  });
});
