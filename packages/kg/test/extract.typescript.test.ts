import { describe, expect, it } from 'vitest';
import { extractTypeScript } from '../src/extract/typescript.js';
import type { ExtractedObject, ExtractResult } from '../src/extract/types.js';

function extract(source: string, filePath = 'src/sample.ts'): ExtractResult {
  return extractTypeScript({ filePath, source, moduleName: filePath.replace(/(\.d)?\.[^.]+$/, '') });
}

function find(result: ExtractResult, qualifiedName: string, kind?: ExtractedObject['kind'], ordinal = 0): ExtractedObject {
  const found = result.objects.find(
    (o) => o.qualifiedName === qualifiedName && (kind === undefined || o.kind === kind) && o.ordinal === ordinal,
  );
  if (!found) throw new Error(`no ${kind ?? 'object'} ${qualifiedName} #${ordinal} in ${result.objects.map((o) => o.qualifiedName).join(', ')}`);
  return found;
}

/** kind, qualifiedName, ordinal, lines: the shape of a definition. */
const shape = (o: ExtractedObject): string => `${o.kind} ${o.qualifiedName} #${o.ordinal} ${o.startLine}-${o.endLine}`;

describe('extractTypeScript: the module object', () => {
  it('comes first, spans the file and takes a tagged file comment as its doc', () => {
    const result = extract('/**\n * @packageDocumentation\n * Helpers.\n */\n\nexport const x = 1;\n', 'src/util/strings.ts');
    expect(result.language).toBe('ts');
    expect(result.objects[0]).toEqual({
      kind: 'module',
      name: 'strings',
      qualifiedName: 'src/util/strings',
      signature: 'src/util/strings.ts',
      startLine: 1,
      endLine: 6,
      params: null,
      returns: null,
      fields: null,
      doc: '@packageDocumentation\nHelpers.',
      exported: true,
      metadata: { language: 'ts' },
      ordinal: 0,
    });
    // The file comment documents the module, not the first declaration.
    expect(find(result, 'x').doc).toBeNull();
    expect(result.explicitExports).toBeNull();
    expect(result.syntaxErrors).toBe(0);
  });
});

describe('extractTypeScript: functions', () => {
  it('makes each overload signature and the implementation an object, ordinals in source order', () => {
    const result = extract(
      [
        'export function parse(input: string): number;',
        'export function parse(input: Buffer, radix?: number): number;',
        'export function parse(input: string | Buffer, radix = 10): number {',
        '  return 0;',
        '}',
      ].join('\n'),
    );
    const parses = result.objects.filter((o) => o.qualifiedName === 'parse');
    expect(parses.map(shape)).toEqual(['function parse #0 1-1', 'function parse #1 2-2', 'function parse #2 3-5']);
    expect(parses.map((o) => o.signature)).toEqual([
      'export function parse(input: string): number',
      'export function parse(input: Buffer, radix?: number): number',
      'export function parse(input: string | Buffer, radix = 10): number',
    ]);
    expect(parses.map((o) => o.metadata.modifiers)).toEqual([['export', 'overload'], ['export', 'overload'], ['export']]);
    expect(parses[2]?.params).toEqual([
      { name: 'input', type: 'string | Buffer', optional: false, default: null, rest: false },
      { name: 'radix', type: null, optional: true, default: '10', rest: false },
    ]);
    expect(parses[2]?.returns).toEqual({ type: 'number' });
  });

  it('reads params: destructuring, rest, optional, defaults, and skips `this`', () => {
    const f = find(
      extract('async function f<T>(this: Window, { a, b }: Opts, [c]: T[], d?: string, ...rest: number[]): Promise<T> {}'),
      'f',
    );
    expect(f.params).toEqual([
      { name: '{ a, b }', type: 'Opts', optional: false, default: null, rest: false },
      { name: '[c]', type: 'T[]', optional: false, default: null, rest: false },
      { name: 'd', type: 'string', optional: true, default: null, rest: false },
      { name: 'rest', type: 'number[]', optional: false, default: null, rest: true },
    ]);
    expect(f.signature).toBe('async function f<T>(this: Window, { a, b }: Opts, [c]: T[], d?: string, ...rest: number[]): Promise<T>');
    expect(f.metadata).toEqual({ language: 'ts', modifiers: ['async'], typeParameters: ['T'] });
    expect(f.exported).toBe(false);
  });

  it('binds const arrow functions and function expressions to their name', () => {
    const result = extract(
      [
        'export const add = async (a: number, b: number): Promise<number> => {',
        '  return a + b;',
        '};',
        'const twice = x => x * 2, named = function inner(y: string) { return y; };',
        'let gen = function* () {};',
      ].join('\n'),
    );
    const add = find(result, 'add', 'function');
    expect(shape(add)).toBe('function add #0 1-3');
    expect(add.signature).toBe('export const add = async (a: number, b: number): Promise<number> =>');
    expect(add.metadata).toEqual({ language: 'ts', modifiers: ['export', 'async'], bound: 'arrow' });
    expect(add.params?.map((p) => p.name)).toEqual(['a', 'b']);
    expect(add.returns).toEqual({ type: 'Promise<number>' });
    // With several declarators, each spans its own declarator.
    const twice = find(result, 'twice', 'function');
    expect(twice.params).toEqual([{ name: 'x', type: null, optional: false, default: null, rest: false }]);
    expect(twice.signature).toBe('const twice = x =>');
    expect(find(result, 'named').metadata.bound).toBe('function-expression');
    expect(find(result, 'named').signature).toBe('const named = function inner(y: string)');
    expect(find(result, 'gen').metadata).toEqual({ language: 'ts', modifiers: ['generator'], bound: 'function-expression' });
  });

  it('drops comments from signatures', () => {
    const g = find(extract('function g(\n  a: number, // the first\n  /* second */ b: string,\n): void {}'), 'g');
    expect(g.signature).toBe('function g(a: number, b: string,): void');
    expect(g.params?.map((p) => p.name)).toEqual(['a', 'b']);
  });

  it('names `export default function` and `declare function`', () => {
    const result = extract('export default function (x: number) {}\ndeclare function g(): void;\n');
    expect(find(result, 'default').metadata.modifiers).toEqual(['export', 'default']);
    expect(find(result, 'default').exported).toBe(true);
    expect(find(result, 'g').signature).toBe('declare function g(): void');
    expect(find(result, 'g').metadata.modifiers).toEqual(['declare']);
  });
});

describe('extractTypeScript: classes', () => {
  const source = [
    '/** A shape. */',
    '@Injectable()',
    'export abstract class Shape<T> extends Base<T> implements Drawable, geo.Sized {',
    '  static count = 0;',
    '  protected readonly id?: string;',
    '  #secret = 1;',
    '  constructor(private readonly store: Store<T>, public name: string, plain = 1) {',
    '    super();',
    '  }',
    '  /** The area. */',
    '  abstract area(): number;',
    '  get size(): number { return 1; }',
    '  set size(value: number) {}',
    '  @Input() @Other',
    '  static async load(id: string): Promise<T> { return null!; }',
    '  private hidden(): void {}',
    '}',
  ].join('\n');
  const result = extract(source);

  it('spans decorators and export but not the JSDoc, and reads the header', () => {
    const shapeClass = find(result, 'Shape', 'class');
    expect(shape(shapeClass)).toBe('class Shape #0 2-17');
    expect(shapeClass.signature).toBe('export abstract class Shape<T> extends Base<T> implements Drawable, geo.Sized');
    expect(shapeClass.doc).toBe('A shape.');
    expect(shapeClass.metadata).toEqual({
      language: 'ts',
      modifiers: ['export', 'abstract'],
      decorators: ['@Injectable()'],
      typeParameters: ['T'],
    });
  });

  it('lists fields, parameter properties included, with modifiers', () => {
    expect(find(result, 'Shape', 'class').fields).toEqual([
      { name: 'count', type: null, optional: false, default: '0', modifiers: ['static'] },
      { name: 'id', type: 'string', optional: true, default: null, modifiers: ['protected', 'readonly'] },
      { name: '#secret', type: null, optional: false, default: '1' },
      { name: 'store', type: 'Store<T>', optional: false, default: null, modifiers: ['private', 'readonly'] },
      { name: 'name', type: 'string', optional: false, default: null, modifiers: ['public'] },
    ]);
  });

  it('makes members objects: constructor, abstract, accessors, static async, properties', () => {
    const members = result.objects.filter((o) => o.qualifiedName.startsWith('Shape.'));
    expect(members.map(shape)).toEqual([
      'property Shape.count #0 4-4',
      'property Shape.id #0 5-5',
      'property Shape.#secret #0 6-6',
      'method Shape.constructor #0 7-9',
      'property Shape.store #0 7-7',
      'property Shape.name #0 7-7',
      'method Shape.area #0 11-11',
      'method Shape.size #0 12-12',
      'method Shape.size #1 13-13',
      'method Shape.load #0 14-15',
      'method Shape.hidden #0 16-16',
    ]);
    expect(find(result, 'Shape.constructor').params?.map((p) => p.name)).toEqual(['store', 'name', 'plain']);
    expect(find(result, 'Shape.store', 'property').metadata).toEqual({
      language: 'ts',
      modifiers: ['private', 'readonly'],
      parameterProperty: true,
    });
    expect(find(result, 'Shape.store', 'property').signature).toBe('private readonly store: Store<T>');
    expect(find(result, 'Shape.area').metadata.modifiers).toEqual(['abstract']);
    expect(find(result, 'Shape.area').doc).toBe('The area.');
    expect(find(result, 'Shape.size', 'method', 0).signature).toBe('get size(): number');
    expect(find(result, 'Shape.size', 'method', 0).metadata.modifiers).toEqual(['get']);
    expect(find(result, 'Shape.size', 'method', 1).metadata.modifiers).toEqual(['set']);
    const load = find(result, 'Shape.load');
    expect(load.signature).toBe('static async load(id: string): Promise<T>');
    expect(load.metadata).toEqual({ language: 'ts', modifiers: ['static', 'async'], decorators: ['@Input()', '@Other'] });
  });

  it('exports members of an exported class unless private', () => {
    const exported = Object.fromEntries(
      result.objects.filter((o) => o.qualifiedName.startsWith('Shape.')).map((o) => [`${o.qualifiedName}#${o.ordinal}`, o.exported]),
    );
    expect(exported).toEqual({
      'Shape.count#0': true,
      'Shape.id#0': true,
      'Shape.#secret#0': false,
      'Shape.constructor#0': true,
      'Shape.store#0': false,
      'Shape.name#0': true,
      'Shape.area#0': true,
      'Shape.size#0': true,
      'Shape.size#1': true,
      'Shape.load#0': true,
      'Shape.hidden#0': false,
    });
  });

  it('gives a class without fields an empty list and binds class expressions', () => {
    const r = extract('class Empty { run() {} }\nexport const Named = class Inner<U> { value: U; };\n');
    expect(find(r, 'Empty').fields).toEqual([]);
    const named = find(r, 'Named', 'class');
    expect(named.signature).toBe('export const Named = class Inner<U>');
    expect(named.fields).toEqual([{ name: 'value', type: 'U', optional: false, default: null }]);
    expect(find(r, 'Named.value').kind).toBe('property');
  });

  it('marks method overloads', () => {
    const r = extract('class C {\n  m(a: string): void;\n  m(a: number): void;\n  m(a: unknown) {}\n}\n');
    expect(r.objects.filter((o) => o.qualifiedName === 'C.m').map((o) => [o.ordinal, o.metadata.modifiers])).toEqual([
      [0, ['overload']],
      [1, ['overload']],
      [2, undefined],
    ]);
  });
});

describe('extractTypeScript: interfaces, type aliases, enums', () => {
  it('reads interface properties as fields and objects, method signatures as methods', () => {
    const result = extract(
      [
        'export interface Repo<T> extends Base, ns.Other<T> {',
        '  /** Its id. */',
        '  readonly id: string;',
        '  name?: string;',
        '  find(id: string): Promise<T>;',
        '  new (x: number): Repo<T>;',
        '  [key: string]: unknown;',
        '}',
      ].join('\n'),
    );
    const repo = find(result, 'Repo');
    expect(repo.signature).toBe('export interface Repo<T> extends Base, ns.Other<T>');
    expect(repo.fields).toEqual([
      { name: 'id', type: 'string', optional: false, default: null, modifiers: ['readonly'] },
      { name: 'name', type: 'string', optional: true, default: null },
    ]);
    expect(result.objects.slice(1).map(shape)).toEqual([
      'interface Repo #0 1-8',
      'property Repo.id #0 3-3',
      'property Repo.name #0 4-4',
      'method Repo.find #0 5-5',
    ]);
    expect(find(result, 'Repo.id').doc).toBe('Its id.');
    expect(find(result, 'Repo.find').exported).toBe(true);
  });

  it('reads fields from an object type literal alias, and from literals in an intersection', () => {
    const result = extract(
      [
        'type Point = { x: number; y?: number; move(dx: number): void };',
        'type Named = Base & { name: string } & ({ tag: "a" });',
        'type Id = string | number;',
      ].join('\n'),
    );
    expect(find(result, 'Point').fields).toEqual([
      { name: 'x', type: 'number', optional: false, default: null },
      { name: 'y', type: 'number', optional: true, default: null },
    ]);
    expect(find(result, 'Point.move').kind).toBe('method');
    expect(find(result, 'Named').fields).toEqual([
      { name: 'name', type: 'string', optional: false, default: null },
      { name: 'tag', type: '"a"', optional: false, default: null },
    ]);
    expect(find(result, 'Id').fields).toBeNull();
    expect(find(result, 'Id').signature).toBe('type Id = string | number');
  });

  it('cuts long type alias signatures', () => {
    const members = Array.from({ length: 80 }, (_, i) => `'value${i}'`).join(' | ');
    const alias = find(extract(`type Many = ${members};`), 'Many');
    expect(alias.signature.length).toBe(300);
    expect(alias.signature.endsWith('…')).toBe(true);
  });

  it('reads enum members as fields with their initializers as defaults', () => {
    const e = find(extract('export const enum Color { Red = 1, Green, "Blue" = Red << 2 }'), 'Color');
    expect(e.kind).toBe('enum');
    expect(e.signature).toBe('export const enum Color');
    expect(e.metadata.modifiers).toEqual(['export', 'const']);
    expect(e.fields).toEqual([
      { name: 'Red', type: null, optional: false, default: '1' },
      { name: 'Green', type: null, optional: false, default: null },
      { name: 'Blue', type: null, optional: false, default: 'Red << 2' },
    ]);
  });
});

describe('extractTypeScript: namespaces', () => {
  it('descends into namespaces, one object per segment of a dotted name', () => {
    const result = extract(
      ['export namespace Outer.Inner {', '  export function helper(): void {}', '  export class Widget { draw() {} }', '  function hidden() {}', '}'].join('\n'),
    );
    expect(result.objects.slice(1).map((o) => `${shape(o)} ${o.exported}`)).toEqual([
      'namespace Outer #0 1-5 true',
      'namespace Outer.Inner #0 1-5 true',
      'function Outer.Inner.helper #0 2-2 true',
      'class Outer.Inner.Widget #0 3-3 true',
      'method Outer.Inner.Widget.draw #0 3-3 true',
      'function Outer.Inner.hidden #0 4-4 false',
    ]);
  });

  it("names `declare module 'x'` after its specifier and keeps `declare global` unprefixed", () => {
    const result = extract(
      ["declare module 'lib/sub' {", '  function run(): void;', '}', 'declare global {', '  interface Window { app: App }', '}', 'export {};'].join('\n'),
    );
    expect(result.objects.slice(1).map((o) => `${shape(o)} ${o.exported}`)).toEqual([
      'namespace lib/sub #0 1-3 true',
      'function lib/sub.run #0 2-2 true',
      'interface Window #0 5-5 true',
      'property Window.app #0 5-5 true',
    ]);
  });
});

describe('extractTypeScript: exported', () => {
  it('follows export keywords, local export clauses, export default and export =', () => {
    const result = extract(
      [
        'function a() {}',
        'function b() {}',
        'const c = 1;',
        'const d = 2;',
        'class E {}',
        'export const f = 3, g = () => 4;',
        'let hidden = 5;',
        'export { a, c as renamed };',
        'export default d;',
      ].join('\n'),
    );
    const exported = Object.fromEntries(result.objects.slice(1).map((o) => [`${o.kind} ${o.name}`, o.exported]));
    // Only exported variables are objects; `hidden` is not.
    expect(exported).toEqual({
      'function a': true,
      'function b': false,
      'variable c': true,
      'variable d': true,
      'class E': false,
      'variable f': true,
      'function g': true,
    });
    expect(find(result, 'f').signature).toBe('export const f');
  });

  it('exports everything in a declaration file without export declarations, and only what is exported otherwise', () => {
    const globalScript = extract('declare var VERSION: string;\ninterface Config { debug: boolean }\n', 'types/globals.d.ts');
    expect(globalScript.objects.slice(1).map((o) => `${o.kind} ${o.name} ${o.exported}`)).toEqual([
      'variable VERSION true',
      'interface Config true',
      'property debug true',
    ]);
    expect(find(globalScript, 'VERSION').metadata).toEqual({ language: 'ts', modifiers: ['declare'], type: 'string' });
    const module = extract('declare function internal(): void;\nexport declare function api(): void;\nexport {};\n', 'types/mod.d.ts');
    expect(module.objects.slice(1).map((o) => `${o.name} ${o.exported}`)).toEqual(['internal false', 'api true']);
  });

  it('reads CommonJS exports in JavaScript', () => {
    const result = extract('function one() {}\nfunction two() {}\nfunction three() {}\nmodule.exports = { one, alias: two };\n', 'lib/cjs.js');
    expect(result.objects.slice(1).map((o) => `${o.name} ${o.exported}`)).toEqual(['one true', 'two true', 'three false']);
  });
});

describe('extractTypeScript: docs and decorators', () => {
  it('takes the JSDoc just before a declaration, through other comments, and cleans it', () => {
    const result = extract(
      [
        '/**',
        ' * Adds numbers.',
        ' *',
        ' *   indented example',
        ' * @param a first',
        ' */',
        '// eslint-disable-next-line',
        'export function add(a: number) {}',
        '/* not a doc */',
        'function plain() {}',
        '/** one line */ const one = () => 1;',
      ].join('\n'),
    );
    expect(find(result, 'add').doc).toBe('Adds numbers.\n\n  indented example\n@param a first');
    expect(find(result, 'add').startLine).toBe(8);
    expect(find(result, 'plain').doc).toBeNull();
    expect(find(result, 'one').doc).toBe('one line');
  });

  it('keeps decorators as text, outside the signature, inside the span', () => {
    const result = extract(
      ['@Component({', "  selector: 'app',", '})', 'export class App {', '  @Input() name = "";', '  constructor(@Inject(TOKEN) private readonly dep: Dep) {}', '}'].join('\n'),
    );
    const app = find(result, 'App');
    expect(app.metadata.decorators).toEqual(["@Component({ selector: 'app', })"]);
    expect(app.signature).toBe('export class App');
    expect(app.startLine).toBe(1);
    expect(find(result, 'App.name').metadata.decorators).toEqual(['@Input()']);
    expect(find(result, 'App.name').signature).toBe('name');
    const dep = find(result, 'App.dep');
    expect(dep.metadata.decorators).toEqual(['@Inject(TOKEN)']);
    expect(dep.signature).toBe('private readonly dep: Dep');
  });
});

describe('extractTypeScript: imports', () => {
  it('reads every import and re-export form', () => {
    const result = extract(
      [
        "import def from './default';",
        "import * as ns from 'pkg';",
        "import { a, b as c, type D } from '@scope/pkg/sub';",
        "import def2, { e } from 'mixed';",
        "import type { T } from './types';",
        "import './side-effect';",
        "import fs = require('node:fs');",
        "export { x, y as z } from './re';",
        "export * from './star';",
        "export * as all from './all';",
        "export type { Only } from './only';",
        "const cjs = require('cjs');",
        "const { p, q: r } = require('destructured');",
        "const member = require('member').prop;",
        'async function lazy() { await import("./lazy"); }',
      ].join('\n'),
    );
    expect(result.imports.map(({ specifier, names, reexport, typeOnly, line }) => ({ specifier, names, reexport, typeOnly, line }))).toEqual([
      { specifier: './default', names: [{ imported: 'default', local: 'def' }], reexport: false, typeOnly: false, line: 1 },
      { specifier: 'pkg', names: [{ imported: '*', local: 'ns' }], reexport: false, typeOnly: false, line: 2 },
      {
        specifier: '@scope/pkg/sub',
        names: [
          { imported: 'a', local: 'a' },
          { imported: 'b', local: 'c' },
          { imported: 'D', local: 'D' },
        ],
        reexport: false,
        typeOnly: false,
        line: 3,
      },
      {
        specifier: 'mixed',
        names: [
          { imported: 'default', local: 'def2' },
          { imported: 'e', local: 'e' },
        ],
        reexport: false,
        typeOnly: false,
        line: 4,
      },
      { specifier: './types', names: [{ imported: 'T', local: 'T' }], reexport: false, typeOnly: true, line: 5 },
      { specifier: './side-effect', names: [], reexport: false, typeOnly: false, line: 6 },
      { specifier: 'node:fs', names: [{ imported: '*', local: 'fs' }], reexport: false, typeOnly: false, line: 7 },
      {
        specifier: './re',
        names: [
          { imported: 'x', local: 'x' },
          { imported: 'y', local: 'z' },
        ],
        reexport: true,
        typeOnly: false,
        line: 8,
      },
      { specifier: './star', names: [{ imported: '*', local: null }], reexport: true, typeOnly: false, line: 9 },
      { specifier: './all', names: [{ imported: '*', local: 'all' }], reexport: true, typeOnly: false, line: 10 },
      { specifier: './only', names: [{ imported: 'Only', local: 'Only' }], reexport: true, typeOnly: true, line: 11 },
      { specifier: 'cjs', names: [{ imported: '*', local: 'cjs' }], reexport: false, typeOnly: false, line: 12 },
      {
        specifier: 'destructured',
        names: [
          { imported: 'p', local: 'p' },
          { imported: 'q', local: 'r' },
        ],
        reexport: false,
        typeOnly: false,
        line: 13,
      },
      { specifier: 'member', names: [{ imported: 'prop', local: 'member' }], reexport: false, typeOnly: false, line: 14 },
      { specifier: './lazy', names: [], reexport: false, typeOnly: false, line: 15 },
    ]);
    expect(result.imports.every((i) => i.level === 0)).toBe(true);
    // require() and import() are imports, not calls.
    expect(result.calls).toEqual([]);
  });

  it('treats an import whose named specifiers are all type-only as type-only', () => {
    const [allTypes, mixed] = extract("import { type A, type B } from 'a';\nimport { type C, d } from 'c';\n").imports;
    expect(allTypes?.typeOnly).toBe(true);
    expect(mixed?.typeOnly).toBe(false);
  });
});

describe('extractTypeScript: calls', () => {
  it('reports every call form from the innermost extracted object', () => {
    const result = extract(
      [
        'setup();',
        'export class Child extends Parent {',
        '  constructor() {',
        '    super();',
        '    this.init();',
        '    super.init();',
        '  }',
        '  run() {',
        '    helper(1);',
        '    a.b.c();',
        '    maybe?.go();',
        '    const w = new Widget();',
        '    new ns.Thing<number>();',
        '    make()();',
        '    items[0]();',
        '    [1].map((x) => transform(x));',
        '  }',
        '}',
        'export const fn = () => inner();',
      ].join('\n'),
    );
    expect(result.calls.map(({ from, fromKind, line, target }) => [from, fromKind, line, target])).toEqual([
      ['src/sample', 'module', 1, { form: 'name', name: 'setup' }],
      ['Child.constructor', 'method', 4, { form: 'self', property: 'constructor', viaSuper: true }],
      ['Child.constructor', 'method', 5, { form: 'self', property: 'init' }],
      ['Child.constructor', 'method', 6, { form: 'self', property: 'init', viaSuper: true }],
      ['Child.run', 'method', 9, { form: 'name', name: 'helper' }],
      ['Child.run', 'method', 10, { form: 'member', object: 'a.b', property: 'c' }],
      ['Child.run', 'method', 11, { form: 'member', object: 'maybe', property: 'go' }],
      ['Child.run', 'method', 12, { form: 'new', name: 'Widget' }],
      ['Child.run', 'method', 13, { form: 'new', name: 'ns.Thing' }],
      ['Child.run', 'method', 14, { form: 'dynamic' }],
      ['Child.run', 'method', 14, { form: 'name', name: 'make' }],
      ['Child.run', 'method', 15, { form: 'dynamic' }],
      ['Child.run', 'method', 16, { form: 'dynamic' }],
      ['Child.run', 'method', 16, { form: 'name', name: 'transform' }],
      ['fn', 'function', 19, { form: 'name', name: 'inner' }],
    ]);
  });
});

describe('extractTypeScript: heritage', () => {
  it('reports extends and implements without type arguments, skipping mixin calls', () => {
    const result = extract(
      ['class A extends ns.Base<T> implements I, J<K> {}', 'class B extends mixin(A) {}', 'interface C extends D, E.F<G> {}'].join('\n'),
    );
    expect(result.heritage.map(({ from, fromKind, kind, target, line }) => [from, fromKind, kind, target, line])).toEqual([
      ['A', 'class', 'extends', 'ns.Base', 1],
      ['A', 'class', 'implements', 'I', 1],
      ['A', 'class', 'implements', 'J', 1],
      ['C', 'interface', 'extends', 'D', 3],
      ['C', 'interface', 'extends', 'E.F', 3],
    ]);
  });
});

describe('extractTypeScript: type references', () => {
  it('reports named types from signatures, without type parameters, primitives or duplicates', () => {
    const result = extract(
      [
        'export function load<T extends Entity>(repo: Repo<T>, ids: Id[], opts?: { cache: Cache }): Promise<Map<Id, T>> {',
        '  const local: Hidden = null!;',
        '}',
        'class Store<S> {',
        '  state: S;',
        '  backend: storage.Backend;',
        '  get<K extends keyof S>(key: K): S[K] | Missing { return null!; }',
        '}',
        'type Handler = <E>(event: E, ctx: Context) => Result;',
        'interface Shape { area(unit: Unit): number; tags: string[] }',
      ].join('\n'),
    );
    const refs = result.typeRefs.map(({ from, fromKind, kind, target }) => `${fromKind} ${from} ${kind} ${target}`);
    expect(refs).toEqual([
      'function load uses_type Entity',
      'function load uses_type Repo',
      'function load uses_type Id',
      'function load uses_type Cache',
      'function load returns_type Promise',
      'function load returns_type Map',
      'function load returns_type Id',
      'property Store.backend uses_type storage.Backend',
      'method Store.get returns_type Missing',
      'type Handler uses_type Context',
      'type Handler uses_type Result',
      'method Shape.area uses_type Unit',
    ]);
    expect(result.typeRefs[0]?.line).toBe(1);
  });

  it('leaves out names that are not types: keys, predicates, typeof, infer, mapped keys', () => {
    const result = extract(
      [
        'function isFoo(x: unknown): x is Foo { return true; }',
        'type Mapped<T> = { readonly [K in keyof T]?: Wrapped<T[K]> };',
        'type Unpacked<T> = T extends Array<infer U> ? U : typeof fallback;',
        'type Labeled = [first: Head, ...rest: Tail[]];',
        "type Lazy = import('./mod').Thing;",
        'type Method = { run<R>(input: R): Out<R>; get value(): Val };',
        'type Tpl = `prefix-${Suffix}`;',
      ].join('\n'),
    );
    const refs = result.typeRefs.map(({ from, kind, target }) => `${from} ${kind} ${target}`);
    expect(refs).toEqual([
      'isFoo returns_type Foo',
      'Mapped uses_type Wrapped',
      'Unpacked uses_type Array',
      'Labeled uses_type Head',
      'Labeled uses_type Tail',
      'Method.run returns_type Out',
      'Method.value returns_type Val',
      'Tpl uses_type Suffix',
    ]);
  });
});

describe('extractTypeScript: robustness', () => {
  it('still yields the declarations before a syntax error and counts the errors', () => {
    const result = extract('export function ok(a: number) {}\nclass Fine { m() {} }\nfunction broken( {\n');
    expect(result.syntaxErrors).toBeGreaterThan(0);
    expect(result.objects.slice(1, 4).map((o) => `${o.kind} ${o.qualifiedName}`)).toEqual(['function ok', 'class Fine', 'method Fine.m']);
  });

  it('parses a source over 1 MB (the parser buffer is sized to the input)', () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `export function fn${i}(value: number): number { return value + ${i}; }`);
    const source = lines.join('\n');
    expect(source.length).toBeGreaterThan(1_000_000);
    const result = extract(source, 'src/generated.ts');
    expect(result.syntaxErrors).toBe(0);
    expect(result.objects).toHaveLength(30_001);
    expect(shape(result.objects[30_000] as ExtractedObject)).toBe('function fn29999 #0 30000-30000');
  });

  it('indexes by UTF-16 code units, so text after non-ASCII characters is sliced correctly', () => {
    const result = extract("const greeting = 'héllo 😀 wörld';\nexport function après(naïve: string): string { return naïve; }\n");
    const f = find(result, 'après');
    expect(f.signature).toBe('export function après(naïve: string): string');
    expect(f.params?.map((p) => p.name)).toEqual(['naïve']);
    expect(f.startLine).toBe(2);
  });

  it('counts lines like the TypeScript compiler (CRLF, lone CR)', () => {
    const result = extract('const a = 1;\r\nexport function f() {}\rexport function g() {\r\n}\n');
    expect(shape(find(result, 'f'))).toBe('function f #0 2-2');
    expect(shape(find(result, 'g'))).toBe('function g #0 3-4');
  });
});

describe('extractTypeScript: TSX and JavaScript', () => {
  it('reads a .tsx component with JSX', () => {
    const result = extract(
      [
        "import React from 'react';",
        'export function Card({ title }: { title: string }) {',
        '  return <div className="card" onClick={() => track(title)}>{format(title)}</div>;',
        '}',
        'export const List = (props: ListProps) => <ul>{props.items.map((i) => <li key={i}>{i}</li>)}</ul>;',
      ].join('\n'),
      'src/Card.tsx',
    );
    expect(result.syntaxErrors).toBe(0);
    expect(result.objects.slice(1).map(shape)).toEqual(['function Card #0 2-4', 'function List #0 5-5']);
    expect(find(result, 'Card').params?.map((p) => p.name)).toEqual(['{ title }']);
    expect(result.calls.map((c) => [c.from, c.target])).toEqual([
      ['Card', { form: 'name', name: 'track' }],
      ['Card', { form: 'name', name: 'format' }],
      ['List', { form: 'member', object: 'props.items', property: 'map' }],
    ]);
  });

  it('reads a CommonJS module', () => {
    const result = extract(
      [
        "'use strict';",
        "const EventEmitter = require('events').EventEmitter;",
        "const util = require('./util');",
        'class Client extends EventEmitter {',
        '  constructor(config) {',
        '    super();',
        '    this.config = util.normalize(config);',
        '  }',
        '  connect(callback) { return this._connect(callback); }',
        '}',
        'function helper(a, b = {}) {}',
        'Client.prototype.query = function (text) {};',
        'module.exports = Client;',
      ].join('\n'),
      'lib/client.js',
    );
    expect(result.syntaxErrors).toBe(0);
    expect(result.objects.slice(1).map((o) => `${shape(o)} ${o.exported}`)).toEqual([
      'class Client #0 4-10 true',
      'method Client.constructor #0 5-8 true',
      'method Client.connect #0 9-9 true',
      'function helper #0 11-11 false',
    ]);
    expect(result.imports.map((i) => [i.specifier, i.names])).toEqual([
      ['events', [{ imported: 'EventEmitter', local: 'EventEmitter' }]],
      ['./util', [{ imported: '*', local: 'util' }]],
    ]);
    expect(result.heritage.map((h) => [h.from, h.target])).toEqual([['Client', 'EventEmitter']]);
    expect(result.calls.map((c) => [c.from, c.target])).toEqual([
      ['Client.constructor', { form: 'self', property: 'constructor', viaSuper: true }],
      ['Client.constructor', { form: 'member', object: 'util', property: 'normalize' }],
      ['Client.connect', { form: 'self', property: '_connect' }],
    ]);
  });
});
