import type { ObjectKind, RawCall, RawHeritage, RawTypeRef, RefSite } from '../extract/types.js';
import type { KgObject, KgRelation, ParsedFile, Resolution } from '../model.js';
import { externalModuleObject } from '../index/objects.js';
import { bindingOf, type FileImports } from './bindings.js';
import type { ModuleMap } from './module-map.js';
import type { ModuleSymbols, SymbolRef, SymbolTable } from './symbols.js';
import { emptyUnresolvedSites, noteUnresolved, type UnresolvedSites } from './unresolved.js';
import { functionTypeParams, parseTypeHint, type TypeHint } from './type-hints.js';
import { literalMemberType, literalType, simpleType } from '../extract/typescript/type-names.js';

/**
 * The second pass: turn a file's raw references into relations, using the symbol
 * table of every module it can reach. A call becomes a relation only when its
 * target is resolved to exactly one object; everything else is counted, so the
 * graph reports its own blind spots.
 */

type Target =
  | { type: 'object'; ref: SymbolRef; resolution: Resolution }
  | { type: 'module'; path: string; resolution: Resolution }
  | { type: 'external'; name: string };

export interface CallOutcomes {
  resolved: number;
  /** The callee is in a module outside the repository. */
  external: number;
  unresolved: number;
}

export interface LocalResolution {
  relations: KgRelation[];
  /** Class id → base ids resolved in the file itself. */
  bases: [string, string[]][];
  /** References left for the global pass. */
  remaining: { calls: RawCall[]; heritage: RawHeritage[]; typeRefs: RawTypeRef[] };
  calls: { resolved: number; unresolved: number };
  /** Where the calls settled as unresolved are (see `UnresolvedSites`). */
  unresolvedSites: UnresolvedSites;
}

export interface ResolvedFile {
  relations: KgRelation[];
  externalModules: KgObject[];
  calls: CallOutcomes;
  unresolvedSites: UnresolvedSites;
  unresolvedHeritage: number;
  unresolvedTypeRefs: number;
}

const CALLABLE: readonly ObjectKind[] = ['function', 'class', 'method'];
const TYPE_KINDS: readonly ObjectKind[] = ['class', 'interface', 'type', 'enum'];
const MEMBER_KINDS: readonly ObjectKind[] = ['method', 'property', 'function', 'class'];
/** Objects whose body is a scope for the names defined in it (a TS namespace's members see each other). */
const SCOPE_KINDS: ReadonlySet<ObjectKind> = new Set(['function', 'method', 'namespace']);
/** When one name has several kinds (TS declaration merging), the one a reference most likely means. */
const EXPORT_PREFERENCE: readonly ObjectKind[] = [...CALLABLE, ...TYPE_KINDS, 'namespace', 'variable', 'property'];
const PATH_MEMBER_KINDS: readonly ObjectKind[] = [...MEMBER_KINDS, ...TYPE_KINDS, 'namespace', 'variable'];
const MAX_DEPTH = 8;
/** Kinds whose instances have members: a receiver typed by one of these is looked up in it. */
const INSTANCE_KINDS: readonly ObjectKind[] = ['class', 'interface', 'type'];
/** Kinds whose static side has members (`C.create()`, `NS.f()`, `E.A`). */
const STATIC_KINDS: ReadonlySet<ObjectKind> = new Set(['class', 'namespace', 'enum']);
/** How deep a receiver's type may be followed through declared types (`a.b().c.d()`). */
const MAX_TYPE_DEPTH = 16;

/**
 * What a receiver evaluates to: an instance of a class/interface/type, or a
 * thing itself (a module, namespace, class's static side, or a function or
 * method read from `self`), or a promise of one.
 */
type Value =
  | { t: 'instance'; ref: SymbolRef }
  | { t: 'static'; target: Target; self: Value | null }
  | { t: 'promise'; of: Value }
  /** A function type as written in `scope`'s declaration (a callback parameter's type): its parameters' types. */
  | { t: 'fn'; params: string[]; scope: SymbolRef }
  /** An object type literal as written in `scope`'s declaration (`{ status: S; ctx: C }`). */
  | { t: 'literal'; text: string; scope: SymbolRef };

function pick(refs: readonly SymbolRef[] | undefined, kinds: readonly ObjectKind[]): SymbolRef | null {
  if (!refs) return null;
  for (const kind of kinds) {
    const ref = refs.find((r) => r.kind === kind);
    if (ref) return ref;
  }
  return null;
}

export class Resolver {
  private readonly hints = new Map<string, TypeHint | null>();

  constructor(
    private readonly table: SymbolTable,
    /** Null on a parse worker, which resolves only what its own file defines. */
    private readonly map: ModuleMap | null,
  ) {}

  /** A name exported by (or reachable as an attribute of) a module. */
  private lookupExport(path: string, name: string, depth = 0, seen = new Set<string>()): Target | null {
    if (depth > MAX_DEPTH || seen.has(path)) return null;
    seen.add(path);
    const module = this.table.modules.get(path);
    if (!module) {
      this.table.missing.add(path);
      return null;
    }
    if (name === 'default' && module.defaultExport) return { type: 'object', ref: module.defaultExport, resolution: 'import' };
    const refs = module.objects.get(name);
    if (refs && refs.length > 0) {
      return { type: 'object', ref: pick(refs, EXPORT_PREFERENCE) ?? (refs[0] as SymbolRef), resolution: 'import' };
    }
    const binding = bindingOf(module.bindings, name);
    if (binding) return this.followBinding(binding, depth + 1, seen);
    if (module.language === 'py') {
      const submodule = this.map?.pythonModuleFile(`${module.moduleName}.${name}`);
      if (submodule) return { type: 'module', path: submodule, resolution: 'import' };
    }
    for (const star of module.bindings.stars) {
      const found = this.lookupExport(star, name, depth + 1, seen);
      if (found) return found;
    }
    return null;
  }

  private followBinding(binding: { path?: string; external?: string; imported: string }, depth: number, seen = new Set<string>()): Target | null {
    if (binding.path) {
      if (binding.imported === '*') return { type: 'module', path: binding.path, resolution: 'import' };
      return this.lookupExport(binding.path, binding.imported, depth, seen);
    }
    return binding.external ? { type: 'external', name: binding.external } : null;
  }

  /** A name defined in an enclosing function or namespace scope, innermost first (class bodies are not scopes for their methods). */
  private lookupEnclosing(module: ModuleSymbols, from: string, name: string): Target | null {
    let scope = from === module.moduleName ? '' : from;
    while (scope) {
      const scopeRefs = module.objects.get(scope);
      if (scopeRefs?.some((r) => SCOPE_KINDS.has(r.kind))) {
        // Members (methods, properties) under the same name belong to a merged class or interface, not to the scope.
        const refs = module.objects.get(`${scope}.${name}`)?.filter((r) => r.kind !== 'method' && r.kind !== 'property');
        if (refs && refs.length > 0) return { type: 'object', ref: refs[refs.length - 1] as SymbolRef, resolution: 'local' };
      }
      const dot = scope.lastIndexOf('.');
      scope = dot < 0 ? '' : scope.slice(0, dot);
    }
    return null;
  }

  /** Resolve the first segment of a name as seen from the scope `from` in `module`. */
  private lookupName(module: ModuleSymbols, from: string, name: string): Target | null {
    const enclosing = this.lookupEnclosing(module, from, name);
    if (enclosing) return enclosing;
    const refs = module.objects.get(name);
    if (refs && refs.length > 0) {
      return { type: 'object', ref: pick(refs, EXPORT_PREFERENCE) ?? (refs[0] as SymbolRef), resolution: 'local' };
    }
    const binding = bindingOf(module.bindings, name);
    if (binding) {
      const target = this.followBinding(binding, 0);
      if (target && target.type !== 'external') return { ...target, resolution: 'import' };
      return target;
    }
    // Python's `from m import *` binds whatever m exports (TS `export *` binds nothing locally).
    for (const star of module.language === 'py' ? module.bindings.stars : []) {
      const found = this.lookupExport(star, name);
      if (found) return found.type === 'external' ? found : { ...found, resolution: 'import' };
    }
    return null;
  }

  /** A member of a class (or namespace/enum), searching base classes too. */
  private lookupMember(owner: SymbolRef, name: string, kinds: readonly ObjectKind[], depth = 0): { ref: SymbolRef; inherited: boolean } | null {
    if (depth > MAX_DEPTH) return null;
    const module = this.table.modules.get(owner.filePath);
    if (!module) this.table.missing.add(owner.filePath);
    const own = pick(module?.objects.get(`${owner.qualifiedName}.${name}`), kinds);
    if (own) return { ref: own, inherited: depth > 0 };
    for (const baseId of this.table.bases.get(owner.id) ?? []) {
      const base = this.table.byId.get(baseId);
      if (!base) {
        const file = this.table.baseFiles.get(baseId);
        if (file) this.table.missing.add(file);
        continue;
      }
      const found = this.lookupMember(base, name, kinds, depth + 1);
      if (found) return { ref: found.ref, inherited: true };
    }
    return null;
  }

  /**
   * Resolve a dotted path (`a`, `ns.Foo`, `mod.sub.fn`) from a scope. With
   * `localOnly` (the first name is a local variable there) only definitions
   * nested in the enclosing functions can be meant.
   */
  private lookupPath(module: ModuleSymbols, from: string, segments: readonly string[], localOnly = false): Target | null {
    const [first, ...rest] = segments;
    if (first === undefined) return null;
    let target = localOnly ? this.lookupEnclosing(module, from, first) : this.lookupName(module, from, first);
    for (const segment of rest) {
      if (!target) return null;
      if (target.type === 'external') return target;
      if (target.type === 'module') {
        const next = this.lookupExport(target.path, segment);
        target = next && next.type !== 'external' ? { ...next, resolution: 'namespace' } : next;
        continue;
      }
      const found = this.lookupMember(target.ref, segment, PATH_MEMBER_KINDS);
      if (found) target = { type: 'object', ref: found.ref, resolution: found.inherited ? 'inherited' : 'member' };
      else if (target.ref.valueType !== undefined) {
        // A variable or property of a known type (`client.chat`, `ns.scheduler`): a member of that type.
        const value = this.valueOf(target, null, 0);
        target = (value && this.memberOf(value, segment)) ?? null;
      } else target = null;
    }
    return target;
  }

  private hint(text: string): TypeHint | null {
    let hint = this.hints.get(text);
    if (hint === undefined) {
      hint = parseTypeHint(text);
      this.hints.set(text, hint);
    }
    return hint;
  }

  /**
   * A receiver type hint, seen from the scope `from` of `module`; `self` is the
   * instance a declared type was read from (what `this` means in it).
   */
  private evaluate(module: ModuleSymbols, from: string, hint: TypeHint, self: Value | null, depth: number): Value | null {
    if (depth > MAX_TYPE_DEPTH) return null;
    switch (hint.k) {
      case 'this': {
        if (self !== null) return self;
        const cls = this.enclosingClass(module, from);
        return cls ? { t: 'instance', ref: cls } : null;
      }
      case 'type': {
        const constraint = hint.path.length === 1 ? this.typeParameter(module, from, hint.path[0] as string) : null;
        if (constraint !== null) return constraint.type === '' ? null : this.declared(constraint.owner, constraint.type, self, depth);
        const target = this.lookupPath(module, from, hint.path);
        const ref = target?.type === 'object' ? this.asType(target.ref) : null;
        return ref ? { t: 'instance', ref } : null;
      }
      case 'value': {
        const target = this.lookupPath(module, from, hint.path);
        return target ? this.valueOf(target, null, depth) : null;
      }
      case 'member': {
        const of = this.evaluate(module, from, hint.of, self, depth + 1);
        if (of?.t === 'literal') {
          const written = literalMemberType(of.text, hint.name);
          const type = written === null ? null : (simpleType(written) ?? literalType(written));
          return type === null ? null : this.declared(of.scope, type, null, depth);
        }
        const found = of && this.memberOf(of, hint.name);
        return found ? this.valueOf(found, of.t === 'instance' ? of : null, depth) : null;
      }
      case 'return': {
        const of = this.evaluate(module, from, hint.of, self, depth + 1);
        if (of?.t !== 'static' || of.target.type !== 'object') return null;
        const fn = of.target.ref;
        // Calling a Python class makes an instance of it (a TS class needs `new`, hinted as its type).
        if (fn.kind === 'class' && this.table.modules.get(fn.filePath)?.language === 'py') return { t: 'instance', ref: fn };
        return fn.kind === 'function' || fn.kind === 'method' ? this.declared(fn, fn.returnType, of.self, depth) : null;
      }
      case 'awaited': {
        const of = this.evaluate(module, from, hint.of, self, depth + 1);
        return of?.t === 'promise' ? of.of : of;
      }
      case 'promise': {
        const of = this.evaluate(module, from, hint.of, self, depth + 1);
        return of ? { t: 'promise', of } : null;
      }
      case 'param': {
        const of = this.evaluate(module, from, hint.of, self, depth + 1);
        if (of?.t === 'fn') {
          const type = simpleType(of.params[hint.index] ?? '');
          return type === null ? null : this.declared(of.scope, type, null, depth);
        }
        if (of?.t !== 'static' || of.target.type !== 'object') return null;
        const fn = of.target.ref;
        const written = fn.paramTypes?.[hint.index];
        const params = written == null ? null : functionTypeParams(written);
        return params === null ? null : { t: 'fn', params, scope: fn };
      }
    }
  }

  /**
   * A type parameter with a constraint, declared by the scope `from` or one around it
   * (`<T extends C>` on a function, method, class or interface): member access on T sees C.
   */
  private typeParameter(module: ModuleSymbols, from: string, name: string): { owner: SymbolRef; type: string } | null {
    let scope = from === module.moduleName ? '' : from;
    while (scope) {
      for (const ref of module.objects.get(scope) ?? []) {
        const type = ref.typeConstraints?.[name];
        if (type !== undefined) return { owner: ref, type };
      }
      const dot = scope.lastIndexOf('.');
      scope = dot < 0 ? '' : scope.slice(0, dot);
    }
    return null;
  }

  /** The type a name resolved to, when it names one (a name can be a value and a type: `const X = …; type X = …`). */
  private asType(ref: SymbolRef): SymbolRef | null {
    if (INSTANCE_KINDS.includes(ref.kind)) return ref;
    return pick(this.table.modules.get(ref.filePath)?.objects.get(ref.qualifiedName), INSTANCE_KINDS);
  }

  /** What reading a resolved name gives: a variable, property or getter of a known type is an instance of it; anything else is itself. */
  private valueOf(target: Target, self: Value | null, depth: number): Value | null {
    if (target.type === 'external') return null;
    if (target.type === 'object') {
      const ref = target.ref;
      if (ref.kind === 'variable' || ref.kind === 'property') return this.declared(ref, ref.valueType, self, depth);
      if (ref.valueType !== undefined) return this.declared(ref, ref.valueType, self, depth);
    }
    return { t: 'static', target, self };
  }

  /** A declared type of `ref` (its value or return type), seen from its own declaration. */
  private declared(ref: SymbolRef, type: string | undefined, self: Value | null, depth: number): Value | null {
    if (type === undefined) return null;
    const module = this.table.modules.get(ref.filePath);
    if (!module) {
      this.table.missing.add(ref.filePath);
      return null;
    }
    if (type.startsWith('{')) return { t: 'literal', text: type, scope: ref };
    const hint = this.hint(type);
    return hint && this.evaluate(module, ref.qualifiedName, hint, self, depth + 1);
  }

  /** A member of a value: an instance's (bases included), a module's export, a class's, namespace's or enum's static member. */
  private memberOf(of: Value, name: string): Target | null {
    if (of.t === 'promise' || of.t === 'fn' || of.t === 'literal') return null;
    if (of.t === 'instance') {
      const found = this.lookupMember(of.ref, name, MEMBER_KINDS);
      return found ? { type: 'object', ref: found.ref, resolution: found.inherited ? 'inherited' : 'member' } : null;
    }
    const target = of.target;
    if (target.type === 'module') {
      const next = this.lookupExport(target.path, name);
      return next && next.type !== 'external' ? { ...next, resolution: 'namespace' } : next;
    }
    if (target.type === 'object' && STATIC_KINDS.has(target.ref.kind)) {
      const found = this.lookupMember(target.ref, name, PATH_MEMBER_KINDS);
      return found ? { type: 'object', ref: found.ref, resolution: found.inherited ? 'inherited' : 'member' } : null;
    }
    return null;
  }

  private siteObject(module: ModuleSymbols, site: RefSite): SymbolRef | null {
    if (site.fromKind === 'module') return module.moduleId ? { id: module.moduleId, kind: 'module', qualifiedName: module.moduleName, filePath: module.path } : null;
    return pick(module.objects.get(site.from), [site.fromKind]);
  }

  private enclosingClass(module: ModuleSymbols, from: string): SymbolRef | null {
    let scope = from;
    while (scope) {
      const cls = pick(module.objects.get(scope), ['class']);
      if (cls) return cls;
      const dot = scope.lastIndexOf('.');
      scope = dot < 0 ? '' : scope.slice(0, dot);
    }
    return null;
  }

  /** The class a dotted name denotes from a scope, or null when it is not (exactly) a class. */
  private namedClass(module: ModuleSymbols, from: string, name: string): SymbolRef | null {
    const target = this.lookupPath(module, from, name.split('.'));
    return target?.type === 'object' && target.ref.kind === 'class' ? target.ref : null;
  }

  private resolveCall(module: ModuleSymbols, call: RawCall): Target | null {
    const target = call.target;
    switch (target.form) {
      case 'name':
        return call.boundLocally ? this.lookupEnclosing(module, call.from, target.name) : this.lookupName(module, call.from, target.name);
      case 'new':
        return this.lookupPath(module, call.from, target.name.split('.'), call.boundLocally === true);
      case 'member': {
        if (call.receiverType !== undefined) {
          // The receiver's type is known (an annotation, an initializer, a declared return type): a member of it, or nothing.
          const hint = this.hint(call.receiverType);
          const receiver = hint && this.evaluate(module, call.from, hint, null, 0);
          return (receiver && this.memberOf(receiver, target.property)) ?? null;
        }
        return this.lookupPath(module, call.from, [...target.object.split('.'), target.property], call.boundLocally === true);
      }
      case 'self': {
        if (call.receiverType !== undefined) {
          // `this` typed by an explicit `this:` parameter (a function outside a class).
          const hint = this.hint(call.receiverType);
          const receiver = hint && this.evaluate(module, call.from, hint, null, 0);
          return (receiver && this.memberOf(receiver, target.property)) ?? null;
        }
        const cls = target.superClass === undefined ? this.enclosingClass(module, call.from) : this.namedClass(module, call.from, target.superClass);
        if (!cls) return null;
        if (target.viaSuper) {
          const bases = (this.table.bases.get(cls.id) ?? []).map((id) => this.table.byId.get(id));
          for (const base of bases) {
            const found = base && this.lookupMember(base, target.property, MEMBER_KINDS);
            if (found) return { type: 'object', ref: found.ref, resolution: 'inherited' };
          }
          // `super()` when no base declares a constructor: the base class itself, as `new Base()` links.
          const base = bases[0];
          if (target.property === 'constructor' && bases.length === 1 && base?.kind === 'class' && module.language === 'ts') {
            return { type: 'object', ref: base, resolution: 'inherited' };
          }
          return null;
        }
        const found = this.lookupMember(cls, target.property, MEMBER_KINDS);
        return found ? { type: 'object', ref: found.ref, resolution: found.inherited ? 'inherited' : 'member' } : null;
      }
      case 'dynamic':
        return null;
    }
  }

  /**
   * What a file can resolve on its own, run on the parse worker: `contains`, and
   * references whose target the global pass would find in this same file first
   * (local scopes and top-level definitions come before imports; an own-class
   * member before any base). Everything else is returned for the global pass.
   * The table must hold only this file's module, with no bindings.
   */
  resolveLocal(file: ParsedFile): LocalResolution {
    const module = this.table.modules.get(file.path);
    const out: LocalResolution = { relations: [], bases: [], remaining: { calls: [], heritage: [], typeRefs: [] }, calls: { resolved: 0, unresolved: 0 }, unresolvedSites: emptyUnresolvedSites() };
    if (!module) throw new Error(`resolveLocal: ${file.path} is not in the table`);
    for (const object of file.objects) {
      if (object.parentId) out.relations.push({ src: object.parentId, dst: object.id, kind: 'contains', filePath: file.path, line: object.startLine ?? 1, resolution: 'syntax' });
    }
    const bases = new Map<string, string[]>();
    for (const item of file.heritage) {
      const src = this.siteObject(module, item);
      const target = this.lookupPath(module, item.from, item.target.split('.'));
      if (src && target?.type === 'object' && target.resolution === 'local' && TYPE_KINDS.includes(target.ref.kind) && target.ref.id !== src.id) {
        out.relations.push({ src: src.id, dst: target.ref.id, kind: item.kind, filePath: file.path, line: item.line, resolution: 'local' });
        if (item.kind === 'extends') bases.set(src.id, [...(bases.get(src.id) ?? []), target.ref.id]);
      } else out.remaining.heritage.push(item);
    }
    out.bases = [...bases];
    for (const [src, dsts] of bases) this.table.addBases(src, dsts);
    for (const ref of file.typeRefs) {
      const src = this.siteObject(module, ref);
      const target = this.lookupPath(module, ref.from, ref.target.split('.'));
      if (src && target?.type === 'object' && target.resolution === 'local' && TYPE_KINDS.includes(target.ref.kind)) {
        out.relations.push({ src: src.id, dst: target.ref.id, kind: ref.kind, filePath: file.path, line: ref.line, resolution: 'local' });
      } else out.remaining.typeRefs.push(ref);
    }
    // A name that is neither defined here nor bound by an import resolves nowhere (builtins,
    // globals, receivers that are locals or parameters): settled here as unresolved. A star
    // import may bind anything, so a file with one keeps such calls for the global pass.
    const bound = new Set<string>();
    let starImport = false;
    for (const raw of file.imports) {
      for (const name of raw.names) {
        if (name.local === null) starImport = starImport || !raw.reexport;
        else bound.add(name.local);
      }
    }
    for (const call of file.calls) {
      if (call.target.form === 'dynamic') {
        out.calls.unresolved += 1;
        noteUnresolved(out.unresolvedSites, call);
        continue;
      }
      if (call.receiverType !== undefined) {
        // A typed receiver's chain may pass through other files (a base class, an imported type): the global pass decides.
        out.remaining.calls.push(call);
        continue;
      }
      const src = this.siteObject(module, call);
      const target = src ? this.resolveCall(module, call) : null;
      const final = target?.type === 'object' && (target.resolution === 'local' || target.resolution === 'member') && CALLABLE.includes(target.ref.kind);
      if (src && final) {
        out.calls.resolved += 1;
        out.relations.push({ src: src.id, dst: target.ref.id, kind: 'calls', filePath: file.path, line: call.line, resolution: target.resolution });
      } else if (
        src &&
        target === null &&
        call.receiverType === undefined &&
        (call.boundLocally || (!starImport && call.target.form !== 'self' && this.nowhere(module, call, bound)))
      ) {
        // A local variable's call can only mean a definition in this file's enclosing functions: settled here too.
        // A call with a known receiver class waits for the global pass (the class may be imported).
        out.calls.unresolved += 1;
        noteUnresolved(out.unresolvedSites, call);
      } else out.remaining.calls.push(call);
    }
    out.relations = dedupe(out.relations);
    return out;
  }

  /** The call's first name is not defined in reach of its scope and no import binds it. */
  private nowhere(module: ModuleSymbols, call: RawCall, bound: ReadonlySet<string>): boolean {
    const first = firstSegment(call);
    return first !== '' && !bound.has(first) && this.lookupName(module, call.from, first) === null;
  }

  /** First pass over a file: base classes, so member lookups can climb the hierarchy. */
  resolveHeritage(file: ParsedFile): { relations: KgRelation[]; unresolved: number } {
    const module = this.table.modules.get(file.path);
    const relations: KgRelation[] = [];
    let unresolved = 0;
    if (!module) return { relations, unresolved };
    const bases = new Map<string, string[]>();
    for (const item of file.heritage) {
      const src = this.siteObject(module, item);
      const target = this.lookupPath(module, item.from, item.target.split('.'));
      if (!src || !target || target.type !== 'object' || !TYPE_KINDS.includes(target.ref.kind) || target.ref.id === src.id) {
        unresolved += 1;
        continue;
      }
      relations.push({ src: src.id, dst: target.ref.id, kind: item.kind, filePath: file.path, line: item.line, resolution: target.resolution });
      if (item.kind === 'extends') bases.set(src.id, [...(bases.get(src.id) ?? []), target.ref.id]);
    }
    for (const [src, dsts] of bases) this.table.addBases(src, dsts);
    return { relations, unresolved };
  }

  /** Second pass: imports, calls, type uses (what `resolveLocal` left). */
  resolveFile(file: ParsedFile, imports: FileImports): ResolvedFile {
    const module = this.table.modules.get(file.path);
    const out: ResolvedFile = {
      relations: [],
      externalModules: [],
      calls: { resolved: 0, external: 0, unresolved: 0 },
      unresolvedSites: emptyUnresolvedSites(),
      unresolvedHeritage: 0,
      unresolvedTypeRefs: 0,
    };
    if (!module) return out;
    const push = (relation: KgRelation) => out.relations.push(relation);

    const seenImports = new Set<string>();
    const externals = new Map<string, KgObject>();
    for (const site of imports.sites) {
      let dst: string | null;
      let resolution: Resolution;
      if ('path' in site.target) {
        dst = this.table.modules.get(site.target.path)?.moduleId ?? null;
        resolution = site.target.resolution;
      } else {
        const external = externalModuleObject(file.language, site.target.external);
        externals.set(external.id, external);
        dst = external.id;
        resolution = 'external';
      }
      if (!dst || dst === module.moduleId || seenImports.has(dst)) continue;
      seenImports.add(dst);
      push({ src: module.moduleId, dst, kind: 'imports', filePath: file.path, line: site.line, resolution });
    }
    out.externalModules = [...externals.values()];

    for (const ref of file.typeRefs) {
      const src = this.siteObject(module, ref);
      const target = this.lookupPath(module, ref.from, ref.target.split('.'));
      if (!src || !target || target.type !== 'object' || !TYPE_KINDS.includes(target.ref.kind)) {
        out.unresolvedTypeRefs += 1;
        continue;
      }
      push({ src: src.id, dst: target.ref.id, kind: ref.kind, filePath: file.path, line: ref.line, resolution: target.resolution });
    }

    for (const call of file.calls) {
      const src = this.siteObject(module, call);
      const target = src ? this.resolveCall(module, call) : null;
      if (target?.type === 'external') {
        out.calls.external += 1;
        continue;
      }
      if (!src || !target || target.type !== 'object' || !CALLABLE.includes(target.ref.kind)) {
        out.calls.unresolved += 1;
        noteUnresolved(out.unresolvedSites, call);
        continue;
      }
      out.calls.resolved += 1;
      push({ src: src.id, dst: target.ref.id, kind: 'calls', filePath: file.path, line: call.line, resolution: target.resolution });
    }
    out.relations = dedupe(out.relations);
    return out;
  }
}

/** One relation per (src, kind, dst, line): repeated calls on one line are one edge. */
function dedupe(relations: KgRelation[]): KgRelation[] {
  const seen = new Set<string>();
  return relations.filter((r) => {
    const key = `${r.src}\0${r.kind}\0${r.dst}\0${r.line}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}


function firstSegment(call: RawCall): string {
  const target = call.target;
  const path = target.form === 'member' ? target.object : target.form === 'name' || target.form === 'new' ? target.name : '';
  const dot = path.indexOf('.');
  return dot < 0 ? path : path.slice(0, dot);
}
