import { stringValue } from './docstring.js';
import { closingBracket } from './scan.js';

const STRING_TOKEN = /[rRuU]{0,2}(?:'''[\s\S]*?'''|"""[\s\S]*?"""|'(?:[^'\\\n]|\\[\s\S])*'|"(?:[^"\\\n]|\\[\s\S])*")/y;
const SEPARATOR = /(?:\s|\\\r?\n|#[^\n]*)+/y;

/**
 * Items of a list or tuple display made only of str literals (`['a', "b"]`,
 * `('a',)`, implicit concatenation allowed), or null for anything else.
 * This is how `__all__` is read.
 */
export function stringListLiteral(text: string): string[] | null {
  const trimmed = text.trim();
  const open = trimmed[0];
  const close = trimmed[trimmed.length - 1];
  if (!((open === '[' && close === ']') || (open === '(' && close === ')'))) return null;
  const inner = trimmed.slice(1, -1);
  const items: string[] = [];
  let i = 0;
  let current: string | null = null;
  while (i < inner.length) {
    SEPARATOR.lastIndex = i;
    if (SEPARATOR.exec(inner) !== null) {
      i = SEPARATOR.lastIndex;
      continue;
    }
    if (inner[i] === ',') {
      if (current === null) return null;
      items.push(current);
      current = null;
      i += 1;
      continue;
    }
    STRING_TOKEN.lastIndex = i;
    const m = STRING_TOKEN.exec(inner);
    if (m === null) return null;
    const value = stringValue(m[0]);
    if (value === null) return null;
    current = (current ?? '') + value;
    i = STRING_TOKEN.lastIndex;
  }
  if (current !== null) items.push(current);
  return items;
}

/** Text between the bracket at `open` and its partner (strings and comments stepped over); null when it never closes. */
export function bracketedText(text: string, open: number): string | null {
  const close = closingBracket(text, open, text.length);
  return close === -1 ? null : text.slice(open + 1, close - 1);
}
