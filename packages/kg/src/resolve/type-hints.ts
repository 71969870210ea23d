import type { ObjectKind } from '../extract/types.js';
import { simpleType } from '../extract/typescript/type-names.js';

/**
 * Receiver type hints (`RawCall.receiverType`) and declared types of objects,
 * parsed into a small expression the resolver evaluates:
 *   H := 'this' | Name('.'Name)* | 'typeof ' Name('.'Name)* | H "['" member "']"
 *      | 'ReturnType<' H '>' | 'Awaited<' H '>' | 'Promise<' H '>'
 */
export type TypeHint =
  | { k: 'this' }
  | { k: 'type'; path: string[] }
  | { k: 'value'; path: string[] }
  | { k: 'member'; of: TypeHint; name: string }
  | { k: 'return'; of: TypeHint }
  | { k: 'awaited'; of: TypeHint }
  | { k: 'promise'; of: TypeHint };

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

/** What resolution needs of an object's declared types (TS only; see `declaredTypes`). */
export interface DeclaredTypes {
  /** The type of reading it: a property's or variable's declared type, a getter's return type (simplified, see `simpleType`). */
  valueType?: string;
  /** A function's or method's declared return type (simplified). */
  returnType?: string;
}

interface TypedObject {
  kind: ObjectKind;
  qualifiedName: string;
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
export function declaredTypes(objects: readonly TypedObject[]): DeclaredTypes[] {
  const owners = new Map<string, TypedObject>();
  for (const o of objects) if (o.fields !== null && (o.kind === 'class' || o.kind === 'interface' || o.kind === 'type')) owners.set(o.qualifiedName, o);
  return objects.map((o) => {
    const out: DeclaredTypes = {};
    if ((o.kind === 'function' || o.kind === 'method') && o.returns !== null) {
      const type = simpleType(o.returns.type);
      if (type !== null) {
        out.returnType = type;
        const modifiers = (o.metadata as { modifiers?: unknown }).modifiers;
        if (Array.isArray(modifiers) && modifiers.includes('get')) out.valueType = type;
      }
    } else if (o.kind === 'property') {
      const dot = o.qualifiedName.lastIndexOf('.');
      const field = owners.get(o.qualifiedName.slice(0, dot))?.fields?.find((f) => f.name === o.qualifiedName.slice(dot + 1));
      const type = field?.type != null ? simpleType(field.type) : field?.default != null ? (NEW_DEFAULT.exec(field.default)?.[1] ?? null) : null;
      if (type !== null) out.valueType = type;
    } else if (o.kind === 'variable') {
      const { type, valueType } = o.metadata as { type?: unknown; valueType?: unknown };
      const hint = typeof type === 'string' ? simpleType(type) : typeof valueType === 'string' ? valueType : null;
      if (hint !== null) out.valueType = hint;
    }
    return out;
  });
}
