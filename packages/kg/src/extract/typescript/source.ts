/**
 * The file's text and the cheap string work the extractor does on it.
 *
 * node-tree-sitter 0.21 reports `startIndex`/`endIndex` in UTF-16 code units
 * (it parses the JS string as UTF-16 and halves byte offsets), so they index
 * straight into the JS string. Lines are computed here from a line table
 * rather than from the tree's rows: it saves a native call per position, and
 * it lets us count line breaks the way the TypeScript compiler does (CRLF, CR,
 * LF, U+2028, U+2029), so our line numbers agree with `getLineAndCharacterOfPosition`.
 */
import { lineAtOffset } from '../lines.js';

const UNUSUAL_BREAKS = /[\r\u2028\u2029]/;
/** Line breaks tree-sitter does not count as rows (it only counts LF). */
const NON_LF_BREAKS = /\r(?!\n)|[\u2028\u2029]/;

export class SourceText {
  private lineStarts: number[] | null = null;

  constructor(readonly text: string) {}

  slice(start: number, end: number): string {
    return this.text.slice(start, end);
  }

  /** 1-based line of the character at `index`. */
  lineOf(index: number): number {
    return lineAtOffset(this.lineStarts ?? this.buildLineStarts(), index);
  }

  /** Whether `lineOf(i) - 1` is tree-sitter's row for `i` (no lone CR, U+2028 or U+2029). */
  rowsMatchTree(): boolean {
    return !NON_LF_BREAKS.test(this.text);
  }

  /** Line of the last character (a trailing newline does not open a new line). */
  lastLine(): number {
    return this.text.length === 0 ? 1 : this.lineOf(this.text.length - 1);
  }

  private buildLineStarts(): number[] {
    const text = this.text;
    const starts = [0];
    if (!UNUSUAL_BREAKS.test(text)) {
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    } else {
      for (let i = 0; i < text.length; i++) {
        const ch = text.charCodeAt(i);
        if (ch === 10 || ch === 0x2028 || ch === 0x2029) starts.push(i + 1);
        else if (ch === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
      }
    }
    this.lineStarts = starts;
    return starts;
  }
}

/** Collapse every whitespace run to one space and trim. */
function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Collapse and cut to `max` characters, marking the cut with '…'. */
export function clip(text: string, max: number): string {
  // Cut the raw text first so a huge literal is never collapsed in full.
  const collapsed = collapse(text.length > max * 4 ? text.slice(0, max * 4) : text);
  return collapsed.length > max ? `${collapsed.slice(0, max - 1)}…` : collapsed;
}

/** The body of a `/** ... *\/` comment without its delimiters and leading ` * `; null when empty. */
export function cleanJsDoc(comment: string): string | null {
  return jsDocIn(comment, 0, comment.length);
}

/** `cleanJsDoc` of the comment at `[start, end)` of `text`, slicing only the trimmed body. */
export function jsDocIn(text: string, start: number, end: number): string | null {
  let s = start + 3;
  let e = text.startsWith('*/', end - 2) && end - 2 >= s ? end - 2 : end;
  // Leading line breaks stay: the ` * ` after them is stripped below.
  while (s < e && (text.charCodeAt(s) === 32 || text.charCodeAt(s) === 9)) s += 1;
  while (e > s && isSpace(text.charCodeAt(e - 1))) e -= 1;
  if (s === e) return null;
  let inner = text.slice(s, e);
  if (inner.indexOf('\n') < 0 && inner.indexOf('\r') < 0) return inner;
  if (inner.includes('\r')) inner = inner.replace(/\r\n?/g, '\n');
  // Drop each line's leading ` * `; a pattern starting with a literal '\n' scans fast.
  const doc = inner.replace(/\n[ \t]*\* ?/g, '\n').trim();
  return doc === '' ? null : doc;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** Text of a string literal node without its quotes (escapes are kept as written). */
export function unquote(literal: string): string {
  const first = literal.charAt(0);
  if ((first === '"' || first === "'" || first === '`') && literal.length >= 2 && literal.endsWith(first)) {
    return literal.slice(1, -1);
  }
  return literal;
}
