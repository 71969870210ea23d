/**
 * Character-level scanning of declaration headers.
 *
 * The tree tells us where each declaration, member and body starts and ends;
 * the details of a header (modifiers, name, parameters, types) are read from
 * the text between those bounds. Reading a header from the tree costs a
 * native call per token, which on declaration-heavy files (lib.dom.d.ts) costs
 * more than parsing the file; scanning the same few dozen characters in JS is
 * nearly free. Everything here works on `[start, end)` ranges of the file text
 * and understands strings, template literals, comments and bracket nesting.
 */

const OPEN_PAREN = 40;
const CLOSE_PAREN = 41;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const LESS = 60;
const GREATER = 62;
const EQUALS = 61;
const SLASH = 47;
const STAR = 42;
const BACKSLASH = 92;
const BACKTICK = 96;
const DOLLAR = 36;
const QUOTE = 39;
const DOUBLE_QUOTE = 34;

const ID_CHAR_EXTRA = /[\p{ID_Continue}\u200C\u200D]/u;
const ID_START_EXTRA = /[\p{ID_Start}]/u;

export function isIdentifierStart(c: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === DOLLAR;
  return ID_START_EXTRA.test(String.fromCharCode(c));
}

function isIdentifierPart(c: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === DOLLAR;
  return ID_CHAR_EXTRA.test(String.fromCharCode(c));
}

function isWhitespace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff || c === 0x2028 || c === 0x2029;
}

/** Skip whitespace and comments. */
export function skipTrivia(t: string, i: number, end: number): number {
  while (i < end) {
    const c = t.charCodeAt(i);
    if (isWhitespace(c)) {
      i += 1;
      continue;
    }
    if (c === SLASH) {
      const n = t.charCodeAt(i + 1);
      if (n === SLASH) {
        const nl = t.indexOf('\n', i + 2);
        i = nl < 0 || nl >= end ? end : nl + 1;
        continue;
      }
      if (n === STAR) {
        const close = t.indexOf('*/', i + 2);
        i = close < 0 || close + 2 > end ? end : close + 2;
        continue;
      }
    }
    break;
  }
  return i;
}

/** End of an identifier starting at `i` (== i when there is none). */
export function identifierEnd(t: string, i: number, end: number): number {
  if (i >= end || !isIdentifierStart(t.charCodeAt(i))) return i;
  let j = i + 1;
  while (j < end && isIdentifierPart(t.charCodeAt(j))) j += 1;
  return j;
}

/** `t[i]` is a quote: index after the closing quote. */
export function skipString(t: string, i: number, end: number): number {
  const quote = t.charCodeAt(i);
  let j = i + 1;
  while (j < end) {
    const c = t.charCodeAt(j);
    if (c === BACKSLASH) j += 2;
    else if (c === quote) return j + 1;
    else if (c === 10 && quote !== BACKTICK) return j;
    else j += 1;
  }
  return end;
}

/** `t[i]` is a backtick: index after the template, `${…}` parts included. */
export function skipTemplate(t: string, i: number, end: number, onSubstitution?: (start: number, end: number) => void): number {
  let j = i + 1;
  while (j < end) {
    const c = t.charCodeAt(j);
    if (c === BACKSLASH) j += 2;
    else if (c === BACKTICK) return j + 1;
    else if (c === DOLLAR && t.charCodeAt(j + 1) === OPEN_BRACE) {
      const close = skipBalanced(t, j + 1, end, false);
      onSubstitution?.(j + 2, close - 1);
      j = close;
    } else j += 1;
  }
  return end;
}

/**
 * `t[i]` opens a bracket: index after its match. With `angles`, `<`/`>`
 * nest too (type context; the `>` of `=>` does not close).
 */
export function skipBalanced(t: string, i: number, end: number, angles: boolean): number {
  let depth = 0;
  let j = i;
  while (j < end) {
    const c = t.charCodeAt(j);
    if (c === QUOTE || c === DOUBLE_QUOTE) {
      j = skipString(t, j, end);
      continue;
    }
    if (c === BACKTICK) {
      j = skipTemplate(t, j, end);
      continue;
    }
    if (c === SLASH) {
      const n = t.charCodeAt(j + 1);
      if (n === SLASH || n === STAR) {
        j = skipTrivia(t, j, end);
        continue;
      }
    }
    if (c === OPEN_PAREN || c === OPEN_BRACKET || c === OPEN_BRACE || (angles && c === LESS)) depth += 1;
    else if (
      c === CLOSE_PAREN ||
      c === CLOSE_BRACKET ||
      c === CLOSE_BRACE ||
      (angles && c === GREATER && t.charCodeAt(j - 1) !== EQUALS)
    ) {
      depth -= 1;
      if (depth <= 0) return j + 1;
    }
    j += 1;
  }
  return end;
}

const QUOTE_K = 1;
const TEMPLATE_K = 2;
const SLASH_K = 3;
const OPEN_K = 4;
const CLOSE_K = 5;
const LESS_K = 6;
const GREATER_K = 7;
const COMMA_K = 8;
const COLON_K = 9;
const EQUALS_K = 10;

/** What each ASCII character means to splitList; 0 (most characters) means nothing. */
const LIST_CHAR = new Uint8Array(128);
LIST_CHAR[QUOTE] = QUOTE_K;
LIST_CHAR[DOUBLE_QUOTE] = QUOTE_K;
LIST_CHAR[BACKTICK] = TEMPLATE_K;
LIST_CHAR[SLASH] = SLASH_K;
LIST_CHAR[OPEN_PAREN] = OPEN_K;
LIST_CHAR[OPEN_BRACKET] = OPEN_K;
LIST_CHAR[OPEN_BRACE] = OPEN_K;
LIST_CHAR[CLOSE_PAREN] = CLOSE_K;
LIST_CHAR[CLOSE_BRACKET] = CLOSE_K;
LIST_CHAR[CLOSE_BRACE] = CLOSE_K;
LIST_CHAR[LESS] = LESS_K;
LIST_CHAR[GREATER] = GREATER_K;
LIST_CHAR[44] = COMMA_K;
LIST_CHAR[58] = COLON_K;
LIST_CHAR[EQUALS] = EQUALS_K;

/** One comma-separated item of a list, with its top-level `:` and `=` when present. */
export interface ListItem {
  start: number;
  end: number;
  /** The first top-level `:` (a type annotation follows), or -1. */
  colon: number;
  /** The top-level `=` starting a default value, or -1. */
  equals: number;
}

/**
 * Split `[start, end)` (the inside of a parameter list, type parameter list,
 * enum body, ...) at top-level commas. Angle brackets nest only inside type
 * annotations (after a top-level `:`, before a top-level `=`) or when
 * `anglesEverywhere` (type parameter lists): default values are expressions,
 * where `<` is a comparison.
 */
export function splitList(t: string, start: number, end: number, anglesEverywhere = false): ListItem[] {
  const items: ListItem[] = [];
  let itemStart = start;
  let colon = -1;
  let equals = -1;
  let depth = 0;
  let j = start;
  while (j < end) {
    const c = t.charCodeAt(j);
    const kind = c < 128 ? (LIST_CHAR[c] as number) : 0;
    if (kind === 0) {
      j += 1;
      continue;
    }
    switch (kind) {
      case QUOTE_K:
        j = skipString(t, j, end);
        continue;
      case TEMPLATE_K:
        j = skipTemplate(t, j, end);
        continue;
      case SLASH_K: {
        const n = t.charCodeAt(j + 1);
        if (n === SLASH || n === STAR) {
          j = skipTrivia(t, j, end);
          continue;
        }
        break;
      }
      case OPEN_K:
        depth += 1;
        break;
      case CLOSE_K:
        depth -= 1;
        break;
      case LESS_K:
        if (anglesEverywhere || (colon >= 0 && equals < 0)) depth += 1;
        break;
      case GREATER_K:
        if ((anglesEverywhere || (colon >= 0 && equals < 0)) && t.charCodeAt(j - 1) !== EQUALS) depth -= 1;
        break;
      case COMMA_K:
        if (depth === 0) {
          if (skipTrivia(t, itemStart, j) < j) items.push({ start: itemStart, end: j, colon, equals });
          itemStart = j + 1;
          colon = -1;
          equals = -1;
        }
        break;
      case COLON_K:
        if (depth === 0 && colon < 0 && equals < 0) colon = j;
        break;
      case EQUALS_K:
        if (depth === 0 && equals < 0) {
          const n = t.charCodeAt(j + 1);
          const p = t.charCodeAt(j - 1);
          // Not `=>`, `==`, `<=`, `>=`, `!=`.
          if (n !== GREATER && n !== EQUALS && p !== EQUALS && p !== 33 && p !== LESS && p !== GREATER) equals = j;
        }
        break;
    }
    j += 1;
  }
  if (skipTrivia(t, itemStart, end) < end) items.push({ start: itemStart, end, colon, equals });
  return items;
}

/** `[start, end)` with whitespace runs as one space, trimmed; slices once and rarely replaces. */
export function collapseRange(t: string, start: number, end: number): string {
  let s = start;
  while (s < end && isWhitespace(t.charCodeAt(s))) s += 1;
  let e = end;
  while (e > s && isWhitespace(t.charCodeAt(e - 1))) e -= 1;
  // Only a whitespace character other than a lone space needs the replace.
  for (let i = s; i < e; i++) {
    const c = t.charCodeAt(i);
    if (c === 32 ? isWhitespace(t.charCodeAt(i + 1)) : c <= 32 || (c > 127 && isWhitespace(c))) {
      return t.slice(s, e).replace(/\s+/g, ' ');
    }
  }
  return t.slice(s, e);
}

/**
 * Like collapseRange, with comments removed: signatures are read by people
 * and by probes that count parameters, and a `//` comment would swallow the
 * rest of a header once its line breaks are collapsed.
 */
export function collapseCode(t: string, start: number, end: number): string {
  const text = withoutComments(t, start, end);
  // A header broken over lines (`f(\n  a,\n  b\n)`) reads `f(a, b)`, not `f( a, b )`.
  return text.includes('( ') || text.includes(' )') ? text.replace(/\( /g, '(').replace(/ \)/g, ')') : text;
}

function withoutComments(t: string, start: number, end: number): string {
  let hasComment = false;
  for (let i = start; i < end - 1; i++) {
    if (t.charCodeAt(i) === SLASH) {
      const n = t.charCodeAt(i + 1);
      if (n === SLASH || n === STAR) {
        hasComment = true;
        break;
      }
    }
  }
  if (!hasComment) return collapseRange(t, start, end);
  let out = '';
  let from = start;
  let i = start;
  while (i < end) {
    const c = t.charCodeAt(i);
    if (c === QUOTE || c === DOUBLE_QUOTE) i = skipString(t, i, end);
    else if (c === BACKTICK) i = skipTemplate(t, i, end);
    else if (c === SLASH && (t.charCodeAt(i + 1) === SLASH || t.charCodeAt(i + 1) === STAR)) {
      out += `${t.slice(from, i)} `;
      i = skipTrivia(t, i, end);
      from = i;
    } else i += 1;
  }
  out += t.slice(from, end);
  return out.replace(/\s+/g, ' ').trim();
}

/** The range without surrounding whitespace/comments at the start and whitespace at the end. */
export function trimEnd(t: string, start: number, end: number): number {
  let e = end;
  while (e > start && isWhitespace(t.charCodeAt(e - 1))) e -= 1;
  return e;
}

export interface NameToken {
  name: string;
  end: number;
}

/**
 * A member or declaration name at `i`: identifier, `#private`, string literal
 * (unquoted), number, or `[computed]` (collapsed text). Null when none.
 */
export function readName(t: string, i: number, end: number): NameToken | null {
  const c = t.charCodeAt(i);
  if (c === QUOTE || c === DOUBLE_QUOTE) {
    const e = skipString(t, i, end);
    return { name: t.slice(i + 1, e - 1), end: e };
  }
  if (c === OPEN_BRACKET) {
    const e = skipBalanced(t, i, end, false);
    return { name: collapseRange(t, i, e), end: e };
  }
  if (c === 35 /* # */) {
    const e = identifierEnd(t, i + 1, end);
    return e > i + 1 ? { name: t.slice(i, e), end: e } : null;
  }
  if (c >= 48 && c <= 57) {
    let e = i + 1;
    while (e < end && (isIdentifierPart(t.charCodeAt(e)) || t.charCodeAt(e) === 46)) e += 1;
    return { name: t.slice(i, e), end: e };
  }
  const e = identifierEnd(t, i, end);
  return e > i ? { name: t.slice(i, e), end: e } : null;
}

/** Can a member name start at `i` (after a modifier keyword)? */
export function startsName(t: string, i: number, end: number): boolean {
  if (i >= end) return false;
  const c = t.charCodeAt(i);
  return isIdentifierStart(c) || c === QUOTE || c === DOUBLE_QUOTE || c === OPEN_BRACKET || c === 35 || (c >= 48 && c <= 57) || c === STAR;
}

/** `@expr`, `@a.b(args)`: index after the decorator starting at `i`. */
export function skipDecorator(t: string, i: number, end: number): number {
  let j = skipTrivia(t, i + 1, end);
  if (t.charCodeAt(j) === OPEN_PAREN) return skipBalanced(t, j, end, false);
  for (;;) {
    j = identifierEnd(t, j, end);
    const k = skipTrivia(t, j, end);
    if (t.charCodeAt(k) === 46 /* . */) j = skipTrivia(t, k + 1, end);
    else if (t.charCodeAt(k) === LESS) j = skipBalanced(t, k, end, true);
    else break;
  }
  const k = skipTrivia(t, j, end);
  return t.charCodeAt(k) === OPEN_PAREN ? skipBalanced(t, k, end, false) : j;
}

export const CHAR = {
  OPEN_PAREN,
  CLOSE_PAREN,
  OPEN_BRACKET,
  OPEN_BRACE,
  LESS,
  GREATER,
  EQUALS,
  STAR,
  QUESTION: 63,
  COLON: 58,
  BANG: 33,
  AT: 64,
  DOT: 46,
  SEMICOLON: 59,
  COMMA: 44,
  BACKTICK,
  QUOTE,
  DOUBLE_QUOTE,
} as const;
