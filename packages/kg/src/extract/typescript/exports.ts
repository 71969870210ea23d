import { CHAR, identifierEnd, readName, skipBalanced, skipTrivia, splitList, trimEnd } from './scan.js';
import type { Walker } from './walker.js';

/** What a container's statements say about exports, read before its declarations. */
export interface ExportFacts {
  /** Local names exported by `export { a }`, `export default a`, `export = a`, `module.exports = a`. */
  names: Set<string>;
  /**
   * The container has an `export {…}`, `export … from`, `export =` or
   * `export default <expression>`: in an ambient container this turns off
   * implicit exporting (TypeScript's `hasExportDeclarations`).
   */
  hasExportDeclarations: boolean;
}

/** What follows `export` in a statement, from its text. */
export type ExportForm =
  /** `export { a, b as c }` / `export type { … }`, with or without `from`. */
  | 'clause'
  /** `export * from` / `export * as ns from`. */
  | 'star'
  /** `export = x`. */
  | 'assignment'
  /** `export default <expression>` (not a function or class declaration). */
  | 'default-expression'
  /** `export as namespace X` (UMD global). */
  | 'namespace-global'
  /** `export <declaration>`, `export default function/class/interface …`. */
  | 'declaration';

const DEFAULT_DECLARATIONS = new Set(['function', 'class', 'abstract', 'interface', 'async']);

/** Classify an export statement from its text (decorated statements are class declarations). */
export function exportForm(t: string, start: number, end: number): { form: ExportForm; at: number } {
  let i = skipTrivia(t, start, end);
  if (!t.startsWith('export', i)) return { form: 'declaration', at: i };
  i = skipTrivia(t, i + 6, end);
  let c = t.charCodeAt(i);
  const wordEnd = identifierEnd(t, i, end);
  const word = t.slice(i, wordEnd);
  if (word === 'type') {
    const after = skipTrivia(t, wordEnd, end);
    const d = t.charCodeAt(after);
    if (d === CHAR.OPEN_BRACE || d === CHAR.STAR) {
      i = after;
      c = d;
    }
  }
  if (c === CHAR.OPEN_BRACE) return { form: 'clause', at: i };
  if (c === CHAR.STAR) return { form: 'star', at: i };
  if (c === CHAR.EQUALS) return { form: 'assignment', at: skipTrivia(t, i + 1, end) };
  if (word === 'as') return { form: 'namespace-global', at: i };
  if (word === 'default') {
    const after = skipTrivia(t, wordEnd, end);
    const next = t.slice(after, identifierEnd(t, after, end));
    return { form: DEFAULT_DECLARATIONS.has(next) ? 'declaration' : 'default-expression', at: after };
  }
  return { form: 'declaration', at: i };
}

export interface ClauseItem {
  /** Name in this module (or in the source module for `from`). */
  name: string;
  /** `as` name, or the name itself. */
  alias: string;
  typeOnly: boolean;
}

/** `{ a, b as c, type d, 'e' as f }` at `open`: the items and the index after `}`. */
export function readClause(t: string, open: number, end: number): { items: ClauseItem[]; end: number } {
  const close = skipBalanced(t, open, end, false);
  const items: ClauseItem[] = [];
  for (const item of splitList(t, open + 1, close - 1)) {
    let i = skipTrivia(t, item.start, item.end);
    let typeOnly = false;
    // `type X` is a type-only item; `type` alone or `type as x` is an item named `type`.
    if (t.startsWith('type', i) && identifierEnd(t, i, item.end) === i + 4) {
      const after = skipTrivia(t, i + 4, item.end);
      if (after > i + 4 && after < item.end && !(t.startsWith('as', after) && identifierEnd(t, after, item.end) === after + 2)) {
        typeOnly = true;
        i = after;
      }
    }
    const name = readName(t, i, item.end);
    if (name === null) continue;
    let alias = name.name;
    const afterName = skipTrivia(t, name.end, item.end);
    if (t.startsWith('as', afterName)) {
      const aliasStart = skipTrivia(t, afterName + 2, item.end);
      const aliasName = readName(t, aliasStart, item.end);
      if (aliasName !== null) alias = aliasName.name;
    }
    items.push({ name: name.name, alias, typeOnly });
  }
  return { items, end: close };
}

/** The string literal after `from` at or after `i`, or null. */
export function fromSpecifier(t: string, i: number, end: number): string | null {
  const at = skipTrivia(t, i, end);
  if (!t.startsWith('from', at)) return null;
  const s = skipTrivia(t, at + 4, end);
  const quote = t.charCodeAt(s);
  if (quote !== CHAR.QUOTE && quote !== CHAR.DOUBLE_QUOTE) return null;
  const close = t.indexOf(t.charAt(s), s + 1);
  return close < 0 || close > end ? null : t.slice(s + 1, close);
}

/**
 * Scan the statements of a container (walker on the program or a namespace
 * body) for export clauses. Exports are often listed at the end of a file,
 * after the declarations they name, so this runs before the declaration walk;
 * it reads statement text and never descends into the tree.
 */
export function scanExports(w: Walker): ExportFacts {
  const facts: ExportFacts = { names: new Set(), hasExportDeclarations: false };
  if (!w.down()) return facts;
  const t = w.src.text;
  do {
    const type = w.type();
    if (type === 'export_statement') scanExportStatement(t, w.start, w.end, facts);
    else if (type === 'expression_statement') {
      const start = w.start;
      if (t.startsWith('module', start) || t.startsWith('exports', start)) scanCommonJsExport(t, start, w.end, facts);
    }
  } while (w.next());
  w.up();
  return facts;
}

function scanExportStatement(t: string, start: number, end: number, facts: ExportFacts): void {
  const { form, at } = exportForm(t, start, end);
  switch (form) {
    case 'clause': {
      facts.hasExportDeclarations = true;
      const clause = readClause(t, at, end);
      if (fromSpecifier(t, clause.end, end) === null) for (const item of clause.items) facts.names.add(item.name);
      return;
    }
    case 'star':
      facts.hasExportDeclarations = true;
      return;
    case 'assignment':
    case 'default-expression': {
      facts.hasExportDeclarations = true;
      const name = soleIdentifier(t, at, end);
      if (name !== null) facts.names.add(name);
      return;
    }
    default:
      return;
  }
}

/** The identifier that is all of `[start, end)` (a trailing `;` allowed), or null. */
function soleIdentifier(t: string, start: number, end: number): string | null {
  const s = skipTrivia(t, start, end);
  const nameEnd = identifierEnd(t, s, end);
  if (nameEnd === s) return null;
  let e = trimEnd(t, s, end);
  if (t.charCodeAt(e - 1) === CHAR.SEMICOLON) e = trimEnd(t, s, e - 1);
  return e === nameEnd ? t.slice(s, nameEnd) : null;
}

/**
 * CommonJS: `module.exports = X`, `module.exports = { a, b: c }`,
 * `module.exports.x = X` and `exports.x = X` mark the named local declarations exported.
 */
function scanCommonJsExport(t: string, start: number, end: number, facts: ExportFacts): void {
  const [item] = splitList(t, start, end);
  if (item === undefined || item.equals < 0) return;
  const target = t.slice(start, item.equals).replace(/\s+/g, '');
  if (target !== 'module.exports' && !/^(?:module\.)?exports\.[\w$]+$/.test(target)) return;
  const valueStart = skipTrivia(t, item.equals + 1, end);
  const name = soleIdentifier(t, valueStart, end);
  if (name !== null) {
    facts.names.add(name);
    return;
  }
  if (target !== 'module.exports' || t.charCodeAt(valueStart) !== CHAR.OPEN_BRACE) return;
  const close = skipBalanced(t, valueStart, end, false);
  for (const property of splitList(t, valueStart + 1, close - 1)) {
    const s = skipTrivia(t, property.start, property.end);
    const e = trimEnd(t, s, property.end);
    if (property.colon < 0) {
      // `{ a }` shorthand.
      if (identifierEnd(t, s, e) === e && e > s) facts.names.add(t.slice(s, e));
      continue;
    }
    const vs = skipTrivia(t, property.colon + 1, e);
    if (identifierEnd(t, vs, e) === e && e > vs) facts.names.add(t.slice(vs, e));
  }
}
