import { describe, expect, it } from 'vitest';
import { extractPython } from '../src/extract/python.js';
import type { ExtractedObject, ExtractResult, RawCall } from '../src/extract/types.js';

function extract(source: string, filePath = 'pkg/mod.py', moduleName = 'pkg.mod'): ExtractResult {
  return extractPython({ filePath, source, moduleName });
}

/** Build a source from lines, so indentation in tests reads as Python. */
const py = (...lines: string[]): string => `${lines.join('\n')}\n`;

function objectAt(result: ExtractResult, qualifiedName: string, kind?: ExtractedObject['kind'], ordinal = 0): ExtractedObject {
  const found = result.objects.find(
    (o) => o.qualifiedName === qualifiedName && (kind === undefined || o.kind === kind) && o.ordinal === ordinal,
  );
  if (found === undefined) {
    throw new Error(`no object ${kind ?? ''} ${qualifiedName}#${ordinal}; have ${result.objects.map((o) => `${o.kind} ${o.qualifiedName}#${o.ordinal}`).join(', ')}`);
  }
  return found;
}

const summary = (result: ExtractResult): string[] =>
  result.objects.map((o) => `${o.kind} ${o.qualifiedName}${o.ordinal > 0 ? `#${o.ordinal}` : ''} ${o.startLine}-${o.endLine}`);

const callTargets = (result: ExtractResult): string[] =>
  result.calls.map((c: RawCall) => {
    const t = c.target;
    const target =
      t.form === 'name'
        ? t.name
        : t.form === 'self'
          ? `${t.viaSuper ? 'super' : 'self'}.${t.property}`
          : t.form === 'member'
            ? `${t.object}.${t.property}`
            : t.form;
    return `${c.from}:${c.line} ${target}`;
  });

describe('extractPython: the module object', () => {
  it('comes first, named after the module, spanning the file, with the module docstring', () => {
    const result = extract(py('"""Module doc.', '', '   More."""', 'x = 1'), 'src/pkg/mod.py', 'pkg.mod');
    expect(result.language).toBe('py');
    expect(result.objects[0]).toEqual({
      kind: 'module',
      name: 'mod',
      qualifiedName: 'pkg.mod',
      signature: 'src/pkg/mod.py',
      startLine: 1,
      endLine: 4,
      params: null,
      returns: null,
      fields: null,
      doc: 'Module doc.\n\nMore.',
      exported: true,
      metadata: { language: 'py' },
      ordinal: 0,
    });
  });

  it('counts the last line without a trailing newline and treats an empty file as one line', () => {
    expect(extract('a = 1\nb = 2').objects[0]?.endLine).toBe(2);
    expect(extract('').objects[0]?.endLine).toBe(1);
    expect(extract('').objects).toHaveLength(1);
  });
});

describe('extractPython: definitions', () => {
  it('starts a decorated definition at its first decorator and ends it at its last statement, not at trailing comments', () => {
    const result = extract(
      py(
        '@first',
        '# between',
        '@second(arg=1)',
        'def f():',
        '    return 1',
        '    # trailing comment inside the block',
        '',
        '# a comment at column 0',
        '',
        'class C:',
        '    def m(self):',
        '        pass',
        '        # trailing',
      ),
    );
    expect(summary(result)).toEqual(['module pkg.mod 1-13', 'function f 1-5', 'class C 10-12', 'method C.m 11-12']);
    expect(objectAt(result, 'f').metadata.decorators).toEqual(['@first', '@second(arg=1)']);
    expect(objectAt(result, 'f').signature).toBe('def f()');
  });

  it('marks async functions and methods', () => {
    const result = extract(py('async def fetch(url: str) -> bytes:', '    ...', 'class A:', '    async def run(self): ...'));
    expect(objectAt(result, 'fetch').signature).toBe('async def fetch(url: str) -> bytes');
    expect(objectAt(result, 'fetch').metadata.modifiers).toEqual(['async']);
    expect(objectAt(result, 'A.run', 'method').metadata.modifiers).toEqual(['async']);
  });

  it('reads static, class, abstract and overloaded methods from their decorators', () => {
    const result = extract(
      py(
        'class A:',
        '    @staticmethod',
        '    def s(x): ...',
        '    @classmethod',
        '    def c(cls): ...',
        '    @abc.abstractmethod',
        '    def a(self): ...',
        '    @typing.overload',
        '    def o(self, x: int) -> int: ...',
        '    def plain(self): ...',
      ),
    );
    expect(objectAt(result, 'A.s').metadata.modifiers).toEqual(['staticmethod']);
    expect(objectAt(result, 'A.c').metadata.modifiers).toEqual(['classmethod']);
    expect(objectAt(result, 'A.a').metadata.modifiers).toEqual(['abstract']);
    expect(objectAt(result, 'A.o').metadata.modifiers).toEqual(['overload']);
    expect(objectAt(result, 'A.plain').metadata).toEqual({ language: 'py' });
  });

  it('tells property getters, setters and deleters apart, with ordinals for the redefinitions', () => {
    const result = extract(
      py(
        'class A:',
        '    @property',
        '    def x(self): return self._x',
        '    @x.setter',
        '    def x(self, value): self._x = value',
        '    @x.deleter',
        '    def x(self): del self._x',
        '    @functools.cached_property',
        '    def y(self): return 1',
      ),
    );
    expect(objectAt(result, 'A.x', 'method', 0).metadata.modifiers).toEqual(['property']);
    expect(objectAt(result, 'A.x', 'method', 1).metadata.modifiers).toEqual(['setter']);
    expect(objectAt(result, 'A.x', 'method', 2).metadata.modifiers).toEqual(['deleter']);
    expect(objectAt(result, 'A.y').metadata.modifiers).toEqual(['property']);
  });

  it('qualifies nested functions and classes like __qualname__ without <locals>', () => {
    const result = extract(
      py(
        'def outer():',
        '    def inner():',
        '        def innermost(): pass',
        '    class Local:',
        '        def m(self): pass',
        'class Foo:',
        '    def meth(self):',
        '        def helper(): pass',
        '    class Inner:',
        '        def m(self): pass',
        'f = lambda: 0',
      ),
    );
    expect(result.objects.map((o) => `${o.kind} ${o.qualifiedName}`)).toEqual([
      'module pkg.mod',
      'function outer',
      'function outer.inner',
      'function outer.inner.innermost',
      'class outer.Local',
      'method outer.Local.m',
      'class Foo',
      'method Foo.meth',
      'function Foo.meth.helper',
      'class Foo.Inner',
      'method Foo.Inner.m',
    ]);
  });

  it('finds definitions inside if/else, try/except/finally, with, for, while and match blocks', () => {
    const result = extract(
      py(
        'import sys',
        'if sys.platform == "win32":',
        '    def f(): pass',
        'else:',
        '    def f(): return 1',
        'try:',
        '    def g(): pass',
        'except ImportError:',
        '    def h(): pass',
        'finally:',
        '    def i(): pass',
        'with ctx:',
        '    def j(): pass',
        'for _ in range(1):',
        '    def k(): pass',
        'while False:',
        '    def l(): pass',
        'match sys.argv:',
        '    case [_, "x"]:',
        '        def m(): pass',
        'class C:',
        '    if True:',
        '        def meth(self): pass',
        '    else:',
        '        x: int = 1',
      ),
    );
    expect(result.objects.map((o) => `${o.kind} ${o.qualifiedName}${o.ordinal ? `#${o.ordinal}` : ''}`)).toEqual([
      'module pkg.mod',
      'function f',
      'function f#1',
      'function g',
      'function h',
      'function i',
      'function j',
      'function k',
      'function l',
      'function m',
      'class C',
      'method C.meth',
      'property C.x',
    ]);
  });

  it('numbers redefinitions of the same name and kind in source order', () => {
    const result = extract(py('def f(): pass', 'def f(a): pass', 'class f: pass', 'def f(a, b): pass'));
    expect(result.objects.filter((o) => o.name === 'f').map((o) => `${o.kind}#${o.ordinal} ${o.startLine}`)).toEqual([
      'function#0 1',
      'function#1 2',
      'class#0 3',
      'function#2 4',
    ]);
  });

  it('reads every parameter form: positional-only, keyword-only, defaults, annotations, *args, **kwargs', () => {
    const result = extract(
      py(
        'def f(a, b: int, /, c=1, d: "str | None" = None, *args: int, e, f: bool = True, **kw) -> list[int]:',
        '    pass',
        'def g(self, *, key=lambda x=1: x, sep: str = ", "): pass',
        'def h(a, \\',
        '      b,  # a comment',
        '      c=(1, 2),',
        '): pass',
      ),
    );
    const f = objectAt(result, 'f');
    expect(f.params).toEqual([
      { name: 'a', type: null, optional: false, default: null, rest: false },
      { name: 'b', type: 'int', optional: false, default: null, rest: false },
      { name: 'c', type: null, optional: true, default: '1', rest: false },
      { name: 'd', type: '"str | None"', optional: true, default: 'None', rest: false },
      { name: 'args', type: 'int', optional: false, default: null, rest: true },
      { name: 'e', type: null, optional: false, default: null, rest: false },
      { name: 'f', type: 'bool', optional: true, default: 'True', rest: false },
      { name: 'kw', type: null, optional: false, default: null, rest: true },
    ]);
    expect(f.returns).toEqual({ type: 'list[int]' });
    expect(f.signature).toBe('def f(a, b: int, /, c=1, d: "str | None" = None, *args: int, e, f: bool = True, **kw) -> list[int]');
    expect(f.metadata.positionalOnly).toEqual(['a', 'b']);
    expect(f.metadata.keywordOnly).toEqual(['e', 'f']);

    const g = objectAt(result, 'g');
    expect(g.params?.map((p) => [p.name, p.default])).toEqual([
      ['self', null],
      ['key', 'lambda x=1: x'],
      ['sep', '", "'],
    ]);
    expect(g.signature).toBe('def g(self, *, key=lambda x=1: x, sep: str = ", ")');
    expect(g.metadata.keywordOnly).toEqual(['key', 'sep']);
    expect(g.returns).toBeNull();

    expect(objectAt(result, 'h').params?.map((p) => [p.name, p.default])).toEqual([
      ['a', null],
      ['b', null],
      ['c', '(1, 2)'],
    ]);
    expect(objectAt(result, 'h').signature).toBe('def h(a, b, c=(1, 2))');
  });

  it('records annotated module variables and class properties, with long values cut', () => {
    const long = 'x'.repeat(300);
    const result = extract(py('x: int = 1', 'y: "Foo"', `z: str = "${long}"`, 'plain = 2', 'class A:', '    a: ClassVar[int] = 0', '    b = 1'));
    expect(objectAt(result, 'x', 'variable')).toMatchObject({ signature: 'x: int = 1', startLine: 1, endLine: 1, params: null, fields: null, exported: true });
    expect(objectAt(result, 'y', 'variable').signature).toBe('y: "Foo"');
    const z = objectAt(result, 'z', 'variable').signature;
    expect(z.startsWith('z: str = "xxx')).toBe(true);
    expect(z.endsWith('…')).toBe(true);
    expect(z.length).toBe('z: str = '.length + 120);
    expect(objectAt(result, 'A.a', 'property').signature).toBe('a: ClassVar[int] = 0');
    expect(result.objects.some((o) => o.name === 'plain' || o.name === 'b')).toBe(false);
  });

  it('keeps the definitions of a .pyi stub', () => {
    const result = extract(py('from typing import overload', 'class A:', '    x: int', '    def f(self, a: int = ...) -> str: ...', 'def g() -> None: ...'), 'pkg/mod.pyi');
    expect(summary(result)).toEqual(['module pkg.mod 1-5', 'class A 2-4', 'property A.x 3-3', 'method A.f 4-4', 'function g 5-5']);
    expect(objectAt(result, 'A.f').params?.[1]).toEqual({ name: 'a', type: 'int', optional: true, default: '...', rest: false });
  });
});

describe('extractPython: fields and models', () => {
  it('collects class-level annotations, plain assignments and self.x in __init__, first definition winning', () => {
    const result = extract(
      py(
        'class Point:',
        '    dims: ClassVar[int] = 2',
        '    x: int = 0',
        '    label: Optional[str]',
        '    ORIGIN = None',
        '    a = b = 1',
        '    def __init__(me, x: int, scale=1):',
        '        me.x = x',
        '        me.scale: float = scale',
        '        if scale:',
        '            me.cache = {}',
        '        other.y = 1',
        '        def nested():',
        '            me.hidden = 1',
        '    def move(self):',
        '        self.moved = True',
      ),
    );
    expect(objectAt(result, 'Point').fields).toEqual([
      { name: 'dims', type: 'ClassVar[int]', optional: true, default: '2', modifiers: ['ClassVar'] },
      { name: 'x', type: 'int', optional: true, default: '0' },
      { name: 'label', type: 'Optional[str]', optional: true, default: null },
      { name: 'ORIGIN', type: null, optional: true, default: 'None' },
      { name: 'a', type: null, optional: true, default: '1' },
      { name: 'b', type: null, optional: true, default: '1' },
      { name: 'scale', type: 'float', optional: true, default: 'scale', modifiers: ['instance'] },
      { name: 'cache', type: null, optional: true, default: '{}', modifiers: ['instance'] },
    ]);
  });

  it('reads lambda defaults and chained targets, and skips tuple, subscript and augmented targets', () => {
    const result = extract(
      py(
        'class K:',
        '    f = lambda x=1: x',
        '    a, b = 1, 2',
        '    items[0] = 3',
        '    def __init__(self):',
        '        self.p = self.q = None',
        '        self.r += 1',
        '        self.s[0] = 1',
        '        x, self.t = 1, 2',
      ),
    );
    expect(objectAt(result, 'K').fields).toEqual([
      { name: 'f', type: null, optional: true, default: 'lambda x=1: x' },
      { name: 'p', type: null, optional: true, default: 'None', modifiers: ['instance'] },
      { name: 'q', type: null, optional: true, default: 'None', modifiers: ['instance'] },
    ]);
  });

  it('gives classes without fields an empty list and other kinds null', () => {
    const result = extract(py('class Empty:', '    def m(self): pass'));
    expect(objectAt(result, 'Empty').fields).toEqual([]);
    expect(objectAt(result, 'Empty.m').fields).toBeNull();
    expect(result.objects[0]?.fields).toBeNull();
  });

  it('recognises dataclasses, attrs, TypedDict, NamedTuple, pydantic and enum models', () => {
    const result = extract(
      py(
        '@dataclass(frozen=True)',
        'class D:',
        '    a: int',
        '    b: list[int] = field(default_factory=list)',
        '@dataclasses.dataclass',
        'class D2: pass',
        '@attr.s',
        'class At: pass',
        '@define',
        'class At2: pass',
        'class TD(TypedDict, total=False):',
        '    name: str',
        'class NT(typing.NamedTuple):',
        '    x: int',
        '    y: int = 0',
        'class M(pydantic.BaseModel):',
        '    id: int',
        'class Color(enum.IntEnum):',
        '    RED = 1',
        '    GREEN = 2',
        'class Plain(Base): pass',
      ),
    );
    const model = (name: string): unknown => objectAt(result, name).metadata.model;
    expect(['D', 'D2', 'At', 'At2', 'TD', 'NT', 'M', 'Color', 'Plain'].map(model)).toEqual([
      'dataclass',
      'dataclass',
      'dataclass',
      'dataclass',
      'typeddict',
      'namedtuple',
      'pydantic',
      'enum',
      undefined,
    ]);
    expect(objectAt(result, 'D').fields).toEqual([
      { name: 'a', type: 'int', optional: false, default: null },
      { name: 'b', type: 'list[int]', optional: true, default: 'field(default_factory=list)' },
    ]);
    expect(objectAt(result, 'Color').fields?.map((f) => f.name)).toEqual(['RED', 'GREEN']);
    expect(objectAt(result, 'TD').metadata.keywords).toEqual(['total=False']);
  });

  it('turns functional namedtuple, NamedTuple and TypedDict forms into classes with fields', () => {
    const result = extract(
      py(
        "P = namedtuple('P', ['x', 'y'])",
        "Q = collections.namedtuple('Q', 'a b, c')",
        "R = NamedTuple('R', [('id', int), ('name', str)])",
        "T = TypedDict('T', {'k': int, 'v': 'Foo'}, total=False)",
        "U = typing.NamedTuple('U', a=int)",
        'not_a_class = namedtuple(name, fields)',
      ),
    );
    expect(summary(result)).toEqual(['module pkg.mod 1-6', 'class P 1-1', 'class Q 2-2', 'class R 3-3', 'class T 4-4', 'class U 5-5']);
    const fields = (name: string): string[] => (objectAt(result, name).fields ?? []).map((f) => `${f.name}:${f.type ?? '-'}`);
    expect(fields('P')).toEqual(['x:-', 'y:-']);
    expect(fields('Q')).toEqual(['a:-', 'b:-', 'c:-']);
    expect(fields('R')).toEqual(['id:int', 'name:str']);
    expect(fields('T')).toEqual(["k:int", "v:'Foo'"]);
    expect(fields('U')).toEqual(['a:int']);
    expect(objectAt(result, 'P').metadata).toEqual({ language: 'py', model: 'namedtuple', functional: true });
    expect(objectAt(result, 'T').metadata.model).toBe('typeddict');
    expect(objectAt(result, 'P').signature).toBe("P = namedtuple('P', ['x', 'y'])");
  });
});

describe('extractPython: docstrings', () => {
  it('cleans indentation like inspect.cleandoc and decodes escapes', () => {
    const result = extract(
      py(
        'def f():',
        '    """Summary line.',
        '',
        '        Indented more.',
        '    Back.\\tTabbed \\u00e9 \\',
        '    continued.',
        '    """',
        'def raw():',
        '    r"""Keep \\n as written."""',
        'def joined():',
        '    "one " "two"',
        'class C:',
        '    # a comment first',
        "    '''Class doc.'''",
      ),
    );
    // What ast.get_docstring returns for it (tabs expanded, the escaped newline joins the lines).
    expect(objectAt(result, 'f').doc).toBe('Summary line.\n\n    Indented more.\nBack.       Tabbed é     continued.');
    expect(objectAt(result, 'raw').doc).toBe('Keep \\n as written.');
    expect(objectAt(result, 'joined').doc).toBe('one two');
    expect(objectAt(result, 'C').doc).toBe('Class doc.');
  });

  it('takes no docstring from bytes, f-strings, expressions or later statements', () => {
    const result = extract(
      py(
        'def b():',
        '    b"bytes"',
        'def fs():',
        '    f"{x}"',
        'def call():',
        '    "sep".join(x)',
        'def later():',
        '    x = 1',
        '    "not a docstring"',
        'def none(): pass',
      ),
    );
    expect(['b', 'fs', 'call', 'later', 'none'].map((n) => objectAt(result, n).doc)).toEqual([null, null, null, null, null]);
  });

  it('reads docstrings of CRLF files with Unix newlines and lines unchanged', () => {
    const result = extract('def f():\r\n    """Two\r\n    lines."""\r\n    return 1\r\n');
    expect(objectAt(result, 'f')).toMatchObject({ doc: 'Two\nlines.', startLine: 1, endLine: 4 });
  });
});

describe('extractPython: exports', () => {
  it('exports the names listed in a literal __all__, appended to with += and extend', () => {
    const result = extract(
      py(
        "__all__ = ['f', 'C']",
        "__all__ += ['g']",
        "__all__.extend(['_h'])",
        'def f(): pass',
        'def g(): pass',
        'def _h(): pass',
        'def unlisted(): pass',
        'class C:',
        '    def public(self): pass',
        '    def _private(self): pass',
        '    def __init__(self): pass',
        '    attr: int',
        '    class Nested:',
        '        def m(self): pass',
        'class D:',
        '    def public(self): pass',
      ),
    );
    expect(result.explicitExports).toEqual(['f', 'C', 'g', '_h']);
    const exported = result.objects.filter((o) => o.exported).map((o) => o.qualifiedName);
    expect(exported).toEqual(['pkg.mod', 'f', 'g', '_h', 'C', 'C.public', 'C.__init__', 'C.attr', 'C.Nested', 'C.Nested.m']);
  });

  it('without __all__ exports public top-level names, never nested functions', () => {
    const result = extract(py('def f():', '    def inner(): pass', 'def _private(): pass', 'x: int = 1', '_y: int = 2', 'class C:', '    def m(self): pass'));
    expect(result.explicitExports).toBeNull();
    expect(result.objects.map((o) => `${o.qualifiedName}=${o.exported}`)).toEqual([
      'pkg.mod=true',
      'f=true',
      'f.inner=false',
      '_private=false',
      'x=true',
      '_y=false',
      'C=true',
      'C.m=true',
    ]);
  });

  it('treats a computed __all__ as unknown', () => {
    const result = extract(py("__all__ = ['a'] + other.__all__", 'def a(): pass', 'def b(): pass'));
    expect(result.explicitExports).toBeNull();
    expect(objectAt(result, 'b').exported).toBe(true);
  });
});

describe('extractPython: imports', () => {
  it('reports every import form as written', () => {
    const result = extract(
      py(
        'from __future__ import annotations',
        'import a.b.c',
        'import a.b as c, d',
        'from a.b import x, y as z',
        'from . import sibling',
        'from ..pkg import *',
        'from .mod import (',
        '    one,  # comment',
        '    two as deux,',
        ')',
        'try:',
        '    import fast',
        'except ImportError:',
        '    import slow as fast',
        'def lazy():',
        '    from os import path',
      ),
    );
    expect(result.imports.map(({ specifier, level, names, line }) => ({ specifier, level, names, line }))).toEqual([
      { specifier: 'a.b.c', level: 0, names: [{ imported: '*', local: 'a' }], line: 2 },
      { specifier: 'a.b', level: 0, names: [{ imported: '*', local: 'c' }], line: 3 },
      { specifier: 'd', level: 0, names: [{ imported: '*', local: 'd' }], line: 3 },
      { specifier: 'a.b', level: 0, names: [{ imported: 'x', local: 'x' }, { imported: 'y', local: 'z' }], line: 4 },
      { specifier: '', level: 1, names: [{ imported: 'sibling', local: 'sibling' }], line: 5 },
      { specifier: 'pkg', level: 2, names: [{ imported: '*', local: null }], line: 6 },
      { specifier: 'mod', level: 1, names: [{ imported: 'one', local: 'one' }, { imported: 'two', local: 'deux' }], line: 7 },
      { specifier: 'fast', level: 0, names: [{ imported: '*', local: 'fast' }], line: 12 },
      { specifier: 'slow', level: 0, names: [{ imported: '*', local: 'fast' }], line: 14 },
      { specifier: 'os', level: 0, names: [{ imported: 'path', local: 'path' }], line: 16 },
    ]);
    expect(result.imports.every((i) => !i.reexport && !i.typeOnly)).toBe(true);
  });

  it('marks imports under `if TYPE_CHECKING:` type-only, not those in its else branch', () => {
    const result = extract(
      py(
        'from typing import TYPE_CHECKING',
        'import typing',
        'if TYPE_CHECKING:',
        '    from foo import Bar',
        '    if sys.version_info >= (3, 11):',
        '        import nested',
        'else:',
        '    Bar = None',
        '    import runtime',
        'if typing.TYPE_CHECKING:',
        '    import qualified',
      ),
    );
    expect(result.imports.map((i) => `${i.specifier}:${i.typeOnly}`)).toEqual([
      'typing:false',
      'typing:false',
      'foo:true',
      'nested:true',
      'runtime:false',
      'qualified:true',
    ]);
  });
});

describe('extractPython: calls', () => {
  it('classifies name, self, cls, super, member and dynamic calls', () => {
    const result = extract(
      py(
        'class A(Base):',
        '    def m(self):',
        '        helper()',
        '        self.other()',
        '        super().m()',
        '        pkg.mod.func()',
        '        obj.method()',
        '        make()()',
        '        items[0]()',
        '        "-".join(parts)',
        '        a.b(x).c()',
        '    @classmethod',
        '    def k(cls):',
        '        cls.build()',
      ),
    );
    expect(callTargets(result)).toEqual([
      'A.m:3 helper',
      'A.m:4 self.other',
      'A.m:5 super',
      'A.m:5 super.m',
      'A.m:6 pkg.mod.func',
      'A.m:7 obj.method',
      'A.m:8 make',
      'A.m:8 dynamic',
      'A.m:9 dynamic',
      'A.m:10 dynamic',
      'A.m:11 a.b',
      'A.m:11 dynamic',
      'A.k:14 self.build',
    ]);
    expect(result.calls.filter((c) => c.target.form === 'self').map((c) => c.target)).toEqual([
      { form: 'self', property: 'other' },
      { form: 'self', property: 'm', viaSuper: true },
      { form: 'self', property: 'build' },
    ]);
    expect(result.calls.find((c) => c.target.form === 'member')?.target).toEqual({ form: 'member', object: 'pkg.mod', property: 'func' });
  });

  it('attributes calls to the innermost definition; decorators and module code to the enclosing scope', () => {
    const result = extract(
      py(
        'setup()',
        '@register(name="x")',
        'class C:',
        '    attr = compute()',
        '    @decorate()',
        '    def m(self, d=default()):',
        '        def inner():',
        '            deep()',
        '        return f"{fmt(self)!r:>{width()}}"',
        'teardown()',
      ),
    );
    expect(result.calls.map((c) => `${c.fromKind} ${c.from}:${c.line} ${c.target.form === 'name' ? c.target.name : c.target.form}`)).toEqual([
      'module pkg.mod:1 setup',
      'module pkg.mod:2 register',
      'class C:4 compute',
      'class C:5 decorate',
      'method C.m:6 default',
      'function C.m.inner:8 deep',
      'method C.m:9 fmt',
      'method C.m:9 width',
      'module pkg.mod:10 teardown',
    ]);
  });

  it('does not take definitions, keywords, strings, comments or the next statement for calls', () => {
    const result = extract(
      py(
        'def f(a, b=(1, 2)) -> (int):',
        '    if (a): return (b)',
        '    x = y',
        '    (z)',
        '    s = "not_a_call(1)"  # nor_this(2)',
        '    t = """also(not)"""',
        '    return not (a) or print (b)',
        'class C(Base, metaclass=M): pass',
        'match(pattern, text)',
        'match command:',
        '    case Point(x=0):',
        '        pass',
        '    case Other(y) if check(y):',
        '        pass',
      ),
    );
    expect(callTargets(result)).toEqual(['f:7 print', 'pkg.mod:9 match', 'pkg.mod:13 check']);
  });
});

describe('extractPython: heritage and type references', () => {
  it('reports bases without type arguments, skipping keywords and computed bases', () => {
    const result = extract(py('class A(B, mod.C, Generic[T], metaclass=M): pass', 'class D(with_metaclass(M, B), *mixins): pass', 'class E: pass'));
    expect(result.heritage).toEqual([
      { from: 'A', fromKind: 'class', line: 1, kind: 'extends', target: 'B' },
      { from: 'A', fromKind: 'class', line: 1, kind: 'extends', target: 'mod.C' },
      { from: 'A', fromKind: 'class', line: 1, kind: 'extends', target: 'Generic' },
    ]);
    expect(objectAt(result, 'A').signature).toBe('class A(B, mod.C, Generic[T], metaclass=M)');
    expect(objectAt(result, 'A').metadata.keywords).toEqual(['metaclass=M']);
    expect(objectAt(result, 'E').signature).toBe('class E');
  });

  it('reads named types from annotations, string annotations included, builtins and literals excluded', () => {
    const result = extract(
      py(
        'def f(a: Optional[List[mod.Foo]], b: "Bar | None", c: int, d: Literal["x", "Baz"]) -> Dict[str, "pkg.Qux"]:',
        '    pass',
        'def g(a: Annotated[Foo, Field(gt=0)], b: Foo) -> None: pass',
        'v: Optional[Foo] = None',
        'class C:',
        '    p: ClassVar[Bar]',
      ),
    );
    expect(result.typeRefs.map((r) => `${r.fromKind} ${r.from}:${r.line} ${r.kind} ${r.target}`)).toEqual([
      'function f:1 uses_type Optional',
      'function f:1 uses_type List',
      'function f:1 uses_type mod.Foo',
      'function f:1 uses_type Bar',
      'function f:1 uses_type Literal',
      'function f:1 returns_type Dict',
      'function f:1 returns_type pkg.Qux',
      'function g:3 uses_type Annotated',
      'function g:3 uses_type Foo',
      'variable v:4 uses_type Optional',
      'variable v:4 uses_type Foo',
      'property C.p:6 uses_type ClassVar',
      'property C.p:6 uses_type Bar',
    ]);
  });
});

describe('extractPython: robustness', () => {
  it('still yields what parsed before a syntax error, and counts the errors', () => {
    const result = extract(py('def ok(a):', '    return a', 'class Fine:', '    x: int', 'def broken(:', '    pass'));
    expect(result.syntaxErrors).toBeGreaterThan(0);
    expect(result.objects.map((o) => o.qualifiedName).slice(0, 4)).toEqual(['pkg.mod', 'ok', 'Fine', 'Fine.x']);
    expect(objectAt(result, 'ok')).toMatchObject({ startLine: 1, endLine: 2 });
  });

  it('reports no syntax errors for valid code', () => {
    expect(extract(py('def f(): pass')).syntaxErrors).toBe(0);
  });

  it('uses UTF-16 string indices: non-ASCII text before a definition leaves names, lines and text intact', () => {
    const result = extract(
      py('s = "ü😀 ünïcödé 🎉"', '# 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 comment', 'def grüße(naïve: "Δ", /, *, ñ=1):', '    """Dœc 😀."""', '    return frobnicate()'),
    );
    const f = objectAt(result, 'grüße');
    expect(f).toMatchObject({ name: 'grüße', startLine: 3, endLine: 5, doc: 'Dœc 😀.' });
    expect(f.params?.map((p) => p.name)).toEqual(['naïve', 'ñ']);
    expect(f.signature).toBe('def grüße(naïve: "Δ", /, *, ñ=1)');
    expect(callTargets(result)).toEqual(['grüße:5 frobnicate']);
    expect(result.typeRefs.map((r) => r.target)).toEqual(['Δ']);
  });

  it('parses a source of more than 1 MB', () => {
    const chunks: string[] = [];
    for (let i = 0; i < 12_000; i++) {
      chunks.push(`def function_${i}(argument_${i}: int = ${i}) -> int:\n    """Docstring number ${i}."""\n    return helper_${i}(argument_${i})\n`);
    }
    const source = chunks.join('\n');
    expect(source.length).toBeGreaterThan(1_000_000);
    const result = extract(source);
    expect(result.syntaxErrors).toBe(0);
    expect(result.objects).toHaveLength(12_001);
    expect(result.calls).toHaveLength(12_000);
    const last = objectAt(result, 'function_11999');
    expect(last).toMatchObject({ startLine: 11_999 * 4 + 1, endLine: 11_999 * 4 + 3, doc: 'Docstring number 11999.' });
  });
});
