/**
 * The repair pass for TypeScript that tree-sitter-typescript 0.23 rejects
 * (src/extract/typescript/repair.ts): each construct parses without errors,
 * the definitions, lines and parameters are the compiler's, and the edits
 * never touch comments, strings or template literals.
 */
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { countSyntaxErrors, parseSource } from '../src/extract/parse.js';
import { extractTypeScript } from '../src/extract/typescript.js';
import { applyEdits, parseTypeScript } from '../src/extract/typescript/repair.js';
import { oracleDefinitions } from './support/ts-oracle.js';
import { MODERN_TS_FIXTURES } from './support/ts-modern-fixtures.js';

const keyOf = (d: { kind: string; qualifiedName: string; ordinal: number }): string => `${d.kind} ${d.qualifiedName} #${d.ordinal}`;

/** What the compiler's parser says about the text: no diagnostics means tsc accepts its syntax. */
function tscParseErrors(path: string, source: string): number {
  const sf = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true) as ts.SourceFile & { parseDiagnostics: unknown[] };
  return sf.parseDiagnostics.length;
}

/** Definitions as `key@start-end(params)`, from the extractor and from the compiler. */
function compare(path: string, source: string): { ours: string[]; tsc: string[]; syntaxErrors: number } {
  const result = extractTypeScript({ filePath: path, source, moduleName: path.replace(/\.ts$/, '') });
  const ours = result.objects
    .filter((o) => o.kind !== 'module')
    .map((o) => `${keyOf(o)}@${o.startLine}-${o.endLine}(${o.params?.map((p) => p.name).join(',') ?? ''})`)
    .sort();
  const tsc = oracleDefinitions(path, source)
    .map((d) => `${keyOf(d)}@${d.startLine}-${d.endLine}(${d.params?.join(',') ?? ''})`)
    .sort();
  return { ours, tsc, syntaxErrors: result.syntaxErrors };
}

describe('TypeScript the grammar rejects, repaired', () => {
  for (const [path, source] of Object.entries(MODERN_TS_FIXTURES)) {
    it(`${path}: no syntax errors, and the compiler's definitions, lines and parameters`, () => {
      expect(tscParseErrors(path, source)).toBe(0);
      // The grammar alone fails on it: the fixture exercises the repair.
      expect(countSyntaxErrors(parseSource('typescript', source).rootNode)).toBeGreaterThan(0);
      const { ours, tsc, syntaxErrors } = compare(path, source);
      expect(syntaxErrors).toBe(0);
      expect(ours).toEqual(tsc);
    });
  }

  it('reads signatures and parameters from the real text, variance and all', () => {
    const source = MODERN_TS_FIXTURES['fixtures/variance.ts']!;
    const result = extractTypeScript({ filePath: 'v.ts', source, moduleName: 'v' });
    const both = result.objects.find((o) => o.qualifiedName === 'Both');
    expect(both?.signature).toContain('Both<in out T, out E = never>');
    const setter = result.objects.find((o) => o.qualifiedName === 'Setter');
    expect(setter?.signature).toContain('in out B extends string');
    const named = result.objects.find((o) => o.qualifiedName === 'Named.last');
    expect(named?.kind).toBe('property');
  });

  it('keeps the doc comments of members after a repaired separator', () => {
    const source = MODERN_TS_FIXTURES['fixtures/signature-lists.ts']!;
    const result = extractTypeScript({ filePath: 's.ts', source, moduleName: 's' });
    expect(result.objects.find((o) => o.qualifiedName === 'Mapper.in')?.doc).toBe('A member named `in`, after one with a type.');
  });

  it('covers the same constructs in .tsx files without touching JSX', () => {
    const source = [
      'export interface Props<out T> {',
      '  value: T',
      '  <A>(a: A): A',
      '  <A, B>(a: A, b: B): B',
      '}',
      'export function View(p: { items: string[] }) {',
      '  return (',
      '    <ul>',
      '      {p.items}',
      '      <Item<string>>(x)</Item>',
      '    </ul>',
      '  )',
      '}',
      'declare function Item<T>(p: { children: unknown }): null',
    ].join('\n');
    const first = parseSource('tsx', source);
    expect(countSyntaxErrors(first.rootNode)).toBeGreaterThan(0);
    const { syntaxErrors, edits } = parseTypeScript('tsx', source);
    expect(syntaxErrors).toBe(0);
    const repaired = applyEdits(source, edits);
    expect(repaired.split('\n').slice(5)).toEqual(source.split('\n').slice(5));
  });

  it('never edits comments, strings or template literals that hold the same text', () => {
    const decoys = [
      '// interface A<in out T> {',
      '/* type B<out T> = T',
      '   <A>(a: A): A */',
      'const s1 = "interface C<in out T> { x: T }"',
      "const s2 = 'export type * from \"x\"'",
      'const t1 = `type D<out T> = T',
      '  <A>(a: A): A',
      '  static accessor y: number ${"keyof readonly x[]"} let as = 1`',
      'const t2 = `sql<{ a: 1 }>` + `using.bind(null)`',
    ];
    const source = ['export interface Real<in out T> {', '  a: T', '  <A>(a: A): A', '  <A, B>(a: A, b: B): B', '}', ...decoys, 'export function f(): void {}', ''].join('\n');
    const { syntaxErrors, edits } = parseTypeScript('typescript', source);
    expect(syntaxErrors).toBe(0);
    expect(edits.length).toBeGreaterThan(0);
    const repaired = applyEdits(source, edits);
    expect(repaired.length).toBe(source.length);
    expect(repaired.split('\n').slice(5)).toEqual(source.split('\n').slice(5));
    expect(compare('d.ts', source).ours).toEqual(compare('d.ts', source).tsc);
  });

  it('keeps every index and line: same length, line breaks where they were', () => {
    for (const source of Object.values(MODERN_TS_FIXTURES)) {
      const { edits } = parseTypeScript('typescript', source);
      expect(edits.length).toBeGreaterThan(0);
      const repaired = applyEdits(source, edits);
      expect(repaired.length).toBe(source.length);
      for (let i = 0; i < source.length; i++) {
        if (source[i] === '\n' || repaired[i] === '\n') expect(repaired[i]).toBe(source[i]);
      }
    }
  });

  it('builds the same tree incrementally as a fresh parse of the repaired text', () => {
    for (const source of Object.values(MODERN_TS_FIXTURES)) {
      const { tree, edits } = parseTypeScript('typescript', source);
      expect(tree.rootNode.toString()).toBe(parseSource('typescript', applyEdits(source, edits)).rootNode.toString());
    }
  });

  it('leaves files that parse alone, and keeps the first parse when a repair would not help', () => {
    const clean = 'export interface I<T> {\n  a: T\n}\n';
    expect(parseTypeScript('typescript', clean).edits).toEqual([]);
    // Broken beyond repair: the candidate edit is tried and dropped.
    const broken = 'export interface I<in T> {\n  a: T\n}\nexport class X { m( { }\n';
    const parsed = parseTypeScript('typescript', broken);
    expect(parsed.syntaxErrors).toBeGreaterThan(0);
    expect(parsed.syntaxErrors).toBeLessThanOrEqual(countSyntaxErrors(parseSource('typescript', broken).rootNode));
  });
});
