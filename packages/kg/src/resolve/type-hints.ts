import type { ObjectKind } from '../extract/types.js';
import { literalType, simpleType } from '../extract/typescript/type-names.js';

/**
 * Receiver type hints (`RawCall.receiverType`) and declared types of objects,
 * parsed into a small expression the resolver evaluates:
 *   H := 'this' | Name('.'Name)* | 'typeof ' Name('.'Name)* | H "['" member "']"
 *      | 'ReturnType<' H '>' | 'Awaited<' H '>' | 'Promise<' H '>'
 *      | 'Parameters<' H '>[' n ']'      (the type of H's n-th parameter, `this` not counted)
 */
export type TypeHint =
  | { k: 'this' }
  | { k: 'type'; path: string[] }
  | { k: 'value'; path: string[] }
  | { k: 'member'; of: TypeHint; name: string }
  | { k: 'return'; of: TypeHint }
  | { k: 'awaited'; of: TypeHint }
  | { k: 'promise'; of: TypeHint }
  | { k: 'param'; of: TypeHint; index: number };

const NAME = /^[\p{ID_Start}$_#][\p{ID_Continue}$\u200C\u200D]*/u;
const MAX_HINT = 1000;

export function parseTypeHint(text: string): TypeHint | null {
  if (text.length > MAX_HINT) return null;
  const parser = { text, i: 0 };
  const hint = parseHint(parser);
  return hint !== null && parser.i === text.length ? hint : null;
}

function parseHint(p: { text: string; i: number }): TypeHint | null {
  let hint: TypeHint | null = null;
  for (const [prefix, k] of [
    ['ReturnType<', 'return'],
    ['Awaited<', 'awaited'],
    ['Promise<', 'promise'],
  ] as const) {
    if (!p.text.startsWith(prefix, p.i)) continue;
    p.i += prefix.length;
    const of = parseHint(p);
    if (of === null || p.text[p.i] !== '>') return null;
    p.i += 1;
    hint = { k, of };
    break;
  }
  if (hint === null && p.text.startsWith('Parameters<', p.i)) {
    p.i += 'Parameters<'.length;
    const of = parseHint(p);
    const m = /^>\[(\d{1,3})\]/.exec(p.text.slice(p.i, p.i + 8));
    if (of === null || m === null) return null;
    p.i += m[0].length;
    hint = { k: 'param', of, index: Number(m[1]) };
  }
  if (hint === null) {
    const value = p.text.startsWith('typeof ', p.i);
    if (value) p.i += 'typeof '.length;
    const path = parsePath(p);
    if (path === null) return null;
    hint = !value && path.length === 1 && path[0] === 'this' ? { k: 'this' } : { k: value ? 'value' : 'type', path };
  }
  if (hint === null) return null;
  let result: TypeHint = hint;
  while (p.text.startsWith("['", p.i)) {
    const close = p.text.indexOf("']", p.i + 2);
    if (close < 0) return null;
    result = { k: 'member', of: result, name: p.text.slice(p.i + 2, close) };
    p.i = close + 2;
  }
  return result;
}

function parsePath(p: { text: string; i: number }): string[] | null {
  const path: string[] = [];
  for (;;) {
    const m = NAME.exec(p.text.slice(p.i, p.i + 256));
    if (m === null) return null;
    path.push(m[0]);
    p.i += m[0].length;
    if (p.text[p.i] !== '.') return path;
    p.i += 1;
  }
}

/** What resolution needs of an object's declared types (see `declaredTypesFor`). */
export interface DeclaredTypes {
  /**
   * The type of reading it: a property's or variable's declared type, a getter's return type
   * (simplified, see `simpleType`; an object type literal `{ a: A }` as written).
   */
  valueType?: string;
  /** A function's or method's declared return type (simplified). */
  returnType?: string;
  /** A function's or method's parameters' types as written when they are function types (callbacks), else null; absent when none is. */
  paramTypes?: (string | null)[];
  /**
   * Type parameters when one has a constraint (`<T extends C, U>`): name → the constraint
   * (simplified), '' for one without; absent when none has one.
   */
  typeConstraints?: Record<string, string>;
}

const GENERIC_KINDS: ReadonlySet<ObjectKind> = new Set(['class', 'interface', 'type', 'function', 'method']);
const TYPE_PARAM = /^\s*(?:const\s+|in\s+|out\s+)*([\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*)\s+extends\s+([\s\S]+)$/u;

/** `<T extends C, U = D>` right after the object's name in its signature → { T: 'C' }; null when none has a usable constraint. */
export function typeConstraints(signature: string, name: string): Record<string, string> | null {
  if (!signature.includes('extends')) return null;
  let at = signature.indexOf(name);
  if (at < 0) return null;
  at += name.length;
  while (signature[at] === ' ') at += 1;
  if (signature[at] !== '<') return null;
  const close = matching(signature, at);
  if (close < 0) return null;
  let out: Record<string, string> | null = null;
  let constrained = false;
  for (const piece of splitParams(signature.slice(at + 1, close))) {
    const m = TYPE_PARAM.exec(piece);
    // `T extends C = D`: the constraint is what member access sees. A parameter without one
    // (or with one that is not a named type) is recorded as '': it shadows any type of that name.
    const constraint = m === null ? null : simpleType(splitTopLevel(m[2] as string, '=')[0] ?? '');
    const name = m === null ? /^\s*(?:const\s+|in\s+|out\s+)*([\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*)/u.exec(piece)?.[1] : m[1];
    if (name === undefined) continue;
    out ??= Object.create(null) as Record<string, string>;
    out[name] = constraint ?? '';
    if (constraint !== null) constrained = true;
  }
  return constrained ? out : null;
}

/** Split at top-level `sep` (not inside brackets; `=>` is not a `=`). */
function splitTopLevel(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '<' || c === '[' || c === '{') depth += 1;
    else if (c === ')' || (c === '>' && text[i - 1] !== '=') || c === ']' || c === '}') depth -= 1;
    else if (c === sep && depth === 0 && text[i + 1] !== '>') {
      out.push(text.slice(from, i));
      from = i + 1;
    }
  }
  out.push(text.slice(from));
  return out;
}

/**
 * The parameter types of a function type as written (`(this: X, a: A, b?: B) => R`),
 * `this` left out; null when the text is not one function type.
 */
export function functionTypeParams(written: string): string[] | null {
  let text = written.trim();
  while (text.startsWith('(') && matching(text, 0) === text.length - 1) text = text.slice(1, -1).trim();
  if (text.startsWith('<')) {
    const close = matching(text, 0);
    if (close < 0) return null;
    text = text.slice(close + 1).trim();
  }
  if (!text.startsWith('(')) return null;
  const close = matching(text, 0);
  if (close < 0 || !text.slice(close + 1).trim().startsWith('=>')) return null;
  const params: string[] = [];
  for (const piece of splitParams(text.slice(1, close))) {
    const colon = piece.indexOf(':');
    const name = (colon < 0 ? piece : piece.slice(0, colon)).trim();
    if (name === 'this') continue;
    params.push(colon < 0 || name.startsWith('...') ? '' : piece.slice(colon + 1).trim());
  }
  return params;
}

/** Index of the bracket closing the one at `open`, or -1. */
function matching(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '<' || c === '[' || c === '{') depth += 1;
    else if ((c === ')' || (c === '>' && text[i - 1] !== '=') || c === ']' || c === '}') && --depth === 0) return i;
  }
  return -1;
}

/** A parameter list split at its top-level commas; a trailing comma leaves no empty piece. */
function splitParams(text: string): string[] {
  const pieces = splitTopLevel(text, ',');
  if (pieces.length > 0 && (pieces[pieces.length - 1] as string).trim() === '') pieces.pop();
  return pieces;
}

interface TypedObject {
  kind: ObjectKind;
  qualifiedName: string;
  signature: string;
  params: { type: string | null }[] | null;
  returns: { type: string } | null;
  fields: { name: string; type: string | null; default: string | null }[] | null;
  metadata: { modifiers?: unknown; type?: unknown; valueType?: unknown } | Record<string, unknown>;
}

const NEW_DEFAULT = /^new\s+([\p{ID_Start}$_][\p{ID_Continue}$]*(?:\.[\p{ID_Start}$_][\p{ID_Continue}$]*)*)\s*[<(]/u;

/**
 * Declared types of a TS file's objects, in order: return types of functions
 * and methods, the type of properties (from their owner's fields: the
 * annotation, else a `new C(…)` initializer) and of variables (`metadata.type`,
 * the annotation, else the extractor's `metadata.valueType` hint of the initializer). Empty for Python, whose annotations are not read this way.
 */
/** The declared types resolution reads, by language (see `declaredTypes`, `pythonReturnTypes`). */
export function declaredTypesFor(language: 'ts' | 'py', objects: readonly TypedObject[]): DeclaredTypes[] {
  return language === 'ts' ? declaredTypes(objects) : pythonReturnTypes(objects);
}

const PY_CLASS_ANNOTATION = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*(?:\.[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*)*$/u;

/**
 * Python: the return annotation of a function or method when it names one class
 * (`-> Parser`, `-> "Parser"`, `-> mod.Parser`); `Optional[…]`, unions and generics
 * say nothing certain about a receiver.
 */
export function pythonReturnTypes(objects: readonly TypedObject[]): DeclaredTypes[] {
  return objects.map((o) => {
    if ((o.kind !== 'function' && o.kind !== 'method') || o.returns === null) return {};
    const text = o.returns.type.trim().replace(/^(['"])(.*)\1$/su, '$2').trim();
    return PY_CLASS_ANNOTATION.test(text) && text !== 'None' ? { returnType: text } : {};
  });
}

export function declaredTypes(objects: readonly TypedObject[]): DeclaredTypes[] {
  const owners = new Map<string, TypedObject>();
  for (const o of objects) if (o.fields !== null && (o.kind === 'class' || o.kind === 'interface' || o.kind === 'type')) owners.set(o.qualifiedName, o);
  return objects.map((o) => {
    const out: DeclaredTypes = {};
    if (GENERIC_KINDS.has(o.kind)) {
      const constraints = typeConstraints(o.signature, o.qualifiedName.slice(o.qualifiedName.lastIndexOf('.') + 1));
      if (constraints !== null) out.typeConstraints = constraints;
    }
    if ((o.kind === 'function' || o.kind === 'method') && o.params?.some((p) => p.type?.includes('=>'))) {
      out.paramTypes = o.params.map((p) => (p.type?.includes('=>') ? p.type : null));
    }
    if ((o.kind === 'function' || o.kind === 'method') && o.returns !== null) {
      const type = simpleType(o.returns.type) ?? literalType(o.returns.type);
      if (type !== null) {
        out.returnType = type;
        const modifiers = (o.metadata as { modifiers?: unknown }).modifiers;
        if (Array.isArray(modifiers) && modifiers.includes('get')) out.valueType = type;
      }
    } else if (o.kind === 'property') {
      const dot = o.qualifiedName.lastIndexOf('.');
      const field = owners.get(o.qualifiedName.slice(0, dot))?.fields?.find((f) => f.name === o.qualifiedName.slice(dot + 1));
      const type = field?.type != null ? (simpleType(field.type) ?? literalType(field.type)) : field?.default != null ? (NEW_DEFAULT.exec(field.default)?.[1] ?? null) : null;
      if (type !== null) out.valueType = type;
    } else if (o.kind === 'variable') {
      const { type, valueType } = o.metadata as { type?: unknown; valueType?: unknown };
      const hint = typeof type === 'string' ? (simpleType(type) ?? literalType(type)) : typeof valueType === 'string' ? valueType : null;
      if (hint !== null) out.valueType = hint;
    }
    return out;
  });
}
