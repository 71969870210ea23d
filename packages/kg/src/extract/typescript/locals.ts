/**
 * The local variables of a function: its parameters, and the names its text
 * declares with `let`/`const`/`var` (plain, destructured, `for (const x of …)`)
 * or as parameters of nested arrow functions and function expressions
 * (callbacks: `xs.forEach((f) => f())`); `catch (x)` variables, which are
 * scoped to their block, with the spans of those blocks. A call whose first
 * name is such a local is not a call of the module-level or imported
 * definition of that name.
 *
 * Read from the function's text in one pass of a few patterns. They err
 * towards "bound" (a declaration in a nested block or function counts for the
 * whole function): a local wrongly assumed costs one unresolved call, a module
 * function wrongly assumed costs a false edge. Nested function declarations
 * are objects and are found by the resolver's scope lookup, so they are not
 * locals here.
 */

const ID = String.raw`[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*`;
const LEADING_ID = new RegExp(`^\\s*(?:\\.\\.\\.)?\\s*(${ID})`, 'u');
const ANY_ID = new RegExp(ID, 'gu');
const DECLARATION = /\b(?:let|const|var)\s+([^=;\n]*)/gu;
const ARROW_SINGLE = new RegExp(`(${ID})\\s*=>`, 'gu');
const ARROW_LIST = /\(([^()]*)\)\s*(?::[^=;{}()]*)?=>/gu;
const FUNCTION_PARAMS = /\bfunction\b\s*\*?\s*[\p{ID_Continue}$]*\s*(?:<[^>]*>)?\s*\(([^()]*)\)/gu;
const CATCH = new RegExp(`\\bcatch\\s*\\(\\s*(${ID})[^)]*\\)\\s*\\{`, 'gu');

export interface Locals {
  /** Bound in the whole function. */
  names: Set<string>;
  /** Catch variables: [start, end) offsets of the blocks where each is bound. */
  blocks: Map<string, [number, number][]>;
}

/** Names of a parameter list: the leading identifier of each comma-separated piece. */
function paramNames(list: string, out: Set<string>): void {
  for (const piece of list.split(',')) {
    const m = LEADING_ID.exec(piece);
    if (m !== null) out.add(m[1] as string);
  }
}

/** Index after the '}' closing the '{' at `open` (strings and comments are not skipped: a rough bound). */
function blockEnd(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 123) depth += 1;
    else if (c === 125 && --depth === 0) return i + 1;
  }
  return text.length;
}

/** The locals of the function whose text is `text`, with parameter names `params`. */
export function localNames(text: string, params: readonly string[]): Locals {
  const names = new Set(params);
  for (const m of text.matchAll(DECLARATION)) {
    // `for (const [k, v] of entries)`: the pattern ends where `of` / `in` begins.
    const list = (m[1] as string).split(/\s(?:of|in)\s/u)[0]?.trim() ?? '';
    // Destructuring binds every name in the pattern (a renamed key counts too: conservative).
    if (list.startsWith('{') || list.startsWith('[')) for (const id of list.matchAll(ANY_ID)) names.add(id[0]);
    else paramNames(list, names);
  }
  for (const m of text.matchAll(ARROW_SINGLE)) names.add(m[1] as string);
  for (const m of text.matchAll(ARROW_LIST)) paramNames(m[1] as string, names);
  for (const m of text.matchAll(FUNCTION_PARAMS)) paramNames(m[1] as string, names);
  const blocks = new Map<string, [number, number][]>();
  for (const m of text.matchAll(CATCH)) {
    const name = m[1] as string;
    const span: [number, number] = [m.index, blockEnd(text, m.index + m[0].length - 1)];
    blocks.set(name, [...(blocks.get(name) ?? []), span]);
  }
  return { names, blocks };
}
