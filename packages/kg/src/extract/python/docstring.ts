import { skipBlank, stringEnd } from './scan.js';
import type { SourceText } from './source.js';

/**
 * The docstring of a body that starts at `from` (a module, or the block of a
 * class or function, ending at `end`), as `ast.get_docstring(node, clean=True)`
 * returns it: the first statement when it is a plain string literal (implicit
 * concatenation allowed; bytes and f-strings are not docstrings), escapes
 * decoded, indentation cleaned like `inspect.cleandoc`.
 */
export function docstringAt(src: SourceText, from: number, end: number): string | null {
  const s = src.text;
  const first = skipBlank(s, s.charCodeAt(from) === 0xfeff ? from + 1 : from, end);
  let i = first;
  let last = -1;
  for (;;) {
    const after = stringEnd(s, i, end);
    if (after === -1) break;
    last = after;
    // Adjacent literals on one logical line concatenate: `"a" "b"`, `"a" \` + newline + `"b"`.
    i = skipInline(s, after, end);
  }
  if (last === -1) return null;
  // The statement must end with the literal: `"a".join(x)` or `"%s" % x` is not a docstring.
  const next = s.charCodeAt(i);
  if (i < end && next !== 10 && next !== 13 && next !== 35 && next !== 59) return null;
  const value = stringValue(s.slice(first, last));
  return value === null ? null : cleandoc(value);
}

/** Skip spaces, tabs and line continuations (not newlines: they end the statement). */
function skipInline(s: string, i: number, end: number): number {
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9 || c === 12) i += 1;
    else if (c === 92 && s.charCodeAt(i + 1) === 10) i += 2;
    else if (c === 92 && s.charCodeAt(i + 1) === 13) i += s.charCodeAt(i + 2) === 10 ? 3 : 2;
    else break;
  }
  return i;
}

const LITERAL = /([A-Za-z]*)('''|"""|'|")/y;

/**
 * Value of a (possibly implicitly concatenated) str literal, or null when it
 * is a bytes or f-string literal or does not look like a literal at all.
 */
export function stringValue(text: string): string | null {
  let value = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '#') {
      const eol = text.indexOf('\n', i);
      i = eol === -1 ? text.length : eol;
      continue;
    }
    if (/\s|\\/.test(ch)) {
      i += 1;
      continue;
    }
    LITERAL.lastIndex = i;
    const m = LITERAL.exec(text);
    if (m === null) return null;
    const prefix = (m[1] as string).toLowerCase();
    const quote = m[2] as string;
    if (prefix.includes('b') || prefix.includes('f')) return null;
    const start = i + m[0].length;
    const end = closingQuote(text, start, quote);
    if (end === -1) return null;
    const body = text.slice(start, end).replace(/\r\n?/g, '\n');
    value += prefix.includes('r') ? body : decodeEscapes(body);
    i = end + quote.length;
  }
  return value;
}

function closingQuote(text: string, from: number, quote: string): number {
  let i = from;
  while (i < text.length) {
    if (text[i] === '\\') i += 2;
    else if (text.startsWith(quote, i)) return i;
    else i += 1;
  }
  return -1;
}

const SIMPLE_ESCAPES: ReadonlyMap<string, string> = new Map(
  Object.entries({
  '\n': '',
  '\\': '\\',
  "'": "'",
  '"': '"',
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  }),
);

/** Python's str escape sequences; unknown escapes keep their backslash, as Python does. */
export function decodeEscapes(body: string): string {
  if (!body.includes('\\')) return body;
  return body.replace(
    /\\(\n|[\\'"abfnrtv]|[0-7]{1,3}|x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|N\{[^}]*\}|.)/gs,
    (whole, esc: string) => {
      const simple = SIMPLE_ESCAPES.get(esc);
      if (simple !== undefined) return simple;
      const kind = esc[0] as string;
      if (kind >= '0' && kind <= '7') return String.fromCodePoint(parseInt(esc, 8));
      if ((kind === 'x' || kind === 'u' || kind === 'U') && esc.length > 1) {
        const code = parseInt(esc.slice(1), 16);
        return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
      // \N{NAME} needs the Unicode name table; keep it as written.
      return whole;
    },
  );
}

/** `inspect.cleandoc` as of Python 3.11. */
export function cleandoc(doc: string): string {
  const lines = expandTabs(doc).split('\n');
  let margin = Infinity;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const content = line.trimStart().length;
    if (content > 0) margin = Math.min(margin, line.length - content);
  }
  lines[0] = (lines[0] as string).trimStart();
  if (margin !== Infinity) {
    for (let i = 1; i < lines.length; i++) lines[i] = (lines[i] as string).slice(margin);
  }
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  while (lines.length > 0 && lines[0] === '') lines.shift();
  return lines.join('\n');
}

/** `str.expandtabs()` with the default tab size of 8; columns restart after '\n' and '\r'. */
function expandTabs(text: string): string {
  if (!text.includes('\t')) return text;
  let out = '';
  let column = 0;
  for (const ch of text) {
    if (ch === '\t') {
      const pad = 8 - (column % 8);
      out += ' '.repeat(pad);
      column += pad;
    } else {
      out += ch;
      column = ch === '\n' || ch === '\r' ? 0 : column + 1;
    }
  }
  return out;
}
