import type { CallTarget } from '../types.js';
import { headerEndsWithColon, plainStringEnd } from './scan.js';

/**
 * Call sites, found by tokenizing the source text.
 *
 * Calls are by far the most numerous nodes the extractor reports, and in
 * node-tree-sitter every node handed to JavaScript costs a native round trip
 * plus a weakly-referenced wrapper object: fetching them from the tree cost
 * more than all other extraction work together. Python makes calls easy to
 * see in the token stream instead: an opening parenthesis is a call exactly
 * when it follows a primary (a name, a closing bracket, a string literal),
 * and not a keyword or an operator. The scanner skips comments and string
 * literals, reads f-string replacement fields as code, and ends a statement
 * at a newline outside brackets, so a parenthesised expression on the next
 * line is never taken for a call; `match`/`case` headers and class patterns
 * (`case Point(x=0):`) are not calls either.
 *
 * Checked against tree-sitter's `call` nodes over the whole standard library
 * (326,705 calls): same calls, targets and lines, except 18 places where
 * tree-sitter misparses (`*x.f()` inside a display, `type(x).attr = v` taken
 * for a type alias statement) and the scanner is right.
 */
export interface CallSite {
  /** Where the callee starts (the receiver for `a.b()`): the call's line comes from here. */
  start: number;
  /** The opening parenthesis: inside the same definition as the callee, and increasing in scan order. */
  paren: number;
  target: CallTarget;
}

const enum Tok {
  /** Start of a statement, an operator or an opening bracket: a '(' here is a parenthesised expression. */
  None,
  Name,
  Keyword,
  /** `None` / `True` / `False`: tree-sitter still parses `None(x)` as a call. */
  Constant,
  Dot,
  Close,
  String,
  Number,
  Other,
}

const KEYWORDS = [
  'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except',
  'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass',
  'raise', 'return', 'try', 'while', 'with', 'yield',
];
const CONSTANTS = ['None', 'True', 'False'];

const enum Word {
  Name,
  Keyword,
  /** `def` / `class`: the next name is a definition's. */
  Definer,
  /** `import`: where definitions and imports can be, for the statement walk. */
  Import,
  /** `None` / `True` / `False`: tree-sitter still parses `None(x)` as a call. */
  Constant,
  /** `match` / `case`: keywords only at the start of a compound statement. */
  Soft,
}

/**
 * Reserved words by (first character, length), so that classifying an
 * identifier needs no substring: most identifiers match no entry at all.
 */
const RESERVED = new Map<number, [string, Word][]>();
for (const [words, kind] of [
  [KEYWORDS, Word.Keyword],
  [CONSTANTS, Word.Constant],
  [['match', 'case'], Word.Soft],
] as const) {
  for (const word of words) {
    const kindOf = word === 'def' || word === 'class' ? Word.Definer : word === 'import' ? Word.Import : kind;
    const key = word.charCodeAt(0) * 16 + word.length;
    const list = RESERVED.get(key) ?? [];
    list.push([word, kindOf]);
    RESERVED.set(key, list);
  }
}

function wordKind(s: string, start: number, end: number): Word {
  const length = end - start;
  if (length > 8) return Word.Name;
  const candidates = RESERVED.get(s.charCodeAt(start) * 16 + length);
  if (candidates === undefined) return Word.Name;
  for (const [word, kind] of candidates) if (s.startsWith(word, start)) return kind;
  return Word.Name;
}

const STRING_PREFIXES = new Set(['r', 'u', 'b', 'f', 'br', 'rb', 'fr', 'rf']);
/** Numeric literals; a '.' after one starts an attribute (`1.5e10.hex()`). */
const NUMBER = /0[xX][0-9a-fA-F_]*|0[oO][0-7_]*|0[bB][01_]*|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJlL]?/y;
/** The arguments of a two-argument `super(C, self)` (C a dotted name), comments and line breaks aside. */
const SUPER_ARGUMENTS = /^\s*([\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*(?:\s*\.\s*[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*)*)\s*,\s*[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*\s*,?\s*$/u;
const ID_START = /[\p{L}\p{Nl}_]/u;
const ID_REST = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}\u00B7\u0387\u1369-\u1371\u19DA]*/uy;

interface Bracket {
  /** Start of the primary this bracket belongs to (the callee for a call, the bracket itself for a display). */
  primary: number;
  /** A `super(` call: if it closes empty, `super().m()` follows the self form. */
  superCall: boolean;
  /** Index of the bracket itself, to tell an empty `super()`. */
  at: number;
}

/** Scanner state that an f-string replacement field must not disturb. */
interface Saved {
  prev: Tok;
  prevEnd: number;
  spans: number[];
  chainStart: number;
  chainOnExpr: boolean;
  chainOnSuper: boolean;
  chainSuperClass: string | null;
  definitionName: boolean;
  lastPrimary: number;
  lastWasSuperClose: boolean;
  lastSuperClass: string | null;
}

/** Tokenizer state; one per file. */
class Scanner {
  readonly calls: CallSite[] = [];
  /** Where each `def`, `class` and `import` keyword starts, in order. */
  readonly definers: number[] = [];
  private prev: Tok = Tok.None;
  private prevEnd = 0;
  /**
   * The dotted names read since the current primary started (`a`, `b`, `c`
   * for `a.b.c`) as [start, end) pairs; sliced only when a call needs them.
   * Reused, with `chainLength` names in use.
   */
  private spans: number[] = [];
  private chainLength = 0;
  private chainStart = 0;
  /** The chain hangs off an expression (`f().x`, `a[0].x`): its receiver is not a plain name. */
  private chainOnExpr = false;
  /** The chain hangs off `super()`. */
  private chainOnSuper = false;
  /** The name just read follows `def` / `class`: its '(' opens a parameter list or bases. */
  private definitionName = false;
  /** Start of the primary a closing bracket / string just ended. */
  private lastPrimary = 0;
  private lastWasSuperClose = false;
  /** The class named by the `super(C, self)` that just closed; null for `super()`. */
  private lastSuperClass: string | null = null;
  /** The class named by the two-argument `super(C, self)` the chain hangs off. */
  private chainSuperClass: string | null = null;
  /** Inside the pattern of a `case` clause. */
  private casePattern = false;

  constructor(private readonly s: string) {}

  /**
   * Scan code from `i`. With `inReplacementField`, stop at the '}', '!' or ':'
   * that ends an f-string replacement field's expression (at bracket depth 0),
   * returning its index; otherwise scan to the end.
   */
  code(from: number, inReplacementField: boolean): number {
    const s = this.s;
    const n = s.length;
    const stack: Bracket[] = [];
    let i = from;
    while (i < n) {
      const c = s.charCodeAt(i);
      // Identifiers (ASCII fast path).
      if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 128 && ID_START.test(s[i] as string))) {
        let j = i + 1;
        while (j < n) {
          const d = s.charCodeAt(j);
          if ((d >= 97 && d <= 122) || (d >= 65 && d <= 90) || d === 95 || (d >= 48 && d <= 57)) j += 1;
          else break;
        }
        if (j < n && s.charCodeAt(j) >= 128) {
          ID_REST.lastIndex = j;
          ID_REST.exec(s);
          j = ID_REST.lastIndex;
        }
        const next = s.charCodeAt(j);
        if ((next === 39 || next === 34) && j - i <= 2 && STRING_PREFIXES.has(s.slice(i, j).toLowerCase())) {
          i = this.string(i, j);
          continue;
        }
        this.name(i, j, stack.length === 0 && !inReplacementField);
        this.prevEnd = j;
        i = j;
        continue;
      }
      switch (c) {
        case 32: // space
        case 9: // tab
        case 12: // form feed
        case 13: // carriage return
          i += 1;
          continue;
        case 10: // newline: ends the statement unless inside brackets (or an f-string field)
          if (stack.length === 0 && !inReplacementField) this.endStatement();
          i += 1;
          continue;
        case 92: // backslash: line continuation
          i += s.charCodeAt(i + 1) === 13 && s.charCodeAt(i + 2) === 10 ? 3 : 2;
          continue;
        case 35: {
          // comment
          const eol = s.indexOf('\n', i);
          i = eol === -1 ? n : eol;
          continue;
        }
        case 39: // '
        case 34: // "
          i = this.string(i, i);
          continue;
        case 40: // (
          stack.push(this.open(i));
          this.reset();
          this.prevEnd = i + 1;
          i += 1;
          continue;
        case 91: {
          // [ : a subscript belongs to the primary before it, a list display starts one.
          const primary = this.prev === Tok.Name ? this.chainStart : this.prev === Tok.Close || this.prev === Tok.String ? this.lastPrimary : i;
          stack.push({ primary, superCall: false, at: i });
          this.reset();
          i += 1;
          continue;
        }
        case 123: // {
          stack.push({ primary: i, superCall: false, at: i });
          this.reset();
          i += 1;
          continue;
        case 41: // )
        case 93: // ]
        case 125: {
          // }
          const open = stack.pop();
          if (open === undefined) {
            if (inReplacementField && c === 125) return i;
            this.reset();
            i += 1;
            continue;
          }
          this.close(open, i);
          i += 1;
          continue;
        }
        case 46: // .
          if (s.charCodeAt(i + 1) >= 48 && s.charCodeAt(i + 1) <= 57) {
            i = this.number(i);
            continue;
          }
          if (s.charCodeAt(i + 1) === 46) {
            // `...`
            this.other(i + 3);
            i += 3;
            continue;
          }
          this.dot();
          i += 1;
          continue;
        case 33: // ! : conversion in an f-string field, unless `!=`
        case 58: // : : format spec in an f-string field, unless `:=` / inside brackets
          if (inReplacementField && stack.length === 0 && s.charCodeAt(i + 1) !== 61) return i;
          if (stack.length === 0) this.casePattern = false;
          this.other(i + 1);
          i += 1;
          continue;
        case 59: // ;
          this.endStatement();
          i += 1;
          continue;
        default:
          if (c >= 48 && c <= 57) {
            i = this.number(i);
            continue;
          }
          this.other(i + 1);
          i += 1;
      }
    }
    return n;
  }

  private name(start: number, end: number, statementLevel: boolean): void {
    const s = this.s;
    let kind = wordKind(s, start, end);
    if (kind === Word.Keyword && this.casePattern && end - start === 2 && s.startsWith('if', start)) this.casePattern = false;
    if (kind === Word.Soft) {
      // `match x:` / `case Point(x=0):` open compound statements; `match(x)` is a call.
      if (statementLevel && this.prev === Tok.None && headerEndsWithColon(s, end)) {
        // A class pattern `case Point(x=0):` is not a call: no call until the pattern's ':' (or its guard).
        if (s.startsWith('case', start)) this.casePattern = true;
        kind = Word.Keyword;
      } else {
        kind = Word.Name;
      }
    }
    if (kind === Word.Keyword || kind === Word.Definer || kind === Word.Import) {
      if (kind !== Word.Keyword) this.definers.push(start);
      this.prev = Tok.Keyword;
      // `def f(` and `class C(` are not calls: remember that the next name is a definition's.
      this.definitionName = kind === Word.Definer;
      this.chainLength = 0;
      return;
    }
    if (kind === Word.Constant) {
      this.prev = Tok.Constant;
      this.lastPrimary = start;
      this.chainLength = 0;
      return;
    }
    if (this.prev === Tok.Dot && (this.chainLength > 0 || this.chainOnExpr)) {
      this.push(start, end);
    } else {
      const isDefinition = this.prev === Tok.Keyword && this.definitionName;
      this.chainLength = 0;
      this.push(start, end);
      this.chainStart = start;
      this.chainOnExpr = false;
      this.chainOnSuper = false;
      this.definitionName = isDefinition;
    }
    this.prev = Tok.Name;
    this.lastWasSuperClose = false;
  }

  private push(start: number, end: number): void {
    const at = this.chainLength * 2;
    this.spans[at] = start;
    this.spans[at + 1] = end;
    this.chainLength += 1;
  }

  private part(index: number): string {
    return this.s.slice(this.spans[index * 2] as number, this.spans[index * 2 + 1] as number);
  }

  private dot(): void {
    if (this.prev === Tok.Name) {
      this.prev = Tok.Dot;
      return;
    }
    if (this.prev === Tok.Close || this.prev === Tok.String || this.prev === Tok.Number || this.prev === Tok.Constant) {
      // `f().x`, `a[0].x`, `"".join`: the chain's receiver is an expression starting at lastPrimary.
      this.chainOnSuper = this.lastWasSuperClose;
      this.chainSuperClass = this.lastWasSuperClose ? this.lastSuperClass : null;
      this.chainOnExpr = true;
      this.chainLength = 0;
      this.chainStart = this.lastPrimary;
      this.definitionName = false;
      this.prev = Tok.Dot;
      return;
    }
    this.other(0);
  }

  /** An opening parenthesis: record a call when it follows a primary. */
  private open(at: number): Bracket {
    let target: CallTarget | null = null;
    let start = at;
    let superCall = false;
    if (this.prev === Tok.Name && !this.definitionName && !this.casePattern) {
      start = this.chainStart;
      const length = this.chainLength;
      if (this.chainOnExpr) {
        if (this.chainOnSuper && length === 1) {
          target = { form: 'self', property: this.part(0), viaSuper: true };
          if (this.chainSuperClass !== null) target.superClass = this.chainSuperClass;
        } else target = { form: 'dynamic' };
      } else if (length === 1) {
        const name = this.part(0);
        target = { form: 'name', name };
        superCall = name === 'super';
      } else {
        const property = this.part(length - 1);
        let object = this.part(0);
        for (let k = 1; k < length - 1; k++) object += `.${this.part(k)}`;
        target = object === 'self' || object === 'cls' ? { form: 'self', property } : { form: 'member', object, property };
      }
    } else if (this.prev === Tok.Close || this.prev === Tok.String || this.prev === Tok.Constant) {
      start = this.lastPrimary;
      target = { form: 'dynamic' };
    }
    if (target !== null) this.calls.push({ start, paren: at, target });
    return { primary: target === null ? at : start, superCall, at };
  }

  private close(open: Bracket, at: number): void {
    this.lastWasSuperClose = false;
    this.lastSuperClass = null;
    if (open.superCall) {
      if (this.prevEnd === open.at + 1 && this.prev === Tok.None) this.lastWasSuperClose = true;
      else {
        // `super(C, self)`: the MRO after C, seen from self.
        const m = SUPER_ARGUMENTS.exec(this.s.slice(open.at + 1, at));
        if (m !== null) {
          this.lastWasSuperClose = true;
          this.lastSuperClass = (m[1] as string).replace(/\s+/g, '');
        }
      }
    }
    this.lastPrimary = open.primary;
    this.prev = Tok.Close;
    this.prevEnd = at + 1;
    this.chainLength = 0;
    this.definitionName = false;
  }

  private other(end: number): void {
    this.prev = Tok.Other;
    this.prevEnd = end;
    this.chainLength = 0;
    this.definitionName = false;
    this.lastWasSuperClose = false;
  }

  /** A newline outside brackets or a ';'. */
  private endStatement(): void {
    this.casePattern = false;
    this.reset();
  }

  private reset(): void {
    this.prev = Tok.None;
    this.chainLength = 0;
    this.definitionName = false;
    this.lastWasSuperClose = false;
  }

  private number(i: number): number {
    NUMBER.lastIndex = i;
    const j = NUMBER.exec(this.s) === null ? i + 1 : NUMBER.lastIndex;
    this.prev = Tok.Number;
    this.lastPrimary = i;
    this.prevEnd = j;
    this.chainLength = 0;
    this.definitionName = false;
    return j;
  }

  /** A string literal whose prefix starts at `start` and quote at `quoteAt`; returns the index after it. */
  private string(start: number, quoteAt: number): number {
    const s = this.s;
    const prefix = quoteAt > start ? s.slice(start, quoteAt).toLowerCase() : '';
    const fString = prefix.includes('f');
    const q = s.charCodeAt(quoteAt);
    const triple = s.charCodeAt(quoteAt + 1) === q && s.charCodeAt(quoteAt + 2) === q;
    const i = fString ? this.fString(quoteAt, q, triple, prefix.includes('r')) : plainStringEnd(s, quoteAt, q, triple);
    // Adjacent literals are one (concatenated) primary: `"a" "b".format()` starts at `"a"`.
    if (this.prev !== Tok.String) this.lastPrimary = start;
    this.prev = Tok.String;
    this.prevEnd = i;
    this.chainLength = 0;
    this.definitionName = false;
    this.lastWasSuperClose = false;
    return i;
  }

  /** An f-string from its opening quote: replacement fields are scanned as code. Returns the index after it. */
  private fString(quoteAt: number, q: number, triple: boolean, raw: boolean): number {
    const s = this.s;
    const n = s.length;
    let i = quoteAt + (triple ? 3 : 1);
    const saved = this.save();
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === 92) {
        // `\N{NAME}` is an escape, not a replacement field.
        if (!raw && s.charCodeAt(i + 1) === 78 && s.charCodeAt(i + 2) === 123) {
          const close = s.indexOf('}', i + 3);
          i = close === -1 ? n : close + 1;
          continue;
        }
        i += 2;
        continue;
      }
      if (c === q && (!triple || (s.charCodeAt(i + 1) === q && s.charCodeAt(i + 2) === q))) {
        i += triple ? 3 : 1;
        break;
      }
      if (c === 10 && !triple) break; // unterminated: stop at the end of the line
      if (c === 123) {
        if (s.charCodeAt(i + 1) === 123) {
          i += 2;
          continue;
        }
        i = this.replacementField(i + 1, q, triple);
        continue;
      }
      i += 1;
    }
    this.restore(saved);
    return i;
  }

  /** `{expr!r:spec}` from just after '{'; returns the index after its '}'. */
  private replacementField(from: number, quote: number, triple: boolean): number {
    const s = this.s;
    this.reset();
    let i = this.code(from, true);
    if (s.charCodeAt(i) === 33) {
      // !r / !s / !a
      i += 2;
    }
    if (s.charCodeAt(i) === 58) {
      // Format spec: literal text with nested replacement fields, up to the closing '}'.
      i += 1;
      while (i < s.length) {
        const c = s.charCodeAt(i);
        if (c === 125) break;
        if (c === quote && (!triple || (s.charCodeAt(i + 1) === quote && s.charCodeAt(i + 2) === quote))) return i;
        if (c === 123) {
          i = this.replacementField(i + 1, quote, triple);
          continue;
        }
        i += 1;
      }
    }
    return s.charCodeAt(i) === 125 ? i + 1 : i;
  }

  private save(): Saved {
    return {
      prev: this.prev,
      prevEnd: this.prevEnd,
      spans: this.spans.slice(0, this.chainLength * 2),
      chainStart: this.chainStart,
      chainOnExpr: this.chainOnExpr,
      chainOnSuper: this.chainOnSuper,
      chainSuperClass: this.chainSuperClass,
      definitionName: this.definitionName,
      lastPrimary: this.lastPrimary,
      lastWasSuperClose: this.lastWasSuperClose,
      lastSuperClass: this.lastSuperClass,
    };
  }

  private restore(saved: Saved): void {
    this.prev = saved.prev;
    this.prevEnd = saved.prevEnd;
    for (let k = 0; k < saved.spans.length; k++) this.spans[k] = saved.spans[k] as number;
    this.chainLength = saved.spans.length / 2;
    this.chainStart = saved.chainStart;
    this.chainOnExpr = saved.chainOnExpr;
    this.chainOnSuper = saved.chainOnSuper;
    this.chainSuperClass = saved.chainSuperClass;
    this.definitionName = saved.definitionName;
    this.lastPrimary = saved.lastPrimary;
    this.lastWasSuperClose = saved.lastWasSuperClose;
    this.lastSuperClass = saved.lastSuperClass;
  }
}

export interface ScanResult {
  /** Every call, in order of its opening parenthesis. */
  calls: CallSite[];
  /** Where each `def`, `class` and `import` keyword starts (outside strings and comments), in order. */
  definers: number[];
}

/** Tokenize a Python source for its calls (and, on the way, where it defines or imports). */
export function scanCalls(source: string): ScanResult {
  const scanner = new Scanner(source);
  scanner.code(0, false);
  return { calls: scanner.calls, definers: scanner.definers };
}
