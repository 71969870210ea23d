/**
 * The contract between a language extractor and the rest of the KG pipeline.
 *
 * An extractor sees one file (its repo-relative path and its text) and returns
 * everything the file itself can tell: the CBO objects it defines, and the raw
 * references (imports, calls, heritage, type uses) that a second pass resolves
 * against the whole repository. Extractors never touch the file system or the
 * database, so they can run on worker threads and be tested on strings.
 */

export type Language = 'ts' | 'py';

export type ObjectKind =
  | 'module'
  | 'namespace'
  | 'class'
  | 'interface'
  | 'type'
  | 'enum'
  | 'function'
  | 'method'
  | 'property'
  | 'variable'
  /** A module outside the repository (npm package, stdlib, unresolved path). Made by the resolver only. */
  | 'external_module';

export interface Param {
  name: string;
  /** Declared type annotation as written, or null. */
  type: string | null;
  /** `x?: T` in TS; a parameter with a default value is optional too. */
  optional: boolean;
  /** Default value as written, or null. */
  default: string | null;
  /** `...rest` in TS; `*args` / `**kwargs` in Python. */
  rest: boolean;
}

export interface Field {
  name: string;
  type: string | null;
  optional: boolean;
  default: string | null;
  /** e.g. 'readonly', 'static', 'private', 'ClassVar' */
  modifiers?: string[];
}

export interface ObjectMetadata {
  language: Language;
  decorators?: string[];
  /** e.g. 'export', 'default', 'abstract', 'static', 'async', 'get', 'set', 'readonly', 'declare', 'private', 'protected', 'classmethod', 'staticmethod', 'property', 'overload' */
  modifiers?: string[];
  /** Free-form extras, e.g. `{ model: 'dataclass' }`, `{ bound: 'arrow' }`. Must be JSON-serialisable. */
  [key: string]: unknown;
}

export interface ExtractedObject {
  kind: Exclude<ObjectKind, 'external_module'>;
  name: string;
  /**
   * Dotted path of the object inside its module, like Python's `__qualname__`
   * without `<locals>`: `Foo`, `Foo.bar`, `outer.inner`, `NS.Inner.method`.
   * For the module object itself: the module name (`pkg.sub.mod` in Python,
   * the path without extension in TS, e.g. `src/util/strings`).
   */
  qualifiedName: string;
  /** Header without the body, whitespace-normalised to single spaces. */
  signature: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  /** Functions and methods only; null for other kinds. */
  params: Param[] | null;
  /** `{type}` when a return type is declared, else null. */
  returns: { type: string } | null;
  /** Classes, interfaces, type literals, enums, models; null when the kind has no fields. */
  fields: Field[] | null;
  doc: string | null;
  exported: boolean;
  metadata: ObjectMetadata;
  /**
   * 0 for the first definition of (qualifiedName, kind) in the file, 1 for the
   * next (TS overload signatures, Python redefinitions), ... Part of the stable id.
   */
  ordinal: number;
}

/** One name bound by an import statement. */
export interface ImportBinding {
  /** Name in the exporting module; '*' for namespace / star imports, 'default' for TS default imports. */
  imported: string;
  /** Name bound in this module; null for `export * from` / `from x import *`. */
  local: string | null;
}

export interface RawImport {
  /**
   * TS: the module specifier as written (`./util`, `@scope/pkg/sub`, `node:fs`).
   * Python: the dotted module without leading dots (`os.path`, `pkg.sub`, '' for `from . import x`).
   */
  specifier: string;
  /** Python relative level (number of leading dots); 0 for absolute and for TS. */
  level: number;
  /**
   * Names bound. TS `import x from 'm'` → [{imported:'default', local:'x'}];
   * `import * as ns from 'm'` → [{imported:'*', local:'ns'}]; `import 'm'` → [].
   * Python `import a.b` → [{imported:'*', local:'a'}] (binds the top package);
   * `import a.b as c` → [{imported:'*', local:'c'}]; `from m import x as y` → [{imported:'x', local:'y'}].
   */
  names: ImportBinding[];
  /** True for `export ... from` re-exports (TS). Python re-exports are plain imports in `__init__`. */
  reexport: boolean;
  typeOnly: boolean;
  line: number;
}

/** Where a reference appears: the qualified name of the innermost enclosing object (module name at top level). */
export interface RefSite {
  from: string;
  /** Kind of the enclosing object, to disambiguate when names collide. */
  fromKind: ExtractedObject['kind'];
  line: number;
}

export type CallTarget =
  /** `foo()` */
  | { form: 'name'; name: string }
  /** `this.foo()` / `self.foo()` / `cls.foo()` / `super().foo()` */
  | {
      form: 'self';
      property: string;
      viaSuper?: boolean;
      /** Python `super(C, self).m()`: the class whose bases are searched, as written (else the enclosing class). */
      superClass?: string;
    }
  /**
   * `ns.foo()` / `obj.foo()` / `a.b.foo()`: the receiver path as written when it is a plain dotted name;
   * any other receiver (`f().foo()`, `(x as C).foo()`) only with a `receiverType`, arguments elided.
   */
  | { form: 'member'; object: string; property: string }
  /** `new Foo()` (TS). Python instantiation is a `name` call. */
  | { form: 'new'; name: string }
  /** Anything else (call on a call result, computed member, ...): counted as unresolved. */
  | { form: 'dynamic' };

export interface RawCall extends RefSite {
  target: CallTarget;
  /**
   * The callee's first name is a local variable of a function around the call
   * (a parameter, assignment target, loop or catch variable, ...): it can only
   * mean a definition nested in that function, never a module-level or
   * imported one.
   */
  boundLocally?: true;
  /**
   * The type of a member call's receiver (the whole `object`), when the code
   * around the call says it; the resolver looks the member up in that type
   * (bases included) and links nothing when it is not exactly one callable.
   * A small, language-neutral subset of TypeScript's type syntax, names as
   * written and resolved from the call's scope:
   * - `C`, `mod.C`: an instance of that class or interface (Python: `self.attr`
   *   after a single `self.attr = C(…)` in `__init__`, a parameter `x: C`; TS:
   *   a parameter or variable annotated `C`, `const x = new C()`, `x as C`);
   * - `this`: an instance of the enclosing class;
   * - `typeof a.b`: the value that path names (a class's static side, a module
   *   namespace, a variable of a known type);
   * - `X['p']`: the type of member `p` of X (a property's declared type, a getter's return type);
   * - `ReturnType<X>`: the declared return type of the function or method X;
   * - `Awaited<X>`: X, or T when X is `Promise<T>` / `PromiseLike<T>`.
   * E.g. `this.a.get().m()` → `ReturnType<this['a']['get']>`; `f().m()` → `ReturnType<typeof f>`.
   * When set, `object` may hold a receiver that is not a dotted name (`f()`, `new C()`, `a.b().c`).
   * On a `self` call (TS `this.m()` in a function with a `this: C` parameter) it types `this`.
   */
  receiverType?: string;
}

export interface RawHeritage extends RefSite {
  kind: 'extends' | 'implements';
  /** The base as written, without type arguments: `Base`, `ns.Base`, `typing.Generic`. */
  target: string;
}

export interface RawTypeRef extends RefSite {
  kind: 'uses_type' | 'returns_type';
  /** A named type, without type arguments: `Foo`, `ns.Foo`. Builtins/primitives may be omitted. */
  target: string;
}

export interface ExtractResult {
  language: Language;
  /** The module object first, then every other object in source order. */
  objects: ExtractedObject[];
  imports: RawImport[];
  calls: RawCall[];
  heritage: RawHeritage[];
  typeRefs: RawTypeRef[];
  /** Number of ERROR / MISSING nodes in the syntax tree. */
  syntaxErrors: number;
  /** Python `__all__` when it is a literal list/tuple of strings; TS: null. */
  explicitExports: string[] | null;
}

export interface ExtractInput {
  /** Repo-relative, '/'-separated. */
  filePath: string;
  source: string;
  /** Module name as the resolver computed it (see `moduleNameFor`). */
  moduleName: string;
}

export type Extractor = (input: ExtractInput) => ExtractResult;
