/**
 * Low-level scanning of Python source text: stepping over blanks, comments,
 * string literals and brackets. Used where reading text is cheaper than
 * asking the tree (headers, docstrings, literal lists).
 */

const ID = /[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/uy;
const STRING_PREFIX = /[rRbBuUfF]{1,2}['"]/y;

/** Index of the first character at or after `i` that is not blank, a comment or a line continuation. */
export function skipBlank(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12) i += 1;
    else if (c === 92 && (s.charCodeAt(i + 1) === 10 || s.charCodeAt(i + 1) === 13)) i += 2;
    else if (c === 35) {
      const eol = s.indexOf('\n', i);
      i = eol === -1 || eol > end ? end : eol;
    } else break;
  }
  return i;
}

/** If a string literal (with prefix) starts at `i`, the index after it; else -1. */
export function stringEnd(s: string, i: number, end: number): number {
  let q = i;
  const c = s.charCodeAt(i);
  if (c !== 39 && c !== 34) {
    STRING_PREFIX.lastIndex = i;
    if (!STRING_PREFIX.test(s)) return -1;
    q = STRING_PREFIX.lastIndex - 1;
  }
  const quote = s.charCodeAt(q);
  const triple = s.charCodeAt(q + 1) === quote && s.charCodeAt(q + 2) === quote;
  let j = q + (triple ? 3 : 1);
  while (j < end) {
    const d = s.charCodeAt(j);
    if (d === 92) j += 2;
    else if (d === quote && (!triple || (s.charCodeAt(j + 1) === quote && s.charCodeAt(j + 2) === quote))) return j + (triple ? 3 : 1);
    else if (d === 10 && !triple) return j;
    else j += 1;
  }
  return end;
}

/**
 * Scan [from, end) at bracket depth 0, stepping over brackets, strings and
 * comments; call `visit` for every top-level character until it returns true.
 * Returns the index where it stopped, or `end`.
 */
export function scanTopLevel(s: string, from: number, end: number, visit: (c: number, i: number) => boolean): number {
  let depth = 0;
  let i = from;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 35) {
      const eol = s.indexOf('\n', i);
      i = eol === -1 || eol > end ? end : eol;
      continue;
    }
    if (c === 39 || c === 34 || ((c | 32) >= 97 && (c | 32) <= 122 && (i === from || !isWordChar(s.charCodeAt(i - 1))))) {
      const after = stringEnd(s, i, end);
      if (after !== -1) {
        i = after;
        continue;
      }
    }
    if (c === 40 || c === 91 || c === 123) depth += 1;
    else if (c === 41 || c === 93 || c === 125) depth -= 1;
    else if (depth === 0 && visit(c, i)) return i;
    i += 1;
  }
  return end;
}

function isWordChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c >= 128;
}

/** Index after the bracket that closes the one at `open`, or -1. */
export function closingBracket(s: string, open: number, end: number): number {
  let depth = 0;
  let found = -1;
  scanInBrackets(s, open, end, (c, i) => {
    if (c === 40 || c === 91 || c === 123) depth += 1;
    else if (c === 41 || c === 93 || c === 125) {
      depth -= 1;
      if (depth === 0) {
        found = i + 1;
        return true;
      }
    }
    return false;
  });
  return found;
}

/** Like scanTopLevel, but reports brackets too (for matching them). */
function scanInBrackets(s: string, from: number, end: number, visit: (c: number, i: number) => boolean): void {
  let i = from;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 35) {
      const eol = s.indexOf('\n', i);
      i = eol === -1 || eol > end ? end : eol;
      continue;
    }
    if (c === 39 || c === 34 || ((c | 32) >= 97 && (c | 32) <= 122 && !isWordChar(s.charCodeAt(i - 1)))) {
      const after = stringEnd(s, i, end);
      if (after !== -1) {
        i = after;
        continue;
      }
    }
    if (visit(c, i)) return;
    i += 1;
  }
}

/** Top-level comma-separated items of [from, end), as trimmed [start, end) spans; empty items dropped. */
export function splitItems(s: string, from: number, end: number): [number, number][] {
  const items: [number, number][] = [];
  let itemStart = from;
  const push = (to: number): void => {
    const a = skipBlank(s, itemStart, to);
    let b = to;
    while (b > a && /\s/.test(s[b - 1] as string)) b -= 1;
    if (b > a) items.push([a, b]);
  };
  scanTopLevel(s, from, end, (c, i) => {
    if (c === 44) {
      push(i);
      itemStart = i + 1;
    }
    return false;
  });
  push(end);
  return items;
}

/** Top-level `=` of an item that is an assignment (not `==`, `<=`, `>=`, `!=`, `:=`), or -1. */
export function assignmentAt(s: string, from: number, end: number): number {
  const at = scanTopLevel(s, from, end, (c, i) => {
    if (c !== 61) return false;
    const before = s.charCodeAt(i - 1);
    return s.charCodeAt(i + 1) !== 61 && before !== 61 && before !== 60 && before !== 62 && before !== 33 && before !== 58;
  });
  return at < end ? at : -1;
}

export function identifierAt(s: string, i: number): string | null {
  ID.lastIndex = i;
  const m = ID.exec(s);
  return m === null ? null : m[0];
}

/**
 * End of a string literal without replacement fields, from its opening
 * quote: jumps between quote characters instead of reading every character.
 * A quote preceded by an odd number of backslashes is escaped (raw strings
 * too: `r"\""` does not end at the second quote). A single-quoted literal
 * that reaches the end of its line is unterminated and ends there.
 */
export function plainStringEnd(s: string, quoteAt: number, q: number, triple: boolean): number {
  const quote = triple ? String.fromCharCode(q, q, q) : String.fromCharCode(q);
  let i = quoteAt + quote.length;
  for (;;) {
    const at = s.indexOf(quote, i);
    if (!triple) {
      const eol = s.indexOf('\n', i);
      if (eol !== -1 && (at === -1 || eol < at)) {
        // A backslash-newline continues a single-quoted literal.
        if (backslashesBefore(s, eol) % 2 === 1) {
          i = eol + 1;
          continue;
        }
        return eol;
      }
    }
    if (at === -1) return s.length;
    if (backslashesBefore(s, at) % 2 === 1) {
      i = at + 1;
      continue;
    }
    return at + quote.length;
  }
}

function backslashesBefore(s: string, at: number): number {
  let count = 0;
  while (at - count - 1 >= 0 && s.charCodeAt(at - count - 1) === 92) count += 1;
  return count;
}

/**
 * Whether the logical line from `from` ends with ':' (comments aside): tells
 * a `match`/`case` statement header from a call of a function so named.
 */
export function headerEndsWithColon(s: string, from: number): boolean {
  let depth = 0;
  let last = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) depth += 1;
    else if (c === 41 || c === 93 || c === 125) depth -= 1;
    else if (c === 35) {
      const eol = s.indexOf('\n', i);
      if (eol === -1) break;
      i = eol - 1;
      continue;
    } else if (c === 92) {
      i += 1;
      continue;
    } else if (c === 39 || c === 34) {
      const triple = s.charCodeAt(i + 1) === c && s.charCodeAt(i + 2) === c;
      const quote = triple ? s.slice(i, i + 3) : s[i] as string;
      let j = i + quote.length;
      while (j < s.length && !s.startsWith(quote, j) && (triple || s.charCodeAt(j) !== 10)) j += s.charCodeAt(j) === 92 ? 2 : 1;
      i = j + quote.length - 1;
      last = c;
      continue;
    } else if (c === 10 && depth <= 0) break;
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10 && c !== 12) last = c;
  }
  return last === 58;
}
