/**
 * The local variables of a function: its parameters and the names bound by
 * statements in its body (assignment, augmented or annotated assignment,
 * tuple targets, `for` targets, comprehension variables, `with … as`,
 * `except … as`, walrus, `nonlocal`), without those declared `global`. A call
 * whose first name is such a local is not a call of the module-level (or
 * imported) definition of that name, which is what a name-based lookup would
 * otherwise find.
 *
 * Read from the function's text in one pass of a few patterns (the extractor
 * does not walk function bodies, see walker.ts). The patterns err towards
 * "bound" (a binding inside a nested function, a keyword argument at the start
 * of a line also count): a local wrongly assumed costs one unresolved call, a
 * module function wrongly assumed costs a false edge. Nested `def`/`class` are
 * objects and are found by the resolver's scope lookup, so they are not
 * locals here.
 */

const ID = String.raw`[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*`;
const IDENTIFIER = new RegExp(`^${ID}$`, 'u');
const FOR_TARGET = /\bfor\s+([^\n]*?)\s+in\b/gu;
const AS_TARGET = /\bas\s+(\(?[^):\n]*)/gu;
const WALRUS = new RegExp(`(${ID})\\s*:=`, 'gu');
const NONLOCAL = /\bnonlocal\s+([^\n;#]*)/gu;
const IMPORT_LINE = /^\s*(?:from|import)\b/u;
const GLOBAL = /\bglobal\s+([^\n;#]*)/gu;

/** The plain names of a target list as written: `a, (b, *c)`, `x: int` → a, b, c / x. */
function targetNames(list: string, out: Set<string>): void {
  const colon = list.indexOf(':');
  const targets = colon >= 0 && !list.slice(0, colon).includes('(') && !list.slice(0, colon).includes('[') ? list.slice(0, colon) : list;
  for (const piece of targets.split(',')) {
    const name = piece.replace(/^[\s([*]+|[\s)\]]+$/g, '');
    if (IDENTIFIER.test(name)) out.add(name);
  }
}

const isLineTerminator = (c: number) => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
/** `- + * / % & | ^ @`: the one-character operators of an augmented assignment. */
const isOperator = (c: number) =>
  c === 45 || c === 43 || c === 42 || c === 47 || c === 37 || c === 38 || c === 124 || c === 94 || c === 64;
/** `//`, `>>`, `<<`, `**`. */
const isTwoCharOperator = (a: number, b: number) => a === b && (a === 47 || a === 62 || a === 60 || a === 42);

/**
 * Target lists of statements that start with one and an (augmented or annotated)
 * assignment sign: the captures of
 * `/^[ \t]*([^=\n#'"]*?)(?:[-+*\/%&|^@]|\/\/|>>|<<|\*\*)?=(?!=)/gmu` matched one after
 * another over `text`, read without the pattern: from each line start (a position after any line
 * terminator, as `^` in multiline mode), spaces and tabs are skipped and the
 * first of `= \n # ' "` decides. An `=` not followed by another is a match;
 * the target list is what precedes it, less a one- or two-character operator
 * right before it (the lazy group stops as early as that allows). Anything else
 * fails from every line start up to it, so the search resumes after the next
 * line terminator. Equal to the pattern's captures on any text (extract.python.locals test).
 */
export function assignmentTargetLists(text: string): string[] {
  const lists: string[] = [];
  const n = text.length;
  let start = 0;
  while (start < n) {
    let from = start;
    while (from < n && (text.charCodeAt(from) === 32 || text.charCodeAt(from) === 9)) from += 1;
    let stop = from;
    for (; stop < n; stop += 1) {
      const c = text.charCodeAt(stop);
      if (c === 61 || c === 10 || c === 35 || c === 39 || c === 34) break;
    }
    if (stop >= n) break;
    if (text.charCodeAt(stop) === 61 && text.charCodeAt(stop + 1) !== 61) {
      let end = stop;
      if (stop - 2 >= from && isTwoCharOperator(text.charCodeAt(stop - 2), text.charCodeAt(stop - 1))) end = stop - 2;
      else if (stop - 1 >= from && isOperator(text.charCodeAt(stop - 1))) end = stop - 1;
      lists.push(text.slice(from, end));
    }
    let next = stop;
    while (next < n && !isLineTerminator(text.charCodeAt(next))) next += 1;
    start = next + 1;
  }
  return lists;
}

/** The local variable names of the function whose body text is `text`, with parameter names `params`. */
export function localNames(text: string, params: readonly string[]): Set<string> {
  const names = new Set(params);
  for (const list of assignmentTargetLists(text)) targetNames(list, names);
  // Each pattern needs its keyword or sign in the text: skipping the scan when it is absent is the same answer, cheaper.
  if (text.includes('for')) for (const m of text.matchAll(FOR_TARGET)) targetNames(m[1] as string, names);
  for (const m of text.matchAll(AS_TARGET)) {
    // `import a as b` inside a function binds an import, which the resolver follows like any other.
    const line = text.slice(text.lastIndexOf('\n', m.index) + 1, m.index);
    if (!IMPORT_LINE.test(line)) targetNames(m[1] as string, names);
  }
  if (text.includes(':=')) for (const m of text.matchAll(WALRUS)) names.add(m[1] as string);
  if (text.includes('nonlocal')) for (const m of text.matchAll(NONLOCAL)) targetNames(m[1] as string, names);
  const globals = new Set<string>();
  if (text.includes('global')) for (const m of text.matchAll(GLOBAL)) targetNames(m[1] as string, globals);
  for (const name of globals) if (!params.includes(name)) names.delete(name);
  return names;
}
