/**
 * A position-preserving repair pass for TypeScript that tree-sitter-typescript
 * 0.23 cannot parse although `tsc` accepts it. The grammar is the newest
 * published one and cannot be regenerated here, so instead of a new grammar
 * the parser is given a copy of the text in which each construct it rejects
 * is rewritten into one it accepts, character for character in place:
 *
 * - variance annotations (TS 4.7): `interface I<in out T>`, `type F<out T>`
 *   → the `in` / `out` modifiers become spaces;
 * - members of an interface or object type that the grammar's automatic
 *   semicolon rule glues onto the previous member: a generic call signature
 *   (`): B` newline `<A>(a: A): B`, read as `B<A>(…)`) and a property or
 *   method named `in` (read as the `in` operator) → the last space or tab
 *   before the member (before its doc comment, if any) becomes `;`;
 * - `export type * from` / `export type * as ns from` (TS 5.0) → `type` blanked;
 * - `accessor` fields after another modifier (`static accessor x`) →
 *   `accessor` blanked (a field either way);
 * - `keyof readonly T[]` → `readonly` blanked;
 * - `using` as a plain identifier (`using.bind(…)`, common in bundles) →
 *   `_sing`, an identifier of the same length; likewise `let as = …` → `_s`;
 * - type arguments of a tagged template (``sql<Row>`…` ``) → blanked;
 * - escapes in a template literal type (`` `a \`b\`` ``), which the grammar
 *   rejects → underscores (the type's text is still read from the source).
 *
 * Every edit replaces ASCII with ASCII of the same length and never a line
 * break, so indices, lines and columns of the repaired tree are those of the
 * real text, from which names, signatures and docs are read. Candidates are
 * found among the tokens (tree leaves) of the top-level statements that hold
 * an error, and of the statement before each (where the cause of a cascade
 * lies); comments, strings, template literals, regexes and JSX text are whole
 * tokens there and are never edited. The repaired text is kept only when its
 * parse has fewer syntax errors, so files that parse cleanly cost nothing and
 * a wrong guess cannot make a file worse.
 */
import type { Grammar } from '../language.js';
import { countSyntaxErrors, parseSource, type SyntaxNode, type Tree } from '../parse.js';

/** One same-length replacement of `text` at `start`. */
export interface Edit {
  start: number;
  text: string;
  /** Set on edits inside a literal (escapes of a template literal type): tried once more without them. */
  inLiteral?: true;
}

/** Bracket-matching steps left for a region. */
interface Budget {
  steps: number;
}

interface Token {
  type: string;
  start: number;
  end: number;
  /** Source text, for words and punctuation (opaque tokens keep ''). */
  text: string;
  /** Index in the region's token list, comments included. */
  at: number;
}

export interface ParsedTypeScript {
  tree: Tree;
  syntaxErrors: number;
  /** Edits applied to the text the tree was built from (none when the first parse was kept). */
  edits: Edit[];
}

/**
 * Node type names by id, per grammar: facts about the grammar, filled as ids
 * are met (a numeric id costs less than the native call building the name).
 */
const TYPE_NAMES: Record<TsGrammar, string[]> = { typescript: [], tsx: [] };

type TsGrammar = Extract<Grammar, 'typescript' | 'tsx'>;

/**
 * Repair rounds at most, each one incremental parse (two when the first try
 * had edits inside literals): effect needs two; it bounds what hostile input costs.
 */
const MAX_ROUNDS = 2;

/** Nodes read as one token: their insides are never edited. */
const OPAQUE = new Set([
  'comment',
  'string',
  'template_string',
  'regex',
  'jsx_text',
  'html_comment',
  'number',
  'hash_bang_line',
]);

/** Words that end a type when they are its last token. */
const TYPE_END_WORDS = new Set([
  'any', 'unknown', 'never', 'void', 'undefined', 'null', 'string', 'number', 'boolean', 'bigint',
  'symbol', 'object', 'this', 'true', 'false',
]);

/** Reserved words that cannot name a type parameter. */
const RESERVED = new Set([
  'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else',
  'enum', 'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'import', 'in', 'instanceof',
  'new', 'null', 'return', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof', 'var', 'void',
  'while', 'with',
]);

/** Tokens after which `using` is an identifier, not the start of a declaration. */
const USING_AS_IDENTIFIER = new Set(['.', '(', ')', ',', ';', ':', '?', '=', '?.', '[', ']', '}']);

const CLASS_MODIFIERS = new Set(['static', 'public', 'private', 'protected', 'readonly', 'override', 'abstract', 'declare']);

/** JSX, where a line-initial `<Tag>(` is an element, not a signature. */
const JSX = new Set(['jsx_element', 'jsx_self_closing_element', 'jsx_opening_element', 'jsx_expression', 'jsx_fragment']);

const WORD = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;

function isWord(t: Token | undefined): boolean {
  return t !== undefined && t.text !== '' && WORD.test(t.text);
}

function isBreak(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}

/**
 * Parse TypeScript/TSX; when the tree has syntax errors, try the repaired text
 * and keep whichever parse has fewer.
 */
export function parseTypeScript(grammar: TsGrammar, text: string): ParsedTypeScript {
  let best: ParsedTypeScript = { tree: parseSource(grammar, text), syntaxErrors: 0, edits: [] };
  best.syntaxErrors = countSyntaxErrors(best.tree.rootNode);
  let current = text;
  // A tree that is one big ERROR hides some sites behind others: each round
  // looks again at what the previous one left.
  for (let round = 0; round < MAX_ROUNDS && best.syntaxErrors > 0; round++) {
    const found = findRepairs(current, best.tree, grammar).filter((e) => !current.startsWith(e.text, e.start));
    // All edits first; if that is no better, those outside literals alone.
    const code = found.filter((e) => e.inLiteral !== true);
    const attempts = code.length < found.length && code.length > 0 ? [found, code] : [found];
    let improved: { text: string; parsed: ParsedTypeScript } | null = null;
    for (const edits of attempts) {
      if (edits.length === 0) continue;
      const repairedText = applyEdits(current, edits);
      // Incremental: what no edit touched is reused from the previous parse.
      // Same-length edits leave every node's range as it was, so a tree
      // marked here and then not kept still reads correctly.
      markEdits(best.tree, current, edits);
      const tree = parseSource(grammar, repairedText, best.tree);
      const syntaxErrors = countSyntaxErrors(tree.rootNode);
      if (syntaxErrors < best.syntaxErrors) {
        improved = { text: repairedText, parsed: { tree, syntaxErrors, edits: [...best.edits, ...edits] } };
        break;
      }
    }
    if (improved === null) break;
    best = improved.parsed;
    current = improved.text;
  }
  return best;
}

/**
 * Tell `tree` (a parse of `text`) about same-length edits, so that a parse
 * given it as the old tree re-reads only around them. Positions are in the
 * binding's units, as indices are: UTF-16 code units, rows counted at LF.
 */
function markEdits(tree: Tree, text: string, edits: readonly Edit[]): void {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let row = 0;
  let lineStart = 0;
  let scanned = 0;
  for (const edit of sorted) {
    for (let nl = text.indexOf('\n', scanned); nl !== -1 && nl < edit.start; nl = text.indexOf('\n', nl + 1)) {
      row += 1;
      lineStart = nl + 1;
    }
    scanned = edit.start;
    const end = edit.start + edit.text.length;
    const startPosition = { row, column: edit.start - lineStart };
    const endPosition = { row, column: end - lineStart };
    tree.edit({ startIndex: edit.start, oldEndIndex: end, newEndIndex: end, startPosition, oldEndPosition: endPosition, newEndPosition: endPosition });
  }
}

/** `text` with each edit applied in place (edits never overlap and keep the length). */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  if (edits.length === 0) return text;
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const edit of sorted) {
    out += text.slice(at, edit.start) + edit.text;
    at = edit.start + edit.text.length;
  }
  return out + text.slice(at);
}

/** The repairs for the statements of `tree` (a parse of `text`) that hold errors. */
export function findRepairs(text: string, tree: Tree, grammar: TsGrammar): Edit[] {
  const edits: Edit[] = [];
  for (const tokens of errorRegions(text, tree, TYPE_NAMES[grammar])) findInRegion(text, tree, tokens, grammar === 'tsx', edits);
  return edits;
}

/**
 * Tokens of each run of top-level statements that hold an error, widened by
 * one statement on each side: the cause of an error lies before it (a
 * statement the grammar cut short), and what the grammar cut off parses as
 * statements of its own after it.
 */
function errorRegions(text: string, tree: Tree, names: string[]): Token[][] {
  // When the whole file failed, the root is an ERROR whose children are fragments, not statements.
  if (tree.rootNode.type === 'ERROR') {
    const all: Token[] = [];
    collectTokens(text, tree.rootNode, names, all);
    return [all];
  }
  const nodes: SyntaxNode[] = [];
  const cursor = tree.walk();
  if (!cursor.gotoFirstChild()) return [];
  do nodes.push(cursor.currentNode);
  while (cursor.gotoNextSibling());
  const wanted = new Array<boolean>(nodes.length).fill(false);
  nodes.forEach((node, i) => {
    if (node.hasError || node.isMissing) {
      if (i > 0) wanted[i - 1] = true;
      wanted[i] = true;
      if (i + 1 < nodes.length) wanted[i + 1] = true;
    }
  });
  const regions: Token[][] = [];
  let current: Token[] | null = null;
  nodes.forEach((node, i) => {
    if (!wanted[i]) {
      current = null;
      return;
    }
    if (current === null) {
      current = [];
      regions.push(current);
    }
    collectTokens(text, node, names, current);
  });
  return regions;
}

/** Leaves of `node` in order; opaque nodes (comments, strings, …) as one token, zero-width (MISSING) leaves left out. */
function collectTokens(text: string, node: SyntaxNode, names: string[], out: Token[]): void {
  const cursor = node.walk();
  // Depth kept here: reading the cursor's own is not constant-time, and trees of hostile input are deep.
  let depth = 0;
  for (;;) {
    const id = cursor.nodeTypeId;
    let type = names[id];
    if (type === undefined) {
      type = cursor.nodeType;
      names[id] = type;
    }
    // Named only: the `string` and `number` keywords of predefined types are anonymous leaves.
    const opaque = OPAQUE.has(type) && cursor.nodeIsNamed;
    if (!opaque && cursor.gotoFirstChild()) {
      depth += 1;
      continue;
    }
    const start = cursor.startIndex;
    const end = cursor.endIndex;
    if (end > start) out.push({ type, start, end, text: opaque ? '' : text.slice(start, end), at: out.length });
    if (depth === 0) return;
    while (!cursor.gotoNextSibling()) {
      cursor.gotoParent();
      depth -= 1;
      if (depth === 0) return;
    }
  }
}

function findInRegion(text: string, tree: Tree, all: Token[], jsx: boolean, edits: Edit[]): void {
  // Comments are kept aside: patterns read the code tokens, member separators look at the gaps.
  const tokens = all.filter((t) => t.type !== 'comment');
  const hasTemplates = tokens.some((t) => t.type === 'template_string');
  // Bracket matching is bounded per `<`; this bounds it per region, so that
  // hostile input (`a<a<a<…` by the million) stays linear.
  const budget: Budget = { steps: 64 * tokens.length + 10_000 };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'escape_sequence') {
      // Strings and template strings are opaque: an escape seen here is in a
      // template literal type, where the grammar takes none (`\`` ends the type).
      if (!/[\n\r\u2028\u2029]/.test(t.text)) edits.push({ start: t.start, text: '_'.repeat(t.end - t.start), inLiteral: true });
      continue;
    }
    const prev = tokens[i - 1];
    const next = tokens[i + 1];
    switch (t.text) {
      case '<':
      case ',':
        varianceAfter(text, tokens, i, edits);
        if (t.text === '<' && prev !== undefined && prev.end === t.start && hasTemplates) taggedTemplateTypeArguments(tokens, i, budget, edits);
        if (t.text === '<' && startsMember(text, tree, prev, t, jsx) && looksLikeSignature(tokens, i, budget)) separate(text, all, prev!, t, edits);
        break;
      case 'in':
        // A member named `in`; `in(` is left alone: `a` newline `in (b)` is an expression.
        if (next !== undefined && (next.text === ':' || next.text === '?') && startsMember(text, tree, prev, t, jsx)) {
          separate(text, all, prev!, t, edits);
        }
        break;
      case 'type':
        if (prev?.text === 'export' && next?.text === '*') edits.push(blank(t));
        break;
      case 'accessor':
        if (prev !== undefined && CLASS_MODIFIERS.has(prev.text) && sameLine(text, t.end, next) && (isWord(next) || next?.type === 'private_property_identifier' || next?.text === '[')) {
          edits.push(blank(t));
        }
        break;
      case 'readonly':
        if (prev?.text === 'keyof') edits.push(blank(t));
        break;
      case 'as':
        // `let as = …`: the grammar reads `let as` as an `as` expression.
        if (prev !== undefined && (prev.text === 'let' || prev.text === 'const' || prev.text === 'var') && (next?.text === '=' || next?.text === ':')) {
          edits.push({ start: t.start, text: '_s' });
        }
        break;
      case 'using':
        // `using x = …` declares; `using` before anything but a name is an identifier.
        if (next !== undefined && USING_AS_IDENTIFIER.has(next.text) && prev?.text !== 'await') {
          edits.push({ start: t.start, text: '_sing' });
        }
        break;
      default:
        break;
    }
  }
}

function blank(t: Token): Edit {
  return { start: t.start, text: ' '.repeat(t.end - t.start) };
}

function sameLine(text: string, from: number, t: Token | undefined): boolean {
  if (t === undefined) return false;
  for (let i = from; i < t.start; i++) if (isBreak(text.charCodeAt(i))) return false;
  return true;
}

/**
 * Variance modifiers of the type parameter after `<` or `,` at `i`: `in`,
 * `out` or `in out` before a name that is followed by `,`, `>`, `=` or
 * `extends`, all on one line. (`<in out>` names the parameter `out`.)
 */
function varianceAfter(text: string, tokens: Token[], i: number, edits: Edit[]): void {
  const mods: Token[] = [];
  let k = i + 1;
  while (mods.length < 2 && (tokens[k]?.text === 'in' || tokens[k]?.text === 'out')) {
    mods.push(tokens[k]!);
    k += 1;
  }
  if (mods.length === 0) return;
  let name = tokens[k];
  const after = (t: Token | undefined): boolean => t !== undefined && (t.text === ',' || t.text === '>' || t.text === '=' || t.text === 'extends');
  if (!(isWord(name) && !RESERVED.has(name!.text) && after(tokens[k + 1]))) {
    // `<in out>`: the last `out` is the name.
    if (mods.length > 0 && mods[mods.length - 1]!.text === 'out' && after(name)) {
      mods.pop();
      name = tokens[k - 1];
    } else return;
  }
  if (mods.length === 0 || !sameLine(text, mods[0]!.start, name)) return;
  for (const m of mods) edits.push(blank(m));
}

/**
 * ``sql<Row>`SELECT …` ``: type arguments of a tagged template, which the
 * grammar reads as comparisons; blanked, the tag and its template remain.
 */
function taggedTemplateTypeArguments(tokens: Token[], i: number, budget: Budget, edits: Edit[]): void {
  const close = matchingAngle(tokens, i, budget);
  if (close < 0) return;
  const after = tokens[close + 1];
  if (after === undefined || after.start !== tokens[close]!.end || after.type !== 'template_string') return;
  const start = tokens[i]!.start;
  edits.push({ start, text: ' '.repeat(tokens[close]!.end - start) });
}

/** Index of the `>` closing the `<` at `i` (brackets balanced), or -1. */
function matchingAngle(tokens: Token[], i: number, budget: Budget): number {
  let depth = 0;
  for (let k = i; k < tokens.length && k < i + 400; k++) {
    if (--budget.steps < 0) return -1;
    const s = tokens[k]!.text;
    if (s === '<' || s === '(' || s === '[' || s === '{') depth += 1;
    else if (s === ')' || s === ']' || s === '}') depth -= 1;
    else if (s === '>' || s === '>>' || s === '>>>') {
      depth -= s.length;
      if (depth <= 0) return depth === 0 ? k : -1;
    } else if (s === ';' && depth <= 1) return -1;
    if (depth <= 0) return -1;
  }
  return -1;
}

/**
 * Whether `t` is the first token of its line after a token that can end a
 * type, outside JSX. Where the caller's pattern follows (`<T …>(` or `in:`),
 * that is a new member of an interface or object type: in code the same
 * tokens would be a comparison chain or a syntax error, and the error count
 * decides in the end.
 */
function startsMember(text: string, tree: Tree, prev: Token | undefined, t: Token, jsx: boolean): boolean {
  if (prev === undefined) return false;
  let lineStart = t.start;
  while (lineStart > prev.end && !isBreak(text.charCodeAt(lineStart - 1))) lineStart -= 1;
  if (lineStart === prev.end) return false; // same line as the previous token
  for (let i = lineStart; i < t.start; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return false; // a comment before it on its line
  }
  const endsType =
    isWord(prev) ||
    TYPE_END_WORDS.has(prev.text) ||
    prev.text === '>' ||
    prev.text === ')' ||
    prev.text === ']' ||
    prev.text === '}' ||
    prev.type === 'string' ||
    prev.type === 'template_string' ||
    prev.type === 'number';
  if (!endsType) return false;
  if (!jsx) return true;
  for (let node: SyntaxNode | null = tree.rootNode.descendantForIndex(t.start, t.end); node !== null; node = node.parent) {
    if (JSX.has(node.type)) return false;
  }
  return true;
}

/** `<` … `>` `(` with balanced brackets: a generic signature rather than JSX or a comparison. */
function looksLikeSignature(tokens: Token[], i: number, budget: Budget): boolean {
  const first = tokens[i + 1];
  if (!(isWord(first) || first?.text === 'const')) return false;
  const close = matchingAngle(tokens, i, budget);
  return close >= 0 && tokens[close + 1]?.text === '(';
}

/**
 * Put a `;` between `prev` and the member starting at `t`: on the last space
 * or tab before the first comment in between (so a doc comment stays next to
 * its member), else on the last one before `t`.
 */
function separate(text: string, all: Token[], prev: Token, t: Token, edits: Edit[]): void {
  // Code tokens are consecutive but for comments: whatever lies between the two in `all` is comments.
  const firstComment = prev.at + 1 < t.at ? all[prev.at + 1]!.start : t.start;
  const spot = lastBlank(text, prev.end, firstComment) ?? lastBlank(text, prev.end, t.start);
  if (spot !== null) edits.push({ start: spot, text: ';' });
}

function lastBlank(text: string, from: number, to: number): number | null {
  for (let i = to - 1; i >= from; i--) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9) return i;
  }
  return null;
}
