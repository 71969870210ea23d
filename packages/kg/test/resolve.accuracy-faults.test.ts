/**
 * Resolution faults found by hand (issue 12 §1, §3): each case failed on the
 * code before its fix.
 */
import { describe, expect, it } from 'vitest';
import { extractPython } from '../src/extract/python.js';
import { resolveRepo } from './support/resolve-repo.js';

const callsFrom = (edges: string[], from: string) => edges.filter((e) => e.startsWith(`calls ${from} `));
const importsFrom = (edges: string[], file: string) => edges.filter((e) => e.startsWith('imports ') && e.includes(`@${file} ->`));

describe('Python imports link to the file the interpreter loads', () => {
  it('`from . import sub` and `from pkg import sub` link to the submodule; other names to the package', () => {
    const { edges } = resolveRepo({
      'pkg/__init__.py': 'VERSION = 1\n',
      'pkg/constants.py': 'A = 1\n',
      'pkg/util.py': 'def helper():\n    pass\n',
      'pkg/user.py': 'from . import constants\nfrom . import VERSION\n',
      'main.py': 'from pkg import util, VERSION\n',
    });
    expect(importsFrom(edges, 'pkg/user.py')).toEqual([
      'imports pkg.user@pkg/user.py -> pkg.constants@pkg/constants.py [relative]',
      'imports pkg.user@pkg/user.py -> pkg@pkg/__init__.py [relative]',
    ]);
    expect(importsFrom(edges, 'main.py')).toEqual([
      'imports main@main.py -> pkg.util@pkg/util.py [absolute]',
      'imports main@main.py -> pkg@pkg/__init__.py [absolute]',
    ]);
  });

  it('`import a.b.c` links to a/b/c.py, and a dotted name that is not a file to its deepest module', () => {
    const { edges } = resolveRepo({
      'a/__init__.py': '',
      'a/b/__init__.py': 'import a.b.c as c\n',
      'a/b/c.py': 'def f():\n    pass\n',
      'main.py': 'import a.b.c\nimport a.b.attr\n\n\ndef run():\n    a.b.c.f()\n',
    });
    expect(importsFrom(edges, 'main.py')).toEqual([
      'imports main@main.py -> a.b.c@a/b/c.py [absolute]',
      'imports main@main.py -> a.b@a/b/__init__.py [absolute]',
    ]);
    expect(callsFrom(edges, 'run@main.py')).toEqual(['calls run@main.py -> f@a/b/c.py [namespace]']);
  });
});

describe('names that are Object.prototype members', () => {
  it('finds toString / valueOf re-exported through a TS `export *` barrel', () => {
    const { edges } = resolveRepo({
      'src/impl.ts': 'export function toString(): string { return ""; }\nexport function valueOf(): number { return 1; }\n',
      'src/index.ts': "export * from './impl';\n",
      'src/use.ts': "import { toString, valueOf } from './index';\nexport function run() { toString(); valueOf(); }\n",
    });
    expect(callsFrom(edges, 'run@src/use.ts')).toEqual([
      'calls run@src/use.ts -> toString@src/impl.ts [import]',
      'calls run@src/use.ts -> valueOf@src/impl.ts [import]',
    ]);
  });

  it('finds Python names like `constructor` and `valueOf` through `from m import *` chains', () => {
    const { edges } = resolveRepo({
      'impl.py': 'def valueOf():\n    pass\n\n\ndef constructor():\n    pass\n',
      'barrel.py': 'from impl import *\n',
      'use.py': 'from barrel import *\n\n\ndef run():\n    valueOf()\n    constructor()\n',
    });
    expect(callsFrom(edges, 'run@use.py')).toEqual(['calls run@use.py -> constructor@impl.py [import]', 'calls run@use.py -> valueOf@impl.py [import]']);
  });

  it('extracts a Python function decorated `@constructor` or `@toString` without crashing', () => {
    const result = extractPython({ filePath: 'm.py', source: '@constructor\ndef a():\n    pass\n\n\n@toString\ndef b():\n    pass\n', moduleName: 'm' });
    expect(result.objects.map((o) => o.qualifiedName)).toEqual(['m', 'a', 'b']);
  });
});

describe('TypeScript calls', () => {
  it('resolves `await f<T>(…)`', () => {
    const { edges } = resolveRepo({
      'src/a.ts': 'export async function load<T>(): Promise<T | null> { return null; }\n',
      'src/b.ts': "import { load } from './a';\nexport async function run() { const x = await load<number>(); return x; }\n",
    });
    expect(callsFrom(edges, 'run@src/b.ts')).toEqual(['calls run@src/b.ts -> load@src/a.ts [import]']);
  });

  it('resolves calls between siblings inside a namespace', () => {
    const { edges } = resolveRepo({
      'src/ns.ts': 'export namespace Util {\n  export function a() { return b(); }\n  function b() { return 1; }\n}\n',
    });
    expect(callsFrom(edges, 'Util.a@src/ns.ts')).toEqual(['calls Util.a@src/ns.ts -> Util.b@src/ns.ts [local]']);
  });

  it('a parameter, local or catch variable that shadows a top-level function is not that function', () => {
    const { edges } = resolveRepo({
      'src/m.ts': [
        'export function f() {}',
        'export function g() {}',
        'export function h() {}',
        'export function p1(f: () => void) { f(); }',
        'export function p2() { const g = () => 1; g(); }',
        'export function p3() { try { h(); } catch (h) { (h as () => void)(); } }',
        'export function p4(xs: (() => void)[]) { for (const f of xs) f(); }',
        'export function ok() { f(); }',
        '',
      ].join('\n'),
    });
    expect(callsFrom(edges, 'p1@src/m.ts')).toEqual([]);
    expect(callsFrom(edges, 'p2@src/m.ts')).toEqual([]);
    expect(callsFrom(edges, 'p3@src/m.ts')).toEqual(['calls p3@src/m.ts -> h@src/m.ts [local]']);
    expect(callsFrom(edges, 'p4@src/m.ts')).toEqual([]);
    expect(callsFrom(edges, 'ok@src/m.ts')).toEqual(['calls ok@src/m.ts -> f@src/m.ts [local]']);
  });
});

describe('Python calls', () => {
  it('resolves two-argument `super(C, self).m()`', () => {
    const { edges } = resolveRepo({
      'm.py': [
        'class Base:',
        '    def m(self):',
        '        pass',
        '',
        '',
        'class C(Base):',
        '    def m(self):',
        '        super(C, self).m()',
        '',
      ].join('\n'),
    });
    expect(callsFrom(edges, 'C.m@m.py')).toEqual(['calls C.m@m.py -> Base.m@m.py [inherited]']);
  });

  it('a parameter, assignment, loop, with, except or comprehension variable shadows a module function', () => {
    const { edges } = resolveRepo({
      'm.py': [
        'def f():',
        '    pass',
        '',
        '',
        'def p1(f):',
        '    f()',
        '',
        '',
        'def p2():',
        '    f = len',
        '    f()',
        '',
        '',
        'def p3(xs):',
        '    for f in xs:',
        '        f()',
        '',
        '',
        'def p4(cm):',
        '    with cm as f:',
        '        f()',
        '',
        '',
        'def p5():',
        '    try:',
        '        pass',
        '    except Exception as f:',
        '        f()',
        '',
        '',
        'def p6(xs):',
        '    return [f() for f in xs]',
        '',
        '',
        'def p7():',
        '    def f():',
        '        pass',
        '    f()',
        '',
        '',
        'def ok():',
        '    f()',
        '',
        '',
        'def ok2(x,',
        '        f=f):',
        '    f()',
        '',
      ].join('\n'),
    });
    for (const name of ['p1', 'p2', 'p3', 'p4', 'p5', 'p6']) expect(callsFrom(edges, `${name}@m.py`), name).toEqual([]);
    expect(callsFrom(edges, 'p7@m.py')).toEqual(['calls p7@m.py -> p7.f@m.py [local]']);
    expect(callsFrom(edges, 'ok@m.py')).toEqual(['calls ok@m.py -> f@m.py [local]']);
    // `def g(f=f)` keeps the module function in reach under its own name (a shutdown-safe idiom)
    expect(callsFrom(edges, 'ok2@m.py')).toEqual(['calls ok2@m.py -> f@m.py [local]']);
  });

  it('resolves self.attr.m() through a single `self.attr = C()` in __init__, and x.m() on a parameter annotated x: C', () => {
    const { edges, unresolved } = resolveRepo({
      'svc.py': 'class Store:\n    def get(self):\n        pass\n\n\nclass Other:\n    def get(self):\n        pass\n',
      'app.py': [
        'from svc import Store, Other',
        '',
        '',
        'class App:',
        '    def __init__(self):',
        '        self.store = Store()',
        '        self.cache: Store = make()',
        '        self.either = Store()',
        '',
        '    def run(self):',
        '        self.store.get()',
        '        self.cache.get()',
        '        self.either.get()',
        '',
        '    def reset(self):',
        '        self.either = Other()',
        '',
        '',
        'def use(s: Store, o: "Other", u):',
        '    s.get()',
        '    o.get()',
        '    u.get()',
        '',
      ].join('\n'),
    });
    expect(callsFrom(edges, 'App.run@app.py')).toEqual([
      'calls App.run@app.py -> Store.get@svc.py [member]',
      'calls App.run@app.py -> Store.get@svc.py [member]',
    ]);
    expect(callsFrom(edges, 'use@app.py')).toEqual(['calls use@app.py -> Other.get@svc.py [member]', 'calls use@app.py -> Store.get@svc.py [member]']);
    // self.either is assigned in two methods (ambiguous) and u has no annotation: counted, not guessed
    expect(unresolved['app.py']).toBeGreaterThanOrEqual(2);
  });

  it('types a receiver by the return annotation of the function that made it, and a local assigned once from a call', () => {
    const { edges } = resolveRepo({
      'svc.py': [
        'class Parser:',
        '    def parse(self):',
        '        pass',
        '',
        '',
        'def make() -> Parser:',
        '    return Parser()',
        '',
        '',
        'def unknown():',
        '    return Parser()',
        '',
      ].join('\n'),
      'app.py': [
        'import svc',
        'from svc import Parser, make, unknown',
        '',
        '',
        'class Holder:',
        '    def __init__(self):',
        '        self.p = make()',
        '        self.q = svc.make()',
        '',
        '    def go(self):',
        '        self.p.parse()',
        '        self.q.parse()',
        '',
        '',
        'def direct():',
        '    p = Parser()',
        '    p.parse()',
        '',
        '',
        'def annotated():',
        '    q = make()  # a comment',
        '    q.parse()',
        '',
        '',
        'def no_annotation():',
        '    r = unknown()',
        '    r.parse()',
        '',
        '',
        'def reassigned(flag):',
        '    s = Parser()',
        '    if flag:',
        '        s = other()',
        '    s.parse()',
        '',
        '',
        'def loop(items):',
        '    for t in items:',
        '        t.parse()',
        '    t = Parser()',
        '    t.parse()',
        '',
        '',
        'def unpacked(pair):',
        '    u, v = pair',
        '    u = Parser()',
        '    u.parse()',
        '',
        '',
        'def with_as(cm):',
        '    with cm as w:',
        '        w = Parser()',
        '        w.parse()',
        '',
      ].join('\n'),
    });
    expect(callsFrom(edges, 'Holder.go@app.py')).toEqual(['calls Holder.go@app.py -> Parser.parse@svc.py [member]', 'calls Holder.go@app.py -> Parser.parse@svc.py [member]']);
    expect(callsFrom(edges, 'direct@app.py').sort()).toEqual(['calls direct@app.py -> Parser.parse@svc.py [member]', 'calls direct@app.py -> Parser@svc.py [import]']);
    expect(callsFrom(edges, 'annotated@app.py').sort()).toEqual(['calls annotated@app.py -> Parser.parse@svc.py [member]', 'calls annotated@app.py -> make@svc.py [import]']);
    // No annotation, bound twice, bound by a loop, a tuple or `with … as`: counted, never guessed.
    for (const fn of ['no_annotation', 'reassigned', 'loop', 'unpacked', 'with_as']) {
      expect(callsFrom(edges, `${fn}@app.py`).filter((e) => e.includes('Parser.parse')), fn).toEqual([]);
    }
  });
});
