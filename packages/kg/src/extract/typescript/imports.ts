/**
 * Import and re-export statements, read from their text: they are short,
 * regular, and numerous at the top of every module.
 */
import type { ImportBinding } from '../types.js';
import type { ExtractContext } from './context.js';
import { fromSpecifier, readClause } from './exports.js';
import { CHAR, identifierEnd, skipString, skipTrivia } from './scan.js';

function addImport(
  ctx: ExtractContext,
  specifier: string,
  names: ImportBinding[],
  reexport: boolean,
  typeOnly: boolean,
  index: number,
): void {
  ctx.imports.push({ specifier, level: 0, names, reexport, typeOnly, line: ctx.src.lineOf(index) });
}

/** The string literal at `i` (after trivia), or null. */
function stringAt(t: string, i: number, end: number): { value: string; end: number } | null {
  const s = skipTrivia(t, i, end);
  const quote = t.charCodeAt(s);
  if (quote !== CHAR.QUOTE && quote !== CHAR.DOUBLE_QUOTE) return null;
  const close = t.indexOf(t.charAt(s), s + 1);
  return close < 0 || close >= end ? null : { value: t.slice(s + 1, close), end: close + 1 };
}

/** `require('x')` at `i`: the specifier, or null. */
function requireCall(t: string, i: number, end: number): string | null {
  const s = skipTrivia(t, i, end);
  if (!t.startsWith('require', s)) return null;
  const open = skipTrivia(t, s + 7, end);
  if (t.charCodeAt(open) !== CHAR.OPEN_PAREN) return null;
  return stringAt(t, open + 1, end)?.value ?? null;
}

/**
 * `import …` in `[start, end)`: `import 'm'`, `import x from 'm'`,
 * `import * as ns from 'm'`, `import x, { a, b as c, type d } from 'm'`,
 * `import type …`, `import x = require('m')` (`export import …` when `reexport`).
 */
export function readImportStatement(ctx: ExtractContext, start: number, end: number, reexport = false): void {
  const t = ctx.src.text;
  let i = skipTrivia(t, start, end);
  if (t.startsWith('export', i)) i = skipTrivia(t, i + 6, end);
  if (!t.startsWith('import', i)) return;
  i = skipTrivia(t, i + 6, end);
  const side = stringAt(t, i, end);
  if (side !== null) {
    addImport(ctx, side.value, [], reexport, false, start);
    return;
  }
  let typeOnly = false;
  let wordEnd = identifierEnd(t, i, end);
  if (wordEnd === i + 4 && t.startsWith('type', i)) {
    // `import type X …` / `import type { … }`; but `import type from 'm'` binds a default named `type`.
    const after = skipTrivia(t, wordEnd, end);
    const c = t.charCodeAt(after);
    const nextEnd = identifierEnd(t, after, end);
    const next = t.slice(after, nextEnd);
    if (c === CHAR.OPEN_BRACE || c === CHAR.STAR || (nextEnd > after && next !== 'from')) {
      typeOnly = true;
      i = after;
      wordEnd = identifierEnd(t, i, end);
    }
  }
  const names: ImportBinding[] = [];
  let allTypes = true;
  let anyNamed = false;
  if (wordEnd > i) {
    const local = t.slice(i, wordEnd);
    i = skipTrivia(t, wordEnd, end);
    if (t.charCodeAt(i) === CHAR.EQUALS) {
      // `import x = require('m')` binds the whole module; `import x = ns.y` is an alias, not an import.
      const specifier = requireCall(t, i + 1, end);
      if (specifier !== null) addImport(ctx, specifier, [{ imported: '*', local }], reexport, typeOnly, start);
      return;
    }
    names.push({ imported: 'default', local });
    allTypes = false;
    if (t.charCodeAt(i) === CHAR.COMMA) i = skipTrivia(t, i + 1, end);
  }
  if (t.charCodeAt(i) === CHAR.STAR) {
    const as = skipTrivia(t, i + 1, end);
    const nameStart = skipTrivia(t, as + 2, end);
    const nameEnd = identifierEnd(t, nameStart, end);
    names.push({ imported: '*', local: t.slice(nameStart, nameEnd) });
    allTypes = false;
    i = skipTrivia(t, nameEnd, end);
  } else if (t.charCodeAt(i) === CHAR.OPEN_BRACE) {
    const clause = readClause(t, i, end);
    for (const item of clause.items) {
      names.push({ imported: item.name, local: item.alias });
      anyNamed = true;
      if (!item.typeOnly) allTypes = false;
    }
    i = clause.end;
  }
  const specifier = fromSpecifier(t, i, end);
  if (specifier === null) return;
  addImport(ctx, specifier, names, reexport, typeOnly || (anyNamed && allTypes), start);
}

/** `export [type] { … } from 'm'`, `export [type] * [as ns] from 'm'`; `at` is the `{` or `*`. */
export function readReexport(ctx: ExtractContext, start: number, end: number, at: number): void {
  const t = ctx.src.text;
  const typeOnly = /^export\s+type\b/.test(t.slice(start, Math.min(end, at)));
  let names: ImportBinding[];
  let i: number;
  let allTypes = false;
  if (t.charCodeAt(at) === CHAR.STAR) {
    i = skipTrivia(t, at + 1, end);
    if (t.startsWith('as', i) && identifierEnd(t, i, end) === i + 2) {
      const nameStart = skipTrivia(t, i + 2, end);
      const quote = t.charCodeAt(nameStart);
      const nameEnd = quote === CHAR.QUOTE || quote === CHAR.DOUBLE_QUOTE ? skipString(t, nameStart, end) : identifierEnd(t, nameStart, end);
      names = [{ imported: '*', local: t.slice(nameStart, nameEnd) }];
      i = nameEnd;
    } else names = [{ imported: '*', local: null }];
  } else {
    const clause = readClause(t, at, end);
    names = clause.items.map((item) => ({ imported: item.name, local: item.alias }));
    allTypes = clause.items.length > 0 && clause.items.every((item) => item.typeOnly);
    i = clause.end;
  }
  const specifier = fromSpecifier(t, i, end);
  if (specifier !== null) addImport(ctx, specifier, names, true, typeOnly || allTypes, start);
}
