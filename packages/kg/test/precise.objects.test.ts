import { describe, expect, it } from 'vitest';
import { ObjectIndex, type ObjectSpan } from '../src/precise/objects.js';
import { edgesOf } from '../src/precise/precise-pass.js';

const span = (id: string, kind: ObjectSpan['kind'], qualifiedName: string, startLine: number, endLine: number, filePath = 'a.ts'): ObjectSpan => ({
  id,
  kind,
  name: qualifiedName.split('.').pop() as string,
  qualifiedName,
  filePath,
  startLine,
  endLine,
});

const OBJECTS = [
  span('mod', 'module', 'a', 1, 30),
  span('A', 'class', 'A', 2, 12),
  span('A.p', 'property', 'A.p', 3, 3),
  span('A.m', 'method', 'A.m', 4, 6),
  span('A.x#get', 'method', 'A.x', 7, 7),
  span('A.x#set', 'method', 'A.x', 8, 8),
  span('B', 'class', 'B', 10, 10),
  span('B.q', 'method', 'B.q', 10, 10),
  span('f#0', 'function', 'f', 14, 14),
  span('f#1', 'function', 'f', 15, 15),
  span('f#2', 'function', 'f', 16, 18),
];

describe('precise pass: sites to KG objects', () => {
  const index = new ObjectIndex(OBJECTS);

  it('attributes a site to the innermost object around its line, else the module', () => {
    expect(index.caller('a.ts', 5, 'm')?.id).toBe('A.m');
    expect(index.caller('a.ts', 3, 'p')?.id).toBe('A.p');
    expect(index.caller('a.ts', 11, null)?.id).toBe('A');
    expect(index.caller('a.ts', 25, null)?.id).toBe('mod');
    // Same lines: the name the compiler saw decides; a getter's site goes to the last A.x, as the resolver links names.
    expect(index.caller('a.ts', 10, 'q')?.id).toBe('B.q');
    expect(index.caller('a.ts', 7, 'x')?.id).toBe('A.x#set');
    expect(index.caller('b.ts', 1, null)).toBeNull();
  });

  it('maps a declaration to the callable object at its lines: overloads to the implementation, never a property', () => {
    expect(index.target({ path: 'a.ts', startLine: 14, endLine: 14, name: 'f' })?.id).toBe('f#2');
    expect(index.target({ path: 'a.ts', startLine: 4, endLine: 6, name: 'm' })?.id).toBe('A.m');
    expect(index.target({ path: 'a.ts', startLine: 3, endLine: 3, name: 'p' })).toBeNull();
    expect(index.target({ path: 'a.ts', startLine: 20, endLine: 21, name: 'm' })).toBeNull();
  });

  it('makes one edge per caller, callee and line, and counts every site', () => {
    const declared = { kind: 'declared' as const, target: { path: 'a.ts', startLine: 16, endLine: 18, name: 'f' } };
    const { edges, counts, perFile } = edgesOf(
      [
        {
          path: 'a.ts',
          sites: [
            { line: 5, caller: 'm', outcome: declared },
            { line: 5, caller: 'm', outcome: declared },
            { line: 5, caller: 'm', outcome: { kind: 'external' } },
            { line: 5, caller: 'm', outcome: { kind: 'unresolved' } },
            { line: 5, caller: 'm', outcome: { kind: 'declared', target: { path: 'a.ts', startLine: 3, endLine: 3, name: 'p' } } },
          ],
        },
      ],
      index,
    );
    expect(edges).toEqual([{ src: 'A.m', dst: 'f#2', kind: 'calls', filePath: 'a.ts', line: 5, resolution: 'checker' }]);
    expect(counts).toEqual({ resolved: 2, external: 1, unresolved: 2, unmapped: 1 });
    expect(perFile.get('a.ts')).toEqual({ edges: 1, unresolved: 2 });
  });
});
