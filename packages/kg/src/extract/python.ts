/**
 * The Python extractor: CBO objects and raw references of one .py / .pyi file.
 *
 * Definitions follow Python's `ast` (the accuracy test compares them against
 * it on the standard library): functions, methods, classes, annotated module
 * variables and class properties, wherever they sit inside if/try/with/for/
 * while/match blocks, qualified like `__qualname__` without `<locals>`.
 *
 * Speed: in node-tree-sitter, reading a node from JavaScript costs far more
 * than parsing it, so the extractor touches as few nodes as it can. A tree
 * cursor walks statements only (python/walker.ts), text comes from slicing
 * the source, and calls, the bulk of all references, come from a tokenizer
 * over the text (python/calls.ts) attributed to definitions by position.
 */
import { countSyntaxErrors, parseSource } from './parse.js';
import type { CallTarget, ExtractInput, ExtractResult, Extractor, RawCall } from './types.js';
import { localNames } from './python/locals.js';
import { setAllFromText } from './python/assignments.js';
import { localCallHints } from './python/local-types.js';
import { countSelfAttributeAssignments } from './python/self-attributes.js';
import { scanCalls, type CallSite } from './python/calls.js';
import { Cursor } from './python/cursor.js';
import { docstringAt } from './python/docstring.js';
import { bracketedText, stringListLiteral } from './python/literals.js';
import { SourceText } from './python/source.js';
import { Extraction, type Scope } from './python/state.js';
import { StatementWalker, type ScopeStart } from './python/walker.js';

export const extractPython: Extractor = (input: ExtractInput): ExtractResult => {
  const src = new SourceText(input.source);
  const tree = parseSource('python', input.source);
  const root = tree.rootNode;
  const cursor = new Cursor(tree.walk());
  const state = new Extraction(input, src);

  const moduleName = input.moduleName;
  state.addObject(
    {
      kind: 'module',
      name: moduleName.slice(moduleName.lastIndexOf('.') + 1),
      qualifiedName: moduleName,
      signature: input.filePath,
      startLine: 1,
      endLine: src.lastLine,
      params: null,
      returns: null,
      fields: null,
      doc: docstringAt(src, 0, src.text.length),
      metadata: { language: 'py' },
    },
    null,
  );
  const moduleScope: Scope = {
    kind: 'module',
    end: Infinity,
    qualName: moduleName,
    prefix: '',
    objectKind: 'module',
    objectIndex: 0,
    fields: null,
    fieldNames: null,
    initOf: null,
    selfName: null,
  };
  const scan = scanCalls(src.text);
  const walker = new StatementWalker(state, cursor, root.hasError, scan.definers);
  walker.children(moduleScope, false);
  attributeCalls(state, scan.calls, walker.scopes, moduleScope);
  state.finish();

  return {
    language: 'py',
    objects: state.objects,
    imports: state.imports,
    calls: state.calls,
    heritage: state.heritage,
    typeRefs: state.typeRefs,
    syntaxErrors: countSyntaxErrors(root),
    explicitExports: state.explicitExports,
  };
};

/**
 * Attribute every call to the innermost definition around its opening
 * parenthesis (a decorator's call sits before its definition, so it belongs
 * to the enclosing scope). Calls and scopes both come in source order, so one
 * sweep with a stack of open scopes does it.
 */
function attributeCalls(state: Extraction, calls: readonly CallSite[], scopes: readonly ScopeStart[], moduleScope: Scope): void {
  const src = state.src;
  const stack: Scope[] = [moduleScope];
  const bodies: number[] = [0];
  let scope = moduleScope;
  let next = 0;
  const locals = new Map<Scope, Set<string>>();
  const assignmentCounts = new Map<string, Map<string, number>>();
  const localHints = new Map<Scope, Map<string, string | null>>();
  for (const call of calls) {
    const at = call.paren;
    // Enter the scopes that start before this call, leaving those that ended before each bodies.
    for (let entry = scopes[next]; entry !== undefined && entry.start <= at; entry = scopes[++next]) {
      while (entry.start >= scope.end) {
        stack.pop();
        bodies.pop();
        scope = stack[stack.length - 1] as Scope;
      }
      stack.push(entry.scope);
      bodies.push(entry.body);
      scope = entry.scope;
    }
    while (at >= scope.end) {
      stack.pop();
      bodies.pop();
      scope = stack[stack.length - 1] as Scope;
    }
    const target = call.target;
    const raw: RawCall = { from: scope.qualName, fromKind: scope.objectKind, line: src.lineAt(call.start), target };
    const first = firstName(target);
    if (first !== null && boundInEnclosingFunction(state, stack, bodies, first, locals)) raw.boundLocally = true;
    if (target.form === 'member') {
      const cls = receiverClass(state, stack, bodies, target.object, raw.boundLocally === true, assignmentCounts, localHints);
      if (cls !== null) raw.receiverType = cls;
    }
    state.calls.push(raw);
    if (target.form === 'member' && target.object === '__all__' && scope.kind === 'module') {
      allMethodCall(state, call.paren, target.property);
    }
  }
}

function firstName(target: CallTarget): string | null {
  if (target.form === 'name') return target.name;
  if (target.form !== 'member') return null;
  const dot = target.object.indexOf('.');
  return dot < 0 ? target.object : target.object.slice(0, dot);
}

/**
 * Whether `name` is a local variable of one of the functions around the call
 * (innermost first; class bodies are not scopes for the functions in them).
 * Memoised per function.
 */
function boundInEnclosingFunction(state: Extraction, stack: readonly Scope[], bodies: readonly number[], name: string, memo: Map<Scope, Set<string>>): boolean {
  for (let i = stack.length - 1; i > 0; i--) {
    const scope = stack[i] as Scope;
    if (scope.kind !== 'function') continue;
    let names = memo.get(scope);
    if (names === undefined) {
      // `def f(info=info)`: the parameter defaults to the module-level name, so calls through it still mean that.
      const params = (state.objects[scope.objectIndex]?.params ?? []).filter((p) => p.default !== p.name).map((p) => p.name);
      names = localNames(state.src.text.slice(bodies[i] as number, scope.end), params);
      memo.set(scope, names);
    }
    if (names.has(name)) return true;
  }
  return false;
}

/**
 * The class of a member call's receiver when the code says it: `self.attr`
 * in a method, when `__init__` assigns `self.attr = C(…)` and nothing else in
 * the class assigns `self.attr`; or a parameter of the innermost function
 * annotated with a plain class name. Null otherwise (never a guess).
 */
function receiverClass(
  state: Extraction,
  stack: readonly Scope[],
  bodies: readonly number[],
  object: string,
  boundLocally: boolean,
  assignmentCounts: Map<string, Map<string, number>>,
  localHints: Map<Scope, Map<string, string | null>>,
): string | null {
  const fn = stack[stack.length - 1] as Scope;
  if (fn.kind !== 'function') return null;
  const dot = object.indexOf('.');
  if (dot < 0) {
    if (!boundLocally) return null;
    const param = state.objects[fn.objectIndex]?.params?.find((p) => p.name === object);
    if (param !== undefined) return param.type == null ? null : plainAnnotation(param.type);
    // A local assigned once, from one call: `p = Parser(…)`, `conn = connect(…)`; read once per function.
    let hints = localHints.get(fn);
    if (hints === undefined) {
      hints = localCallHints(state.src.text.slice(bodies[bodies.length - 1] as number, fn.end));
      localHints.set(fn, hints);
    }
    return hints.get(object) ?? null;
  }
  const self = object.slice(0, dot);
  const attribute = object.slice(dot + 1);
  const owner = stack[stack.length - 2];
  if (self !== fn.selfName || attribute.includes('.') || owner === undefined || owner.kind !== 'class') return null;
  const cls = state.attributeClasses.get(owner.objectIndex)?.get(attribute);
  if (cls == null) return null;
  // Any other `self.attr = …` in the class (another method) makes it ambiguous.
  // Memoised per class and receiver name: methods call through `self.attr` again and again.
  const key = `${owner.objectIndex}\u0000${bodies[bodies.length - 2]}\u0000${self}`;
  let assignments = assignmentCounts.get(key);
  if (assignments === undefined) {
    const classText = state.src.text.slice(bodies[bodies.length - 2] as number, owner.end);
    assignments = countSelfAttributeAssignments(classText, self);
    assignmentCounts.set(key, assignments);
  }
  return assignments.get(attribute) === 1 ? cls : null;
}

/** A parameter annotation that names one class: `C`, `mod.C`, `"C"`. */
function plainAnnotation(annotation: string): string | null {
  const text = annotation.trim().replace(/^(['"])(.*)\1$/su, '$2').trim();
  return /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*(?:\.[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*)*$/u.test(text) ? text : null;
}

/** `__all__.extend([...])` / `__all__.append('x')` at module level; `paren` is the call's '('. */
function allMethodCall(state: Extraction, paren: number, method: string): void {
  if (method !== 'extend' && method !== 'append') return;
  const inner = bracketedText(state.src.text, paren);
  if (method === 'extend') {
    setAllFromText(state, inner === null ? null : stringListLiteral(inner), true);
  } else {
    const single = inner === null ? null : stringListLiteral(`[${inner}]`);
    setAllFromText(state, single !== null && single.length === 1 ? single : null, true);
  }
}
