import type Parser from 'tree-sitter';
import type { ExtractContext, Range } from './context.js';
import { localNames, type Locals } from './locals.js';
import { simpleType } from './type-names.js';
import type { Walker } from './walker.js';

/**
 * The receiver type hint of a member call (`RawCall.receiverType`), the way a
 * language server types a receiver, from declarations alone:
 * - `this` → the enclosing class; `this.a.b` → `this['a']['b']`;
 * - a local (parameter, `const`/`let`/`var`, annotated callback parameter) →
 *   its annotation, else the hint of its initializer (`new C()` → `C`,
 *   `f()` → `ReturnType<typeof f>`, `x as C` → `C`, `await e` → `Awaited<…>`),
 *   the innermost declaration whose scope holds the call;
 * - a top-level `const`/`let`/`var` of the file → the same, read at module level;
 * - any other name (imports, classes, functions, namespaces) → `typeof name`,
 *   which the resolver follows (a class's static side, a variable's type);
 * - a call → `ReturnType<callee>`, a member → `X['p']`.
 * Any other expression (literals, element access, conditionals), a local
 * without an annotation or initializer to read (destructuring, loop and catch
 * variables, untyped callback parameters) gives no hint: such a call stays
 * unresolved, never guessed.
 *
 * Reading is in two steps so the one tree cursor is never needed in two
 * places: the receiver is read into a small expression while the cursor sits
 * on the call, and names are typed afterwards (which may move the cursor to
 * declarations).
 */

export type Receiver =
  | { k: 'this' }
  | { k: 'name'; name: string; at: number }
  | { k: 'member'; of: Receiver; name: string }
  | { k: 'call'; of: Receiver }
  | { k: 'type'; type: string }
  | { k: 'await'; of: Receiver };

const MAX_DEPTH = 12;

/** The walker is on an expression; read it as a receiver (null when it is not one), leaving the walker there. */
export function readReceiver(w: Walker, depth = 0): Receiver | null {
  if (depth > MAX_DEPTH) return null;
  const type = w.type();
  switch (type) {
    case 'this':
      return { k: 'this' };
    case 'identifier':
      return { k: 'name', name: w.text(), at: w.start };
    case 'member_expression': {
      let of: Receiver | null = null;
      let name: string | null = null;
      w.down();
      do {
        const field = w.field();
        if (field === 'object') of = readReceiver(w, depth + 1);
        else if (field === 'property') name = w.type() === 'property_identifier' || w.type() === 'private_property_identifier' ? w.text() : null;
      } while (w.next());
      w.up();
      return of !== null && name !== null ? { k: 'member', of, name } : null;
    }
    case 'call_expression': {
      let of: Receiver | null = null;
      w.down();
      if (w.field() === 'function' && w.type() !== 'import') of = readReceiver(w, depth + 1);
      w.up();
      if (of?.k === 'name' && of.name === 'require') return null;
      return of === null ? null : { k: 'call', of };
    }
    case 'new_expression': {
      let name: string | null = null;
      w.down();
      do {
        if (w.field() !== 'constructor') continue;
        if (w.type() === 'identifier' || w.type() === 'member_expression') name = simpleType(w.text());
        break;
      } while (w.next());
      w.up();
      return name === null ? null : { k: 'type', type: name };
    }
    case 'parenthesized_expression':
    case 'non_null_expression':
    case 'satisfies_expression':
    case 'await_expression':
    case 'as_expression':
    case 'type_assertion': {
      let inner: Receiver | null = null;
      let asType: string | null = null;
      w.down();
      do {
        const t = w.type();
        if (t === '(' || t === ')' || t === '!' || t === 'comment' || t === 'await' || t === 'as' || t === 'satisfies') continue;
        if (type === 'type_assertion' && t === 'type_arguments') asType = simpleType(w.text().slice(1, -1));
        else if (type === 'as_expression' && inner !== null) asType = t === 'const' ? null : simpleType(w.text());
        else if (inner === null) inner = readReceiver(w, depth + 1) ?? { k: 'type', type: '' };
      } while (w.next());
      w.up();
      if (type === 'as_expression' || type === 'type_assertion') return asType === null ? null : { k: 'type', type: asType };
      if (inner === null || (inner.k === 'type' && inner.type === '')) return null;
      return type === 'await_expression' ? { k: 'await', of: inner } : inner;
    }
    default:
      return null;
  }
}

/** A declaration of a name: where it is visible, and what it says about its type. */
interface Binding {
  name: string;
  /** [start, end) of its scope. */
  start: number;
  end: number;
  /** The type as written, simplified; null when there is none. */
  type: string | null;
  /** The initializer, when there is no type. */
  value: Parser.SyntaxNode | null;
  /** Destructured: the binding is this member of the type or initializer (`const { a } = x` → `x['a']`). */
  member?: string;
  /** An untyped parameter of a callback passed to a call: typed by the callee's parameter (`f((x) => …)`). */
  callback?: { callee: Parser.SyntaxNode; isNew: boolean; arg: number; param: number };
}

interface FunctionScope {
  locals: Locals;
  /** Declaration nodes with the name each binds, read from the text (a pattern: PATTERN); bindings are built per name on demand. */
  candidates: { node: Parser.SyntaxNode; lead: string }[];
  byName: Map<string, Binding[]>;
}

/** A destructuring pattern: any name may be bound in it. */
const PATTERN = '{[';
const LEAD_ID = new RegExp(String.raw`[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*`, 'uy');
const PARAM_PREFIX = /(?:(?:public|private|protected|readonly|override)\s+)*(?:\.\.\.\s*)?/y;
const LOOP_PREFIX = /for\s*(?:await\s*)?\(\s*(?:(?:const|let|var)\s+)?/y;
const CATCH_PREFIX = /catch\s*\(\s*/y;
const ASYNC_PREFIX = /(?:async\s+)?/y;

const BINDING_TYPES = ['variable_declarator', 'required_parameter', 'optional_parameter', 'for_in_statement', 'arrow_function', 'catch_clause'];
const BLOCKS = new Set(['statement_block', 'for_statement', 'for_in_statement', 'switch_body', 'program', 'class_body']);
const FUNCTIONS = new Set(['function_declaration', 'function_expression', 'arrow_function', 'method_definition', 'generator_function_declaration', 'generator_function', 'program']);

/** Types receivers for one file: memoised per function and for the file's top level. */
export class ReceiverTyper {
  private readonly scopes = new Map<Range, FunctionScope>();
  private topLevel: Map<string, Binding | null> | null = null;
  private readonly resolving = new Set<Binding>();

  constructor(
    private readonly root: Parser.SyntaxNode,
    private readonly w: Walker,
    private readonly ctx: ExtractContext,
    /** Locals of each function, shared with the call collector (read once per function). */
    private readonly locals: Map<Range, Locals>,
  ) {}

  /** The hint for a receiver read at a call inside `stack` (innermost range last); null when unknown. */
  hint(receiver: Receiver, stack: readonly Range[], depth = 0): string | null {
    if (depth > MAX_DEPTH) return null;
    switch (receiver.k) {
      case 'this':
        return 'this';
      case 'type':
        return receiver.type;
      case 'name':
        return this.nameHint(receiver.name, receiver.at, stack, depth);
      case 'member': {
        const of = this.hint(receiver.of, stack, depth + 1);
        if (of === null) return null;
        // A path of names the resolver can follow as written (`ns.f`, `C.staticField`).
        if (of.startsWith('typeof ') && !of.includes('<') && !of.includes('[')) return `${of}.${receiver.name}`;
        return `${of}['${receiver.name}']`;
      }
      case 'call': {
        const of = this.hint(receiver.of, stack, depth + 1);
        return of === null ? null : `ReturnType<${of}>`;
      }
      case 'await': {
        const of = this.hint(receiver.of, stack, depth + 1);
        return of === null ? null : `Awaited<${of}>`;
      }
    }
  }

  /** The hint of a top-level variable of the file, read at module level (null when unknown). */
  topLevelHint(name: string): string | null {
    const top = this.topLevelBindings().get(name);
    return top == null ? null : this.bindingHint(top, [], 0);
  }

  private nameHint(name: string, at: number, stack: readonly Range[], depth: number): string | null {
    if (name === 'undefined' || name === 'arguments') return null;
    let localSomewhere = false;
    for (let i = stack.length - 1; i >= 0; i--) {
      const range = stack[i] as Range;
      if (range.params === null) continue;
      const scope = this.functionScope(range);
      const binding = innermost(this.bindingsNamed(scope, name), name, at);
      if (binding !== null) return this.bindingHint(binding, stack.slice(0, i + 1), depth);
      if (scope.locals.names.has(name) || scope.locals.blocks.has(name)) localSomewhere = true;
    }
    // A local of some function around the call that no declaration read here explains: unknown.
    if (localSomewhere) return null;
    const top = this.topLevelBindings().get(name);
    if (top === null) return null;
    if (top !== undefined) return this.bindingHint(top, [], depth);
    return `typeof ${name}`;
  }

  private bindingHint(binding: Binding, stack: readonly Range[], depth: number): string | null {
    const whole = this.wholeHint(binding, stack, depth);
    if (whole === null || binding.member === undefined) return whole;
    return whole.startsWith('typeof ') && !/[<[]/.test(whole) ? `${whole}.${binding.member}` : `${whole}['${binding.member}']`;
  }

  /** The hint of what a binding is bound to (before destructuring picks a member). */
  private wholeHint(binding: Binding, stack: readonly Range[], depth: number): string | null {
    if (binding.type !== null) return binding.type;
    const node = binding.callback?.callee ?? binding.value;
    if (node == null || this.resolving.has(binding)) return null;
    this.resolving.add(binding);
    try {
      void node.startIndex; // fills the transfer buffer for reset (see collectCalls)
      this.w.reset(node);
      const receiver = readReceiver(this.w);
      const hint = receiver === null ? null : this.hint(receiver, stack, depth + 1);
      const callback = binding.callback;
      if (callback === undefined || hint === null) return hint;
      // `new C((x) => …)`: the constructor's parameter; `f((x) => …)`: f's.
      const callee = callback.isNew ? (isPlainPath(hint) ? `${hint}.constructor` : null) : hint;
      return callee === null ? null : `Parameters<Parameters<${callee}>[${callback.arg}]>[${callback.param}]`;
    } finally {
      this.resolving.delete(binding);
    }
  }

  private functionScope(range: Range): FunctionScope {
    let scope = this.scopes.get(range);
    if (scope === undefined) {
      let locals = this.locals.get(range);
      if (locals === undefined) {
        locals = localNames(this.ctx.src.text.slice(range.start, range.end), range.params ?? []);
        this.locals.set(range, locals);
      }
      scope = { locals, candidates: this.candidatesIn(range.start, range.end), byName: new Map() };
      this.scopes.set(range, scope);
    }
    return scope;
  }

  /** Declaration nodes in [start, end) (declarators, parameters, loops, single-parameter arrows, catch clauses) with the name each binds. */
  private candidatesIn(start: number, end: number): FunctionScope['candidates'] {
    const src = this.ctx.src;
    const nodes = src.rowsMatchTree()
      ? this.root.descendantsOfType(BINDING_TYPES, { row: src.lineOf(start) - 1, column: 0 }, { row: src.lineOf(Math.max(start, end - 1)), column: 0 })
      : this.root.descendantsOfType(BINDING_TYPES);
    const out: FunctionScope['candidates'] = [];
    for (const node of nodes) {
      const from = node.startIndex;
      if (from < start || node.endIndex > end) continue;
      const lead = leadName(src.text, node.type, from);
      if (lead !== null) out.push({ node, lead });
    }
    return out;
  }

  /** The bindings of `name` in a function, built from the candidates that can bind it. */
  private bindingsNamed(scope: FunctionScope, name: string): Binding[] {
    let bindings = scope.byName.get(name);
    if (bindings === undefined) {
      const all: Binding[] = [];
      const text = this.ctx.src.text;
      for (const { node, lead } of scope.candidates) {
        if (lead === name || (lead === PATTERN && text.slice(node.startIndex, node.endIndex).includes(name))) bindingsOf(node, all);
      }
      bindings = all.filter((b) => b.name === name);
      scope.byName.set(name, bindings);
    }
    return bindings;
  }

  /** Top-level `const`/`let`/`var` declarators of the file by name; null for a name declared twice or by destructuring. */
  private topLevelBindings(): Map<string, Binding | null> {
    if (this.topLevel !== null) return this.topLevel;
    const map = new Map<string, Binding | null>();
    for (const statement of this.root.namedChildren) {
      let declaration: Parser.SyntaxNode | null = statement;
      if (statement.type === 'export_statement') declaration = statement.childForFieldName('declaration');
      if (declaration === null || (declaration.type !== 'lexical_declaration' && declaration.type !== 'variable_declaration')) continue;
      for (const declarator of declaration.namedChildren) {
        if (declarator.type !== 'variable_declarator') continue;
        const bindings: Binding[] = [];
        bindingsOf(declarator, bindings);
        for (const binding of bindings) map.set(binding.name, map.has(binding.name) ? null : binding);
      }
    }
    this.topLevel = map;
    return map;
  }
}

/**
 * The bindings a declarator, parameter, loop, single-parameter arrow or catch
 * clause makes. Destructured names are members of the declared type or of the
 * initializer (`const { a, b: c } = x`); names bound any other way in a pattern
 * (nested, defaults, rest) are bound with no type.
 */
function bindingsOf(node: Parser.SyntaxNode, out: Binding[]): void {
  if (node.type === 'for_in_statement' || node.type === 'catch_clause') {
    // Loop and catch variables: bound, type unknown.
    const id = node.childForFieldName(node.type === 'for_in_statement' ? 'left' : 'parameter');
    if (id !== null && id.type === 'identifier') out.push({ name: id.text, type: null, value: null, start: node.startIndex, end: node.endIndex });
    return;
  }
  if (node.type === 'arrow_function') {
    const id = node.childForFieldName('parameter');
    if (id !== null && id.type === 'identifier') out.push({ name: id.text, type: null, value: null, start: node.startIndex, end: node.endIndex, ...callbackOf(node, 0) });
    return;
  }
  const isDeclarator = node.type === 'variable_declarator';
  const pattern = node.childForFieldName(isDeclarator ? 'name' : 'pattern');
  if (pattern === null) return;
  const scope = scopeOf(node, isDeclarator);
  const annotation = node.childForFieldName('type');
  // An annotation that is not one named type (`x: A | B`, `x: T[]`) says the receiver is not one class: no hint.
  const type = annotation === null ? null : simpleType(annotation.text.replace(/^\s*:/, ''));
  const value = isDeclarator && annotation === null ? node.childForFieldName('value') : null;
  if (pattern.type === 'identifier') {
    const callback = !isDeclarator && annotation === null ? callbackOf(node.parent?.parent ?? null, paramIndex(node)) : null;
    out.push({ name: pattern.text, type, value, ...scope, ...callback });
    return;
  }
  if (pattern.type !== 'object_pattern') {
    for (const id of pattern.descendantsOfType('identifier')) out.push({ name: id.text, type: null, value: null, ...scope });
    return;
  }
  for (const part of pattern.namedChildren) {
    if (part.type === 'shorthand_property_identifier_pattern') {
      out.push({ name: part.text, type, value, member: part.text, ...scope });
      continue;
    }
    const key = part.type === 'pair_pattern' ? part.childForFieldName('key') : null;
    const local = part.type === 'pair_pattern' ? part.childForFieldName('value') : null;
    if (key !== null && key.type === 'property_identifier' && local !== null && local.type === 'identifier') {
      out.push({ name: local.text, type, value, member: key.text, ...scope });
      continue;
    }
    for (const id of part.descendantsOfType(['identifier', 'shorthand_property_identifier_pattern'])) out.push({ name: id.text, type: null, value: null, ...scope });
  }
}

/** The name a declaration node binds, read from the text at its start; PATTERN for a destructuring pattern; null when it binds none. */
function leadName(text: string, type: string, at: number): string | null {
  let i = at;
  const skip = (re: RegExp): void => {
    re.lastIndex = i;
    if (re.exec(text) !== null) i = re.lastIndex;
  };
  if (type === 'required_parameter' || type === 'optional_parameter') {
    if (text.charCodeAt(i) === 64) return PATTERN; // decorated parameter: read it whole
    skip(PARAM_PREFIX);
  } else if (type === 'for_in_statement') skip(LOOP_PREFIX);
  else if (type === 'catch_clause') skip(CATCH_PREFIX);
  else if (type === 'arrow_function') skip(ASYNC_PREFIX);
  const c = text[i];
  if (c === '{' || c === '[') return type === 'arrow_function' || type === 'catch_clause' ? null : PATTERN;
  LEAD_ID.lastIndex = i;
  const m = LEAD_ID.exec(text);
  if (m === null) return null;
  // `(a, b) => …` binds through its parameter nodes; only `x => …` binds here.
  if (type === 'arrow_function' && !/^\s*=>/.test(text.slice(LEAD_ID.lastIndex, LEAD_ID.lastIndex + 8))) return null;
  return m[0];
}

/** Position of a parameter among its list's parameters, `this` left out. */
function paramIndex(param: Parser.SyntaxNode): number {
  let index = 0;
  for (let sibling = param.previousNamedSibling; sibling !== null; sibling = sibling.previousNamedSibling) {
    if (sibling.type !== 'required_parameter' && sibling.type !== 'optional_parameter') continue;
    if (sibling.childForFieldName('pattern')?.type !== 'this') index += 1;
  }
  return index;
}

/** When `fn` (an arrow or function expression) is an argument of a call or `new`: where its parameter `param` gets its type. */
function callbackOf(fn: Parser.SyntaxNode | null, param: number): { callback: NonNullable<Binding['callback']> } | null {
  if (fn === null || (fn.type !== 'arrow_function' && fn.type !== 'function_expression')) return null;
  const args = fn.parent;
  const call = args?.parent;
  if (args == null || call == null || args.type !== 'arguments' || (call.type !== 'call_expression' && call.type !== 'new_expression')) return null;
  let arg = 0;
  for (let sibling = fn.previousNamedSibling; sibling !== null; sibling = sibling.previousNamedSibling) if (sibling.type !== 'comment') arg += 1;
  const callee = call.childForFieldName(call.type === 'call_expression' ? 'function' : 'constructor');
  return callee === null ? null : { callback: { callee, isNew: call.type === 'new_expression', arg, param } };
}

function scopeOf(node: Parser.SyntaxNode, isDeclarator: boolean): { start: number; end: number } {
  const functionScoped = !isDeclarator || node.parent?.type === 'variable_declaration';
  let scope = node.parent;
  // A parameter's scope is its function (the parameter list's parent); `var` is hoisted to the function.
  while (scope !== null && !(functionScoped ? FUNCTIONS.has(scope.type) : BLOCKS.has(scope.type) || FUNCTIONS.has(scope.type))) scope = scope.parent;
  return scope === null ? { start: 0, end: Number.MAX_SAFE_INTEGER } : { start: scope.startIndex, end: scope.endIndex };
}

/** The declaration of `name` with the smallest scope holding `at`; null when none does or two share it. */
function innermost(bindings: readonly Binding[], name: string, at: number): Binding | null {
  let best: Binding | null = null;
  let tie = false;
  for (const b of bindings) {
    if (b.name !== name || at < b.start || at >= b.end) continue;
    if (best === null || b.end - b.start < best.end - best.start) {
      best = b;
      tie = false;
    } else if (b.end - b.start === best.end - best.start) tie = true;
  }
  return tie ? null : best;
}

/** The receiver as a short label for `CallTarget.object` (arguments elided): `f()`, `this.a.get()`, `(C)`. */
export function receiverLabel(receiver: Receiver): string {
  switch (receiver.k) {
    case 'this':
      return 'this';
    case 'name':
      return receiver.name;
    case 'member':
      return `${receiverLabel(receiver.of)}.${receiver.name}`;
    case 'call':
      return `${receiverLabel(receiver.of)}()`;
    case 'type':
      return `(${receiver.type})`;
    case 'await':
      return `(await ${receiverLabel(receiver.of)})`;
  }
}

/** A hint that is only a path of names (`typeof ns.C`): the call's own dotted target says as much. */
export function isPlainPath(hint: string): boolean {
  return hint.startsWith('typeof ') && !/[<[(]/.test(hint);
}
