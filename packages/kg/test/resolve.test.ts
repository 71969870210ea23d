import { describe, expect, it } from 'vitest';
import { resolveRepo } from './support/resolve-repo.js';

describe('call and name resolution', () => {
  it('follows Python dotted imports through packages and submodules', () => {
    const { edges } = resolveRepo({
      'a/__init__.py': '',
      'a/b.py': 'def f() -> None:\n    pass\n',
      'main.py': 'import a.b\nimport a.b as ab\n\n\ndef run():\n    a.b.f()\n    ab.f()\n',
    });
    // one edge per call site: `a.b.f()` walks package a → submodule b; `ab.f()` goes through the alias
    expect(edges.filter((e) => e.startsWith('calls run@main.py'))).toEqual([
      'calls run@main.py -> f@a/b.py [namespace]',
      'calls run@main.py -> f@a/b.py [namespace]',
    ]);
  });

  it('resolves star imports and __init__ re-exports', () => {
    const { edges } = resolveRepo({
      'pkg/__init__.py': 'from .impl import *\n',
      'pkg/impl.py': 'def tool():\n    pass\n',
      'use.py': 'from pkg import tool\n\n\ndef go():\n    tool()\n',
    });
    expect(edges).toContain('calls go@use.py -> tool@pkg/impl.py [import]');
  });

  it('keeps calls on names a star import may bind for the global pass', () => {
    const { edges, unresolved } = resolveRepo({
      'pkg/__init__.py': 'from .impl import *\n',
      'pkg/impl.py': 'def tool():\n    pass\n',
      'star.py': 'from pkg import *\n\n\ndef go():\n    tool()\n    missing()\n',
    });
    expect(edges).toContain('calls go@star.py -> tool@pkg/impl.py [import]');
    expect(unresolved['star.py']).toBe(1);
  });

  it('resolves TS namespace imports, default exports and aliases', () => {
    const { edges } = resolveRepo({
      'src/util.ts': 'export function slug(s: string): string { return s; }\nexport default function main(): void {}\n',
      'src/app.ts': "import * as util from './util';\nimport run from './util';\nimport { slug as s } from './util';\nexport function start(): void {\n  util.slug('a');\n  run();\n  s('b');\n}\n",
    });
    const calls = edges.filter((e) => e.startsWith('calls start@'));
    expect(calls).toEqual([
      'calls start@src/app.ts -> main@src/util.ts [import]',
      'calls start@src/app.ts -> slug@src/util.ts [import]',
      'calls start@src/app.ts -> slug@src/util.ts [namespace]',
    ]);
  });

  it('prefers the innermost scope: a nested function shadows a module function', () => {
    const { edges } = resolveRepo({
      'm.py': 'def helper():\n    pass\n\n\ndef outer():\n    def helper():\n        pass\n    helper()\n',
    });
    expect(edges).toContain('calls outer@m.py -> outer.helper@m.py [local]');
    expect(edges).not.toContain('calls outer@m.py -> helper@m.py [local]');
  });

  it('climbs base classes for self/this and super calls', () => {
    const { edges } = resolveRepo({
      'base.py': 'class A:\n    def ping(self):\n        pass\n',
      'child.py': 'from base import A\n\n\nclass B(A):\n    def ping(self):\n        super().ping()\n\n    def go(self):\n        self.ping()\n',
      'k.ts': 'class P { hello(): void {} }\nexport class Q extends P { hello(): void { super.hello(); } run(): void { this.hello(); } }\n',
    });
    expect(edges).toContain('calls B.ping@child.py -> A.ping@base.py [inherited]');
    expect(edges).toContain('calls B.go@child.py -> B.ping@child.py [member]');
    expect(edges).toContain('calls Q.hello@k.ts -> P.hello@k.ts [inherited]');
    expect(edges).toContain('calls Q.run@k.ts -> Q.hello@k.ts [member]');
  });

  it('never guesses: calls on unknown receivers stay unresolved, calls into packages count as external', () => {
    const { edges, unresolved, external } = resolveRepo({
      'x.py': 'import json\n\n\ndef f(obj):\n    obj.save()\n    json.dumps(obj)\n    print(obj)\n    (lambda: 1)()\n',
    });
    expect(edges.filter((e) => e.startsWith('calls'))).toEqual([]);
    expect(unresolved['x.py']).toBe(3);
    expect(external['x.py']).toBe(1);
  });

  it('resolves static members and enum-like access through the class', () => {
    const { edges } = resolveRepo({
      'f.ts': 'export class Factory { static create(): Factory { return new Factory(); } }\nexport function build(): Factory { return Factory.create(); }\n',
    });
    expect(edges).toContain('calls build@f.ts -> Factory.create@f.ts [member]');
    expect(edges).toContain('calls Factory.create@f.ts -> Factory@f.ts [local]');
    expect(edges).toContain('returns_type build@f.ts -> Factory@f.ts [local]');
  });
});
