import type Parser from 'tree-sitter';
import type { CallTarget, ImportBinding, RawCall } from '../types.js';
import type { ExtractContext, Range, Site } from './context.js';
import { localNames, type Locals } from './locals.js';
import { isPlainPath, readReceiver, ReceiverTyper, receiverLabel, type Receiver } from './receivers.js';
import { simpleType } from './type-names.js';
import { unquote } from './source.js';
import type { Walker } from './walker.js';

/** A receiver path longer than this is never a plain dotted name worth parsing. */
const MAX_CALLEE = 256;

const ID = String.raw`[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*`;
/** `a.b.c`, `this.x`, `this.#p` once whitespace, `?.` and `!` are removed. */
const DOTTED = new RegExp(String.raw`^${ID}(?:\.#?${ID})*$`, 'u');

/**
 * Every call and `new` in the file, attributed to the innermost extracted
 * object around it, plus `require('x')` and `import('x')` as imports.
 *
 * The tree is searched natively (`descendantsOfType`), which is several times
 * cheaper than walking every node from JS; the object ranges, recorded in
 * pre-order while declarations were read, are then swept in step with the
 * calls (both are in source order) to find each call's enclosing object.
 */
export function collectCalls(root: Parser.SyntaxNode, w: Walker, ctx: ExtractContext, moduleSite: Site): void {
  const nodes = findCalls(root, ctx);
  const locals = new Map<Range, Locals>();
  const typer = new ReceiverTyper(root, w, ctx, locals);
  typeVariables(ctx, typer);
  if (nodes.length === 0) return;
  const ranges = [...ctx.ranges].sort((a, b) => a.start - b.start || b.end - a.end);
  const stack: typeof ranges = [];
  const member: MemberCallee = { receiver: null, property: null };
  let next = 0;
  for (const node of nodes) {
    // Reading startIndex first is required: `cursor.reset(node)` takes the node from the
    // binding's transfer buffer, which a node getter fills (node-tree-sitter 0.21).
    const start = node.startIndex;
    w.reset(node);
    while (next < ranges.length && (ranges[next]?.start ?? Infinity) <= start) {
      const range = ranges[next++] as (typeof ranges)[number];
      while (stack.length > 0 && (stack[stack.length - 1]?.end ?? 0) <= range.start) stack.pop();
      stack.push(range);
    }
    while (stack.length > 0 && (stack[stack.length - 1]?.end ?? 0) <= start) stack.pop();
    const site = stack[stack.length - 1]?.site ?? moduleSite;
    member.receiver = null;
    let target = w.type() === 'new_expression' ? newTarget(w) : callTarget(w, ctx, node, start, member);
    if (target === null) continue;
    let receiverType: string | null = null;
    if (member.receiver !== null && member.property !== null && (target.form === 'member' || target.form === 'dynamic')) {
      receiverType = typer.hint(member.receiver, stack);
      if (receiverType !== null && isPlainPath(receiverType)) receiverType = null;
      if (receiverType !== null && target.form === 'dynamic') target = { form: 'member', object: receiverLabel(member.receiver), property: member.property };
    }
    if (target.form === 'self' && target.viaSuper !== true && site.fromKind !== 'method' && site.fromKind !== 'class' && site.fromKind !== 'property') {
      // `this.m()` outside a class: typed only by an explicit `this:` parameter of the function around it.
      receiverType = thisParameterType(node, ctx.src.text);
    }
    const call: RawCall = { from: site.from, fromKind: site.fromKind, line: ctx.src.lineOf(start), target };
    if (receiverType !== null) call.receiverType = receiverType;
    const first = firstName(target);
    if (first !== null && boundInEnclosingFunction(ctx, stack, first, start, locals)) call.boundLocally = true;
    ctx.calls.push(call);
  }
}

/**
 * Exported top-level variables without an annotation get the type hint of
 * their initializer as `metadata.valueType` (`export const scheduler = new
 * AsyncScheduler()` → `AsyncScheduler`), so calls through them from other
 * files resolve (`scheduler.schedule()`); annotated ones have `metadata.type`.
 */
function typeVariables(ctx: ExtractContext, typer: ReceiverTyper): void {
  for (const object of ctx.objects) {
    if (object.kind !== 'variable' || object.qualifiedName.includes('.') || object.metadata.type !== undefined) continue;
    const hint = typer.topLevelHint(object.name);
    if (hint !== null && hint !== 'this') object.metadata.valueType = hint;
  }
}

const THIS_PARAMETER = /^\(\s*this\s*:/;
const FUNCTION_SCOPES = new Set(['function_expression', 'function_declaration', 'generator_function', 'generator_function_declaration']);

/** The annotated `this:` type of the innermost non-arrow function around a call (simplified), or null. */
function thisParameterType(node: Parser.SyntaxNode, text: string): string | null {
  let scope = node.parent;
  while (scope !== null) {
    const type = scope.type;
    if (type === 'method_definition' || type === 'class_body' || type === 'program') return null;
    if (!FUNCTION_SCOPES.has(type)) {
      scope = scope.parent;
      continue;
    }
    const params = scope.childForFieldName('parameters');
    if (params === null || !THIS_PARAMETER.test(text.slice(params.startIndex, params.startIndex + 64))) return null;
    const first = params.namedChildren.find((c) => c.type === 'required_parameter');
    const annotation = first?.childForFieldName('type');
    return annotation == null ? null : simpleType(annotation.text.replace(/^\s*:/, ''));
  }
  return null;
}

function firstName(target: CallTarget): string | null {
  const path = target.form === 'name' || target.form === 'new' ? target.name : target.form === 'member' ? target.object : null;
  if (path === null) return null;
  const dot = path.indexOf('.');
  return dot < 0 ? path : path.slice(0, dot);
}

/** Whether `name` is a local variable of a function or method around the call (innermost first); locals are read once per function. */
function boundInEnclosingFunction(ctx: ExtractContext, stack: readonly Range[], name: string, at: number, memo: Map<Range, Locals>): boolean {
  for (let i = stack.length - 1; i >= 0; i--) {
    const range = stack[i] as Range;
    if (range.params === null) continue;
    let locals = memo.get(range);
    if (locals === undefined) {
      locals = localNames(ctx.src.text.slice(range.start, range.end), range.params);
      memo.set(range, locals);
    }
    if (locals.names.has(name)) return true;
    const offset = at - range.start;
    if (locals.blocks.get(name)?.some(([from, to]) => offset >= from && offset < to)) return true;
  }
  return false;
}

/**
 * The call and new nodes inside the code spans (imports, re-exports, type
 * declarations and overload signatures cannot hold calls), in source order. Spans are
 * searched by row (descendantsOfType takes points); rows come from our line
 * table, which agrees with the tree's unless the file has line breaks other
 * than LF and CRLF, in which case the whole tree is searched.
 */
function findCalls(root: Parser.SyntaxNode, ctx: ExtractContext): Parser.SyntaxNode[] {
  const spans = ctx.codeSpans;
  if (spans.length === 0) return [];
  if (!ctx.src.rowsMatchTree()) return root.descendantsOfType(CALL_TYPES);
  const found: Parser.SyntaxNode[] = [];
  let i = 0;
  while (i < spans.length) {
    const startRow = ctx.src.lineOf(spans[i] as number) - 1;
    let endRow = ctx.src.lineOf((spans[i + 1] as number) - 1) - 1;
    i += 2;
    // Spans that share or touch a row are searched together, so no call is found twice.
    while (i < spans.length && ctx.src.lineOf(spans[i] as number) - 1 <= endRow + 1) {
      endRow = ctx.src.lineOf((spans[i + 1] as number) - 1) - 1;
      i += 2;
    }
    const nodes = root.descendantsOfType(CALL_TYPES, { row: startRow, column: 0 }, { row: endRow + 1, column: 0 });
    for (const node of nodes) found.push(node);
  }
  return found;
}

const CALL_TYPES = ['call_expression', 'new_expression'];

/** Receiver text → dotted path, or null when it is not a plain name chain. */
function dottedPath(w: Walker): string | null {
  if (w.end - w.start > MAX_CALLEE) return null;
  const path = w.text().replace(/\s+/g, '').replace(/\?\./g, '.').replace(/!/g, '');
  return DOTTED.test(path) ? path : null;
}

function newTarget(w: Walker): CallTarget {
  w.down();
  let target: CallTarget = { form: 'dynamic' };
  do {
    if (w.field() !== 'constructor') continue;
    const type = w.type();
    if (type === 'identifier' || type === 'member_expression') {
      const path = dottedPath(w);
      if (path !== null) target = { form: 'new', name: path };
    }
    break;
  } while (w.next());
  w.up();
  return target;
}

/** A member call's receiver and property, read while the walker is on the callee. */
interface MemberCallee {
  receiver: Receiver | null;
  property: string | null;
}

/** Target of a call, or null when the call is an import (`require('x')`, `import('x')`); a member callee's parts go to `member`. */
function callTarget(w: Walker, ctx: ExtractContext, node: Parser.SyntaxNode, start: number, member: MemberCallee): CallTarget | null {
  w.down();
  if (w.type() === 'await_expression') {
    // `await f<T>(x)` parses as a call of `(await f)` with type arguments: the callee is f.
    const target = awaitedCallee(w);
    w.up();
    return target;
  }
  const type = w.type();
  let target: CallTarget = { form: 'dynamic' };
  if (type === 'identifier') {
    const name = w.text();
    if ((name === 'require' || name === 'import') && importCall(w, ctx, node, start, name === 'require')) return null;
    target = { form: 'name', name };
  } else if (type === 'import') {
    if (importCall(w, ctx, node, start, false)) return null;
  } else if (type === 'super') {
    target = { form: 'self', property: 'constructor', viaSuper: true };
  } else if (type === 'member_expression') {
    target = memberTarget(w);
    readMemberCallee(w, member);
  }
  w.up();
  return target;
}

/** The walker is on a member_expression callee: its object as a receiver, and its property name. */
function readMemberCallee(w: Walker, member: MemberCallee): void {
  member.receiver = null;
  member.property = null;
  w.down();
  do {
    const field = w.field();
    if (field === 'object') member.receiver = readReceiver(w);
    else if (field === 'property') member.property = w.type() === 'property_identifier' || w.type() === 'private_property_identifier' ? w.text() : null;
  } while (w.next());
  w.up();
}

/** The walker is on an `await_expression` callee; the target of its operand, left where it started. */
function awaitedCallee(w: Walker): CallTarget {
  let target: CallTarget = { form: 'dynamic' };
  if (!w.down()) return target;
  while (w.type() === 'await' || w.type() === 'comment') if (!w.next()) break;
  const type = w.type();
  if (type === 'identifier') target = { form: 'name', name: w.text() };
  else if (type === 'member_expression') target = memberTarget(w);
  w.up();
  return target;
}

function memberTarget(w: Walker): CallTarget {
  const path = dottedPath(w);
  if (path === null) return { form: 'dynamic' };
  const dot = path.lastIndexOf('.');
  const object = path.slice(0, dot);
  const property = path.slice(dot + 1);
  if (object === 'this') return { form: 'self', property };
  if (object === 'super') return { form: 'self', property, viaSuper: true };
  return { form: 'member', object, property };
}

/**
 * `require('x')` / `import('x')` with one string literal argument: record the
 * import and return true (the walker is left on the callee's parent).
 */
function importCall(w: Walker, ctx: ExtractContext, node: Parser.SyntaxNode, start: number, isRequire: boolean): boolean {
  const specifier = stringArgument(w);
  if (specifier === null) return false;
  w.up();
  const names = isRequire ? requireBindings(w, node) : [];
  ctx.imports.push({ specifier, level: 0, names, reexport: false, typeOnly: false, line: ctx.src.lineOf(start) });
  return true;
}

/** The walker is on the callee; the argument list is its next sibling (after type arguments). */
function stringArgument(w: Walker): string | null {
  while (w.next()) {
    if (w.field() !== 'arguments') continue;
    let literal: string | null = null;
    let count = 0;
    w.down();
    do {
      const type = w.type();
      if (type === '(' || type === ')' || type === ',' || type === 'comment') continue;
      count += 1;
      if (type === 'string') literal = unquote(w.text());
    } while (w.next());
    w.up();
    return count === 1 ? literal : null;
  }
  return null;
}

/** `const x = require('m')` → `*` as x; `const { a, b: c } = require('m')` → a, b as c; `const y = require('m').y`. */
function requireBindings(w: Walker, node: Parser.SyntaxNode): ImportBinding[] {
  let parent = node.parent;
  let imported = '*';
  if (parent !== null && parent.type === 'member_expression') {
    const property = parent.lastChild;
    if (property === null || property.type !== 'property_identifier') return [];
    imported = property.text;
    parent = parent.parent;
  }
  if (parent === null || parent.type !== 'variable_declarator') return [];
  void parent.startIndex; // fills the transfer buffer for reset (see collectCalls)
  w.reset(parent);
  const names: ImportBinding[] = [];
  w.down();
  do {
    if (w.field() !== 'name') continue;
    if (w.type() === 'identifier') names.push({ imported, local: w.text() });
    else if (w.type() === 'object_pattern' && imported === '*') objectPatternBindings(w, names);
    break;
  } while (w.next());
  w.up();
  return names;
}

function objectPatternBindings(w: Walker, names: ImportBinding[]): void {
  if (!w.down()) return;
  do {
    const type = w.type();
    if (type === 'shorthand_property_identifier_pattern') {
      const name = w.text();
      names.push({ imported: name, local: name });
    } else if (type === 'pair_pattern') {
      let key = '';
      let local: string | null = null;
      w.down();
      do {
        if (w.field() === 'key') key = w.type() === 'string' ? unquote(w.text()) : w.text();
        else if (w.field() === 'value' && w.type() === 'identifier') local = w.text();
      } while (w.next());
      w.up();
      if (local !== null) names.push({ imported: key, local });
    }
  } while (w.next());
  w.up();
}
