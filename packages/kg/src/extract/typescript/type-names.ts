/**
 * A type as written, reduced to what a receiver type hint can use (see
 * `RawCall.receiverType`): one named type. `C<T>` → `C`; `ns.C` stays;
 * `C | undefined | null` → `C` (a call on it is on C, after `?.` or `!`);
 * `Promise<C>` / `PromiseLike<C>` → `Promise<C>` (awaited later); `(C)` → `C`;
 * `Pick<C, …>`, `Omit<C, …>`, `Partial<C>`, `Required<C>`, `Readonly<C>`, `NonNullable<C>` → `C`.
 * Anything else (unions of several types, intersections, arrays, literals,
 * functions, primitives, `any`) → null: the receiver's type is not one class
 * or interface, and a guess would be a false edge.
 */

const NAME = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*(?:\s*\.\s*[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*)*$/u;
const NOTHING = new Set(['null', 'undefined', 'void']);
const PRIMITIVE = new Set(['string', 'number', 'boolean', 'bigint', 'symbol', 'object', 'any', 'unknown', 'never', 'Function', 'Object']);
const MAX_TYPE = 300;
/** Utility types whose members are members of their first argument. */
const SAME_MEMBERS = new Set(['Pick', 'Omit', 'Partial', 'Required', 'Readonly', 'NonNullable']);

/** Split at top-level occurrences of `sep` (outside <>, (), [], {} and strings). */
function splitTop(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '<' || c === '(' || c === '[' || c === '{') depth += 1;
    else if ((c === '>' && text[i - 1] !== '=') || c === ')' || c === ']' || c === '}') depth -= 1;
    else if (c === '"' || c === "'" || c === '`') {
      // A string literal type: skip it whole.
      const close = text.indexOf(c, i + 1);
      if (close < 0) return [text];
      i = close;
    }
    else if (c === sep && depth === 0) {
      parts.push(text.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(text.slice(from));
  return parts;
}

const PLAIN = /^\s*([\p{ID_Start}$_][\p{ID_Continue}$]*(?:\.[\p{ID_Start}$_][\p{ID_Continue}$]*)*)\s*$/u;

export function simpleType(written: string): string | null {
  if (written.length > MAX_TYPE) return null;
  // Most types are a bare name: no splitting needed.
  const plain = PLAIN.exec(written);
  if (plain !== null) return PRIMITIVE.has(plain[1] as string) || NOTHING.has(plain[1] as string) ? null : (plain[1] as string);
  let text = written.trim();
  while (text.startsWith('(') && text.endsWith(')') && splitTop(text.slice(1, -1), '|').length >= 1 && balanced(text.slice(1, -1))) text = text.slice(1, -1).trim();
  if (text.startsWith('|')) text = text.slice(1).trim();
  const members = splitTop(text, '|')
    .map((m) => m.trim())
    .filter((m) => !NOTHING.has(m));
  if (members.length !== 1) return null;
  const only = members[0] as string;
  if (only !== text) return simpleType(only);
  if (splitTop(text, '&').length > 1) return null;
  const open = text.indexOf('<');
  const name = (open < 0 ? text : text.slice(0, open)).replace(/\s+/g, '');
  if (open >= 0 && !text.endsWith('>')) return null;
  if (!NAME.test(name) || PRIMITIVE.has(name)) return null;
  if (SAME_MEMBERS.has(name) && open >= 0) {
    // `Pick<C, 'a'>`, `Readonly<C>`, …: a member a call names is C's (valid code calls no other).
    const first = splitTop(text.slice(open + 1, -1), ',')[0];
    return first === undefined ? null : simpleType(first);
  }
  if ((name === 'Promise' || name === 'PromiseLike') && open >= 0) {
    const args = splitTop(text.slice(open + 1, -1), ',');
    const inner = args.length === 1 ? simpleType(args[0] as string) : null;
    return inner === null ? null : `Promise<${inner}>`;
  }
  return name;
}

function balanced(text: string): boolean {
  let depth = 0;
  for (const c of text) {
    if (c === '(') depth += 1;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

const LITERAL_MEMBER = /^\s*(?:readonly\s+)?([\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*)\??\s*:([\s\S]*)$/u;
const MAX_LITERAL = 4000;

/** `{ a: A; b: B }` as written → a type a hint can carry (the text, whitespace collapsed), else null. */
export function literalType(written: string): string | null {
  const text = written.trim();
  if (text.length > MAX_LITERAL || !text.startsWith('{') || !text.endsWith('}') || !balanced(text.replace(/[{}]/g, (c) => (c === '{' ? '(' : ')')))) return null;
  return text.replace(/\s+/g, ' ');
}

/** The type of property `name` in an object type literal (`{ a: A; b?: B }`), as written; null when it has none. */
export function literalMemberType(literal: string, name: string): string | null {
  const inner = literal.trim().slice(1, -1);
  for (const sep of [';', ',']) {
    for (const piece of splitTop(inner, sep)) {
      const m = LITERAL_MEMBER.exec(piece);
      if (m !== null && m[1] === name) return (m[2] as string).trim();
    }
  }
  return null;
}
