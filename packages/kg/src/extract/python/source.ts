import { lineAtOffset } from '../lines.js';

/** How long a default or initial value may get in params, fields and signatures. */
export const VALUE_PREVIEW = 120;

/**
 * The file's text with cheap position helpers.
 *
 * node-tree-sitter 0.21 parses strings as UTF-16, so `startIndex`/`endIndex`
 * are UTF-16 code units: exactly JavaScript string indices. Slicing the source
 * by them is one native call per index instead of building `node.text`, and
 * line numbers come from a table of line starts instead of a native
 * `startPosition` call (tree-sitter, like Python's `ast`, counts rows by '\n').
 */
export class SourceText {
  readonly text: string;
  private readonly lineStarts: number[];

  constructor(text: string) {
    this.text = text;
    const starts = [0];
    let at = text.indexOf('\n');
    while (at !== -1) {
      starts.push(at + 1);
      at = text.indexOf('\n', at + 1);
    }
    this.lineStarts = starts;
  }

  /** Number of lines as an editor shows them: a final '\n' does not open a new line. */
  get lastLine(): number {
    const count = this.lineStarts.length;
    const endsWithNewline = this.text.length > 0 && this.text.charCodeAt(this.text.length - 1) === 10;
    return Math.max(1, endsWithNewline || this.text.length === 0 ? count - 1 : count);
  }

  /** 1-based line holding the character at `index`. */
  lineAt(index: number): number {
    return lineAtOffset(this.lineStarts, index);
  }

  /** 1-based line of the last character of the span [start, end). */
  endLineAt(start: number, end: number): number {
    return this.lineAt(end > start ? end - 1 : end);
  }

  slice(start: number, end: number): string {
    return this.text.slice(start, end);
  }

  /** Text with comments removed and whitespace collapsed: how headers, types and defaults are reported. */
  compact(start: number, end: number): string {
    return compactText(this.text.slice(start, end));
  }

  /**
   * A value as written, compacted and cut to `max` characters: defaults and
   * initial values can be arbitrarily large literals, so only a prefix is read.
   */
  preview(start: number, end: number, max = VALUE_PREVIEW): string {
    // Compacting never lengthens text, so a generous prefix is enough to fill the preview.
    const limit = start + max * 8;
    const text = compactText(this.text.slice(start, Math.min(end, limit)));
    return end > limit && text.length <= max ? `${text}…` : truncate(text, max);
  }
}

const NOT_COMPACT = /[\t\n\r\f\v#\\]| {2}|^ | $/;

/** Collapse runs of whitespace (including newlines and line continuations) to one space; drop comments. */
export function compactText(text: string): string {
  // Most annotations and defaults are already compact: skip the regex passes for them.
  if (!NOT_COMPACT.test(text)) return text;
  const uncommented = text.includes('#') ? stripComments(text) : text;
  return uncommented.replace(/\\\r?\n/g, ' ').replace(/\s+/g, ' ').trim();
}

/** Cut a long value to `max` characters, marking the cut with '…'. */
export function truncate(text: string, max = 120): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * Remove `# ...` comments from a piece of Python, leaving string literals
 * (including triple-quoted ones) alone. Only called on text that holds a '#'.
 */
export function stripComments(text: string): string {
  let out = '';
  let i = 0;
  let copyFrom = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '#') {
      out += text.slice(copyFrom, i);
      const eol = text.indexOf('\n', i);
      i = eol === -1 ? text.length : eol;
      copyFrom = i;
    } else if (ch === '"' || ch === "'") {
      const triple = text.startsWith(ch.repeat(3), i);
      const quote = triple ? ch.repeat(3) : ch;
      i += quote.length;
      while (i < text.length && !text.startsWith(quote, i)) {
        // A backslash escapes the next character even in raw strings, as far as where the literal ends goes.
        i += text[i] === '\\' ? 2 : 1;
        if (!triple && text[i - 1] === '\n') break;
      }
      i += quote.length;
    } else {
      i += 1;
    }
  }
  return out + text.slice(copyFrom);
}
