/**
 * Named types in the text of a type (an annotation, a return type, a type
 * alias value): `Promise<Foo[]>` → `Promise`, `Foo`; `ns.Foo<T>` → `ns.Foo`.
 *
 * This reads the type's text with a small lexer rather than walking its
 * subtree: type annotations hold close to half the nodes of a declaration
 * file, and visiting them through the tree cursor cost more than parsing.
 * In type syntax an identifier is a type reference unless its neighbours say
 * it is a name: a property or parameter (`a: T`, `a?: T`, `(a: T) => U`), a
 * method (`m(): T`), a predicate subject (`x is T`), a modifier (`get x()`),
 * or a type parameter declared in the same text (`<U>(x: U) => U`,
 * `infer U`, `[K in keyof T]`). `typeof x` and `import('m').X` name values
 * and modules, not types, and are skipped.
 */
import type { TypeHit } from './context.js';
import { identifierEnd, isIdentifierStart, skipString, skipTemplate, skipTrivia } from './scan.js';

/** Keywords and primitives: never a reference. */
const KEYWORDS = new Set([
  'string', 'number', 'boolean', 'bigint', 'symbol', 'object', 'any', 'unknown', 'never', 'void',
  'undefined', 'null', 'this', 'true', 'false', 'keyof', 'typeof', 'readonly', 'unique', 'infer',
  'asserts', 'is', 'extends', 'in', 'as', 'new', 'abstract', 'out', 'const', 'import', 'intrinsic',
]);

/** Words that modify the name after them in object types (`get x()`, `static x`). */
const MODIFIERS = new Set(['get', 'set', 'static', 'public', 'private', 'protected', 'override', 'abstract', 'accessor', 'declare', 'async']);

/** Type parameter modifiers: `<const T>`, `<in out T>`. */
const TYPE_PARAM_MODIFIERS = new Set(['const', 'in', 'out']);

const ID = -1;
const OTHER = -2;
const ARROW = -3;
const SPREAD = -4;

/**
 * The tokens of one type text, in flat arrays reused from call to call (a
 * declaration file has tens of thousands of annotations; one object per token
 * was most of the extractor's garbage). `code` is the punctuation character,
 * or ID / OTHER (literal) / ARROW / SPREAD.
 */
class Tokens {
  t = '';
  n = 0;
  code: number[] = [];
  start: number[] = [];
  end: number[] = [];
  /** For '<': 1 when it opens type parameters, 0 for type arguments, -1 not yet known. */
  params: number[] = [];

  push(code: number, start: number, end: number): void {
    const i = this.n++;
    this.code[i] = code;
    this.start[i] = start;
    this.end[i] = end;
    this.params[i] = -1;
  }

  is(i: number, ch: string): boolean {
    return i >= 0 && i < this.n && this.code[i] === ch.charCodeAt(0);
  }

  isId(i: number): boolean {
    return i >= 0 && i < this.n && this.code[i] === ID;
  }

  text(i: number): string {
    return this.t.slice(this.start[i], this.end[i]);
  }

  /** Identifier `i` spells `word` (without slicing). */
  spells(i: number, word: string): boolean {
    const s = this.start[i] as number;
    return this.code[i] === ID && (this.end[i] as number) - s === word.length && this.t.startsWith(word, s);
  }
}

/**
 * Scratch state reused by every call (collectTypeHits does not re-enter
 * itself while a scan is under way: template parts are scanned afterwards).
 */
const scratch = new Tokens();
/** Indices of open brackets; `depth` entries are in use. */
const stack: number[] = [];
/** Type parameters the text declares; `declaredCount` entries are in use. */
const declared: string[] = [];
const templates: number[] = [];
// Counters rather than `array.length = 0`, which is a slow path in V8.
let depth = 0;
let declaredCount = 0;
let templateCount = 0;

function isDeclared(name: string): boolean {
  for (let i = 0; i < declaredCount; i++) if (declared[i] === name) return true;
  return false;
}

function declare(name: string): void {
  declared[declaredCount++] = name;
}

function tokenize(tokens: Tokens, t: string, start: number, end: number): void {
  tokens.t = t;
  tokens.n = 0;
  let i = skipTrivia(t, start, end);
  while (i < end) {
    const c = t.charCodeAt(i);
    if (isIdentifierStart(c) || c === 35 /* # */) {
      const e = Math.max(identifierEnd(t, c === 35 ? i + 1 : i, end), i + 1);
      tokens.push(ID, i, e);
      i = e;
    } else if (c === 39 || c === 34) {
      const e = skipString(t, i, end);
      tokens.push(OTHER, i, e);
      i = e;
    } else if (c === 96) {
      const e = skipTemplate(t, i, end, recordTemplate);
      tokens.push(OTHER, i, e);
      i = e;
    } else if (c >= 48 && c <= 57) {
      let e = i + 1;
      while (e < end) {
        const d = t.charCodeAt(e);
        if (!((d >= 48 && d <= 57) || (d >= 65 && d <= 90) || (d >= 97 && d <= 122) || d === 46 || d === 95)) break;
        e += 1;
      }
      tokens.push(OTHER, i, e);
      i = e;
    } else if (c === 61 && t.charCodeAt(i + 1) === 62) {
      tokens.push(ARROW, i, i + 2);
      i += 2;
    } else if (c === 46 && t.charCodeAt(i + 1) === 46 && t.charCodeAt(i + 2) === 46) {
      tokens.push(SPREAD, i, i + 3);
      i += 3;
    } else {
      tokens.push(c, i, i + 1);
      i += 1;
    }
    i = skipTrivia(t, i, end);
  }
}

/** Index of the token closing the bracket opened at `open`, or -1. */
function matching(tokens: Tokens, open: number, openCh: number, closeCh: number): number {
  let depth = 0;
  for (let k = open; k < tokens.n; k++) {
    const code = tokens.code[k];
    if (code === openCh) depth += 1;
    else if (code === closeCh) {
      depth -= 1;
      if (depth === 0) return k;
    }
  }
  return -1;
}

/** After `import` at `k` (`import('m').A.B`): index of the last token of the form. */
function skipImportType(tokens: Tokens, k: number): number {
  if (!tokens.is(k + 1, '(')) return k;
  let j = matching(tokens, k + 1, 40, 41);
  if (j < 0) return tokens.n - 1;
  while (tokens.is(j + 1, '.') && tokens.isId(j + 2)) j += 2;
  return j;
}

/** Last token of the dotted chain starting at identifier `k`. */
function chainEnd(tokens: Tokens, k: number): number {
  let j = k;
  while (tokens.is(j + 1, '.') && tokens.isId(j + 2)) j += 2;
  return j;
}

/**
 * Append the named types in `[start, end)` to `out`. Type parameters the
 * text declares itself are dropped; the caller drops the declaration's own.
 */
export function collectTypeHits(t: string, start: number, end: number, kind: TypeHit['kind'], out: TypeHit[]): void {
  templateCount = 0;
  tokenize(scratch, t, start, end);
  classify(scratch, kind, out);
  // Do not keep the file's text alive through the scratch tokens.
  scratch.t = '';
  if (templateCount === 0) return;
  // Template literal types: `${Foo}` parts are types too.
  const parts = templates.slice(0, templateCount);
  const names = declared.slice(0, declaredCount);
  for (let i = 0; i < parts.length; i += 2) {
    const more: TypeHit[] = [];
    collectTypeHits(t, parts[i] as number, parts[i + 1] as number, kind, more);
    for (const hit of more) if (!names.includes(hit.target)) out.push(hit);
  }
}

function recordTemplate(start: number, end: number): void {
  templates[templateCount++] = start;
  templates[templateCount++] = end;
}

/**
 * Classify the tokens, pushing references to `out`; the names the text
 * declares are left in `declared`. A declaration always precedes its uses in
 * a type's text, so filtering as we go is enough.
 */
function classify(tokens: Tokens, kind: TypeHit['kind'], out: TypeHit[]): void {
  declaredCount = 0;
  depth = 0;
  const n = tokens.n;
  for (let k = 0; k < n; k++) {
    const code = tokens.code[k] as number;
    if (code !== ID) {
      if (code === 60 /* < */) {
        // Type arguments follow a type name; anything else opens type parameters (`<U>(x: U) => U`).
        if (tokens.params[k] === -1) tokens.params[k] = tokens.isId(k - 1) && !tokens.spells(k - 1, 'new') ? 0 : 1;
        stack[depth++] = k;
      } else if (code === 40 || code === 91 || code === 123) stack[depth++] = k;
      else if ((code === 62 || code === 41 || code === 93 || code === 125) && depth > 0) depth -= 1;
      continue;
    }
    const last = chainEnd(tokens, k);
    const next = last + 1;
    const prev = k - 1;
    const topIndex = depth > 0 ? (stack[depth - 1] as number) : -1;
    // Names: `a: T`, `a?: T` (not the `? X :` of a conditional type).
    if ((tokens.is(next, ':') && !tokens.is(prev, '?')) || (tokens.is(next, '?') && tokens.is(next + 1, ':'))) {
      k = last;
      continue;
    }
    const single = last === k;
    if (single && (tokens.spells(k, 'import') || tokens.spells(k, 'typeof'))) {
      if (tokens.spells(k, 'import')) k = skipImportType(tokens, k);
      else if (tokens.isId(k + 1)) k = tokens.spells(k + 1, 'import') ? skipImportType(tokens, k + 1) : chainEnd(tokens, k + 1);
      continue;
    }
    // Methods: `m(…)`, `m<T>(…)`.
    if (single && tokens.is(next, '(')) continue;
    if (single && tokens.is(next, '<')) {
      const close = matching(tokens, next, 60, 62);
      if (close > 0 && tokens.is(close + 1, '(')) {
        tokens.params[next] = 1;
        continue;
      }
    }
    const text = tokens.text(k);
    // Type parameters declared here: `<T, const U extends X = Y>`.
    if (topIndex >= 0 && tokens.params[topIndex] === 1) {
      const afterModifier =
        tokens.isId(prev) && TYPE_PARAM_MODIFIERS.has(tokens.text(prev)) && (tokens.is(k - 2, '<') || tokens.is(k - 2, ','));
      if (tokens.is(prev, '<') || tokens.is(prev, ',') || afterModifier) {
        if (!(TYPE_PARAM_MODIFIERS.has(text) && tokens.isId(next))) declare(text);
        continue;
      }
    }
    if (single && KEYWORDS.has(text)) {
      if (text === 'infer' && tokens.isId(k + 1)) {
        declare(tokens.text(k + 1));
        k += 1;
      }
      continue;
    }
    if (tokens.isId(next)) {
      if (tokens.spells(next, 'is')) {
        k = last;
        continue;
      }
      if (tokens.spells(next, 'in')) {
        declare(text);
        continue;
      }
      if (single && MODIFIERS.has(text)) continue;
    }
    if (tokens.isId(prev) && tokens.spells(prev, 'asserts')) {
      k = last;
      continue;
    }
    if (topIndex >= 0 && (tokens.is(next, ',') || tokens.is(next, '}') || tokens.is(next, ')')) && !tokens.is(prev, ':')) {
      const top = tokens.code[topIndex];
      // `({ a, b }: T) => U`: bare names in braces are a destructuring pattern.
      if (top === 123 && !tokens.is(next, ')')) {
        k = last;
        continue;
      }
      // `(a, b) => U`: untyped parameters of a function type.
      if (top === 40 && (tokens.is(prev, '(') || tokens.is(prev, ',')) && tokens.code[matching(tokens, topIndex, 40, 41) + 1] === ARROW) {
        k = last;
        continue;
      }
    }
    if (text.charCodeAt(0) === 35 || (single && declaredCount > 0 && isDeclared(text))) {
      k = last;
      continue;
    }
    const target = single ? text : tokens.t.slice(tokens.start[k], tokens.end[last]).replace(/\s+/g, '');
    out.push({ kind, target, index: tokens.start[k] as number });
    k = last;
  }
}
