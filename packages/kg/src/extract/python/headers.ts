/**
 * Function and class headers (`async def f[T](a: int = 1, *b) -> R:`,
 * `class C(B, metaclass=M):`), read from the source text between the
 * definition's start and its body's start.
 *
 * The tree has already said where the definition and its body are; within
 * the header, Python's rules are simple enough to read directly (brackets,
 * string literals and comments are the only things to step over), and doing
 * so avoids a native call for every parameter, comma and annotation node.
 */
import type { Param } from '../types.js';
import { assignmentAt, closingBracket, identifierAt, scanTopLevel, skipBlank, splitItems } from './scan.js';
import { compactText, type SourceText } from './source.js';

const DOTTED = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*(?:\.[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*)*$/u;

export interface ParamInfo {
  params: Param[];
  /** Where each param's annotation starts, for type-reference lines (-1 when unannotated). */
  typeStarts: number[];
  positionalOnly: string[];
  keywordOnly: string[];
  /** `(a: int, /, *args, b=1, **kw)` */
  text: string;
}

function readParams(src: SourceText, from: number, end: number): ParamInfo {
  const s = src.text;
  const info: ParamInfo = { params: [], typeStarts: [], positionalOnly: [], keywordOnly: [], text: '()' };
  const parts: string[] = [];
  let keywordOnly = false;
  for (const [a, b] of splitItems(s, from, end)) {
    if (b - a === 1 && s[a] === '/') {
      info.positionalOnly = info.params.map((p) => p.name);
      parts.push('/');
      continue;
    }
    if (b - a === 1 && s[a] === '*') {
      keywordOnly = true;
      parts.push('*');
      continue;
    }
    const stars = s.startsWith('**', a) ? '**' : s[a] === '*' ? '*' : '';
    const nameAt = skipBlank(s, a + stars.length, b);
    const identifier = identifierAt(s, nameAt);
    if (identifier === null) {
      // Python 2 tuple parameters `def f((a, b))`: keep them as written, so nothing silently disappears.
      if (s[a] === '(') {
        const name = compactText(s.slice(a, b));
        info.params.push({ name, type: null, optional: false, default: null, rest: false });
        info.typeStarts.push(-1);
        parts.push(name);
      }
      continue;
    }
    const name = identifier;
    let annotation: string | null = null;
    let annotationStart = -1;
    let value: string | null = null;
    const afterName = skipBlank(s, nameAt + name.length, b);
    const equals = assignmentAt(s, afterName, b);
    if (s[afterName] === ':') {
      annotationStart = skipBlank(s, afterName + 1, b);
      annotation = compactText(s.slice(annotationStart, equals === -1 ? b : equals));
    }
    if (equals !== -1) value = src.preview(skipBlank(s, equals + 1, b), b);
    const rest = stars !== '';
    if (stars === '*') keywordOnly = true;
    else if (keywordOnly && !rest) info.keywordOnly.push(name);
    info.params.push({ name, type: annotation, optional: value !== null, default: value, rest });
    info.typeStarts.push(annotationStart);
    const typed = annotation === null ? '' : `: ${annotation}`;
    const defaulted = value === null ? '' : annotation === null ? `=${value}` : ` = ${value}`;
    parts.push(`${stars}${name}${typed}${defaulted}`);
  }
  info.text = `(${parts.join(', ')})`;
  return info;
}

export interface FunctionHeader {
  isAsync: boolean;
  name: string;
  /** `[T]` (PEP 695), or ''. */
  typeParams: string;
  params: ParamInfo;
  returns: string | null;
  returnStart: number;
}

/** The header of a function spanning [start, bodyStart): `async def name[T](params) -> R:`. */
export function readFunctionHeader(src: SourceText, start: number, bodyStart: number): FunctionHeader | null {
  const s = src.text;
  let i = start;
  const isAsync = s.startsWith('async', i);
  if (isAsync) i = skipBlank(s, i + 5, bodyStart);
  if (!s.startsWith('def', i)) return null;
  i = skipBlank(s, i + 3, bodyStart);
  const name = identifierAt(s, i);
  if (name === null) return null;
  i = skipBlank(s, i + name.length, bodyStart);
  let typeParams = '';
  if (s[i] === '[') {
    const close = closingBracket(s, i, bodyStart);
    if (close === -1) return null;
    typeParams = compactText(s.slice(i, close));
    i = skipBlank(s, close, bodyStart);
  }
  if (s[i] !== '(') return null;
  const close = closingBracket(s, i, bodyStart);
  if (close === -1) return null;
  const params = readParams(src, i + 1, close - 1);
  i = skipBlank(s, close, bodyStart);
  let returns: string | null = null;
  let returnStart = -1;
  if (s.startsWith('->', i)) {
    returnStart = skipBlank(s, i + 2, bodyStart);
    const colon = scanTopLevel(s, returnStart, bodyStart, (c) => c === 58);
    returns = compactText(s.slice(returnStart, colon));
  }
  return { isAsync, name, typeParams, params, returns, returnStart };
}

export interface BaseInfo {
  /** Bases as written without type arguments (`B`, `mod.C`, `Generic`), with where each starts. */
  bases: { name: string; start: number }[];
  /** `metaclass=M` and other class keywords, as written. */
  keywords: string[];
  /** `(B, mod.C, Generic[T], metaclass=M)`, or '' without parentheses. */
  text: string;
}

export interface ClassHeader {
  name: string;
  typeParams: string;
  bases: BaseInfo;
}

/** The header of a class spanning [start, bodyStart): `class Name[T](bases, keywords):`. */
export function readClassHeader(src: SourceText, start: number, bodyStart: number): ClassHeader | null {
  const s = src.text;
  if (!s.startsWith('class', start)) return null;
  let i = skipBlank(s, start + 5, bodyStart);
  const name = identifierAt(s, i);
  if (name === null) return null;
  i = skipBlank(s, i + name.length, bodyStart);
  let typeParams = '';
  if (s[i] === '[') {
    const close = closingBracket(s, i, bodyStart);
    if (close === -1) return null;
    typeParams = compactText(s.slice(i, close));
    i = skipBlank(s, close, bodyStart);
  }
  const bases: BaseInfo = { bases: [], keywords: [], text: '' };
  if (s[i] === '(') {
    const close = closingBracket(s, i, bodyStart);
    if (close === -1) return null;
    const parts: string[] = [];
    for (const [a, b] of splitItems(s, i + 1, close - 1)) {
      const text = compactText(s.slice(a, b));
      parts.push(text);
      if (s[a] === '*') continue;
      const equals = assignmentAt(s, a, b);
      if (equals !== -1) {
        bases.keywords.push(text);
        continue;
      }
      // `Generic[T]` names `Generic`; calls name nothing statically.
      const bracket = text.indexOf('[');
      const target = (bracket === -1 ? text : text.slice(0, bracket)).replace(/\s+/g, '');
      if (DOTTED.test(target)) bases.bases.push({ name: target, start: a });
    }
    bases.text = `(${parts.join(', ')})`;
  }
  return { name, typeParams, bases };
}
