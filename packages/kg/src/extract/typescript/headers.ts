/**
 * Declaration headers read from text (see scan.ts for why): the tree gives
 * each header's bounds, these functions split it into modifiers, name, type
 * parameters, parameters, types and defaults.
 */
import type { Field, Param } from '../types.js';
import type { TypeHit } from './context.js';
import {
  CHAR,
  collapseRange,
  identifierEnd,
  readName,
  skipBalanced,
  skipDecorator,
  skipString,
  skipTemplate,
  skipTrivia,
  splitList,
  startsName,
  trimEnd,
} from './scan.js';
import { clip } from './source.js';
import { collectTypeHits } from './typerefs.js';

/** Longest default value kept on a Param or Field; defaults can be whole functions. */
const MAX_DEFAULT = 200;

/** Keywords before a member or function name. */
const MEMBER_MODIFIERS = new Set([
  'static', 'async', 'get', 'set', 'public', 'private', 'protected', 'abstract', 'override',
  'readonly', 'declare', 'accessor',
]);

const PARAMETER_MODIFIERS = new Set(['public', 'private', 'protected', 'readonly', 'override']);

/** A constructor parameter declared `private`/`public`/`protected`/`readonly`/`override`: also a property. */
export interface ParamProperty {
  field: Field;
  decorators: string[];
  start: number;
  end: number;
  /** Where its signature starts (after its decorators) and ends (before a default value). */
  sigStart: number;
  sigEnd: number;
  typeHits: TypeHit[];
}

export interface FunctionHeader {
  name: string | null;
  /** async, static, get, set, abstract, override, readonly, public/private/protected, generator. */
  modifiers: string[];
  optional: boolean;
  typeParams: string[];
  params: Param[];
  paramProperties: ParamProperty[];
  returns: string | null;
  typeHits: TypeHit[];
}

function typeText(t: string, start: number, end: number): string {
  return collapseRange(t, start, end);
}

/** Strip a trailing `;`, `,` or `=>` (and whitespace) from `[start, end)`. */
function trimTerminator(t: string, start: number, end: number): number {
  let e = trimEnd(t, start, end);
  const c = t.charCodeAt(e - 1);
  if (c === CHAR.SEMICOLON || c === CHAR.COMMA) e = trimEnd(t, start, e - 1);
  else if (c === CHAR.GREATER && t.charCodeAt(e - 2) === CHAR.EQUALS) e = trimEnd(t, start, e - 2);
  return e;
}

/**
 * `<A, const B extends X = Y>` at `open`: the names; constraints and
 * defaults are reported as uses. Returns the index after `>`.
 */
function readTypeParams(t: string, open: number, end: number, names: string[], hits: TypeHit[]): number {
  const close = skipBalanced(t, open, end, true);
  for (const item of splitList(t, open + 1, close - 1, true)) {
    let i = skipTrivia(t, item.start, item.end);
    let nameEnd = identifierEnd(t, i, item.end);
    for (;;) {
      const word = t.slice(i, nameEnd);
      const after = skipTrivia(t, nameEnd, item.end);
      if ((word === 'const' || word === 'in' || word === 'out') && identifierEnd(t, after, item.end) > after) {
        i = after;
        nameEnd = identifierEnd(t, i, item.end);
        continue;
      }
      break;
    }
    if (nameEnd > i) names.push(t.slice(i, nameEnd));
    if (nameEnd < item.end) collectTypeHits(t, nameEnd, item.end, 'uses_type', hits);
  }
  return close;
}

/**
 * Read a function-like header in `[start, end)`: a function declaration or
 * signature, a function or arrow expression, a method or method signature.
 * `end` is the body's start for nodes with a body.
 */
export function readFunctionHeader(t: string, start: number, end: number, arrow: boolean): FunctionHeader {
  const header: FunctionHeader = {
    name: null,
    modifiers: [],
    optional: false,
    typeParams: [],
    params: [],
    paramProperties: [],
    returns: null,
    typeHits: [],
  };
  let i = skipTrivia(t, start, end);
  // Modifiers and the `function` keyword.
  for (;;) {
    if (t.charCodeAt(i) === CHAR.AT) {
      i = skipTrivia(t, skipDecorator(t, i, end), end);
      continue;
    }
    const wordEnd = identifierEnd(t, i, end);
    if (wordEnd === i) break;
    const word = t.slice(i, wordEnd);
    const after = skipTrivia(t, wordEnd, end);
    if (word === 'function') {
      i = after;
      break;
    }
    const c = t.charCodeAt(after);
    const modifier =
      MEMBER_MODIFIERS.has(word) &&
      (arrow ? word === 'async' && c !== CHAR.EQUALS : startsName(t, after, end));
    if (!modifier) break;
    header.modifiers.push(word);
    i = after;
  }
  if (t.charCodeAt(i) === CHAR.STAR) {
    header.modifiers.push('generator');
    i = skipTrivia(t, i + 1, end);
  }
  // Name: absent for arrows and anonymous function expressions.
  const c = t.charCodeAt(i);
  if (!arrow && c !== CHAR.OPEN_PAREN && c !== CHAR.LESS) {
    const name = readName(t, i, end);
    if (name !== null) {
      header.name = name.name;
      i = skipTrivia(t, name.end, end);
    }
  } else if (arrow && c !== CHAR.OPEN_PAREN && c !== CHAR.LESS) {
    // `x => …`: a single bare parameter.
    const nameEnd = identifierEnd(t, i, end);
    if (nameEnd > i) header.params.push({ name: t.slice(i, nameEnd), type: null, optional: false, default: null, rest: false });
    return header;
  }
  if (t.charCodeAt(i) === CHAR.QUESTION) {
    header.optional = true;
    i = skipTrivia(t, i + 1, end);
  }
  if (t.charCodeAt(i) === CHAR.LESS) i = skipTrivia(t, readTypeParams(t, i, end, header.typeParams, header.typeHits), end);
  if (t.charCodeAt(i) !== CHAR.OPEN_PAREN) return header;
  const close = skipBalanced(t, i, end, false);
  for (const item of splitList(t, i + 1, close - 1)) readParam(t, item, header);
  i = skipTrivia(t, close, end);
  if (t.charCodeAt(i) === CHAR.COLON) {
    const returnEnd = trimTerminator(t, i + 1, end);
    header.returns = typeText(t, i + 1, returnEnd);
    collectTypeHits(t, i + 1, returnEnd, 'returns_type', header.typeHits);
  }
  return header;
}

function readParam(t: string, item: { start: number; end: number; colon: number; equals: number }, header: FunctionHeader): void {
  const decorators: string[] = [];
  let i = skipTrivia(t, item.start, item.end);
  while (t.charCodeAt(i) === CHAR.AT) {
    const e = skipDecorator(t, i, item.end);
    decorators.push(collapseRange(t, i, e));
    i = skipTrivia(t, e, item.end);
  }
  const sigStart = i;
  const modifiers: string[] = [];
  for (;;) {
    const wordEnd = identifierEnd(t, i, item.end);
    if (wordEnd === i) break;
    const word = t.slice(i, wordEnd);
    const after = skipTrivia(t, wordEnd, item.end);
    const c = t.charCodeAt(after);
    if (!PARAMETER_MODIFIERS.has(word) || !(startsName(t, after, item.end) || c === CHAR.OPEN_BRACE || c === CHAR.DOT)) break;
    modifiers.push(word);
    i = after;
  }
  let rest = false;
  if (t.startsWith('...', i)) {
    rest = true;
    i = skipTrivia(t, i + 3, item.end);
  }
  const c = t.charCodeAt(i);
  let nameEnd: number;
  if (c === CHAR.OPEN_BRACE || c === CHAR.OPEN_BRACKET) nameEnd = skipBalanced(t, i, item.end, false);
  else nameEnd = identifierEnd(t, i, item.end);
  const name = collapseRange(t, i, nameEnd);
  if (name === 'this' && !rest) return;
  const after = skipTrivia(t, nameEnd, item.end);
  const optional = t.charCodeAt(after) === CHAR.QUESTION;
  const valueEnd = trimEnd(t, item.start, item.end);
  const typeEnd = item.equals >= 0 ? item.equals : valueEnd;
  const hits: TypeHit[] = [];
  let type: string | null = null;
  if (item.colon >= 0 && item.colon < typeEnd) {
    type = typeText(t, item.colon + 1, typeEnd);
    collectTypeHits(t, item.colon + 1, typeEnd, 'uses_type', hits);
  }
  const defaultValue = item.equals >= 0 ? clip(t.slice(item.equals + 1, valueEnd), MAX_DEFAULT) : null;
  const param: Param = { name, type, optional: optional || defaultValue !== null, default: defaultValue, rest };
  header.params.push(param);
  for (const hit of hits) header.typeHits.push(hit);
  if (modifiers.length === 0) return;
  header.paramProperties.push({
    field: { name, type, optional: param.optional, default: defaultValue, modifiers },
    decorators,
    start: skipTrivia(t, item.start, item.end),
    end: valueEnd,
    sigStart,
    sigEnd: trimEnd(t, sigStart, item.equals >= 0 ? item.equals : valueEnd),
    typeHits: hits,
  });
}

export interface PropertyHeader {
  field: Field;
  decorators: string[];
  sigStart: number;
  sigEnd: number;
  typeHits: TypeHit[];
}

/**
 * A class field or property signature in `[start, end)`:
 * `@dec() private static readonly name?: Type = value`.
 */
export function readPropertyHeader(t: string, start: number, end: number): PropertyHeader {
  const header: PropertyHeader = {
    field: { name: '', type: null, optional: false, default: null },
    decorators: [],
    sigStart: start,
    sigEnd: end,
    typeHits: [],
  };
  let i = skipTrivia(t, start, end);
  while (t.charCodeAt(i) === CHAR.AT) {
    const e = skipDecorator(t, i, end);
    header.decorators.push(collapseRange(t, i, e));
    i = skipTrivia(t, e, end);
  }
  header.sigStart = i;
  const modifiers: string[] = [];
  for (;;) {
    const wordEnd = identifierEnd(t, i, end);
    if (wordEnd === i) break;
    const word = t.slice(i, wordEnd);
    const after = skipTrivia(t, wordEnd, end);
    if (!MEMBER_MODIFIERS.has(word) || !startsName(t, after, end)) break;
    modifiers.push(word);
    i = after;
  }
  if (modifiers.length > 0) header.field.modifiers = modifiers;
  const name = readName(t, i, end);
  if (name === null) return header;
  header.field.name = name.name;
  i = skipTrivia(t, name.end, end);
  const c = t.charCodeAt(i);
  if (c === CHAR.QUESTION) {
    header.field.optional = true;
    i += 1;
  } else if (c === CHAR.BANG) i += 1;
  // The rest is `: Type = value`; split it like a one-item list to find the top-level `=`.
  const [item] = splitList(t, i, end);
  const valueEnd = trimTerminator(t, i, end);
  if (item === undefined) {
    header.sigEnd = valueEnd;
    return header;
  }
  const typeEnd = item.equals >= 0 ? item.equals : valueEnd;
  if (item.colon >= 0 && item.colon < typeEnd) {
    header.field.type = typeText(t, item.colon + 1, typeEnd);
    collectTypeHits(t, item.colon + 1, typeEnd, 'uses_type', header.typeHits);
  }
  if (item.equals >= 0) header.field.default = clip(t.slice(item.equals + 1, valueEnd), MAX_DEFAULT);
  header.sigEnd = trimEnd(t, header.sigStart, typeEnd);
  return header;
}

export interface Heritage {
  kind: 'extends' | 'implements';
  target: string;
  index: number;
}

export interface TypeHeader {
  name: string | null;
  modifiers: string[];
  decorators: string[];
  /** Decorators inside the node (`export @dec class`), cut out of the signature. */
  decoratorSpan: [number, number] | null;
  typeParams: string[];
  heritage: Heritage[];
  typeHits: TypeHit[];
}

const DOTTED_NAME = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*(?:\s*\.\s*[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*)*$/u;

/** A heritage entry `ns.Base<T>` → `ns.Base`; null for anything else (`mixin(A)`). */
function heritageName(t: string, start: number, end: number): string | null {
  let e = trimEnd(t, start, end);
  const s = skipTrivia(t, start, e);
  if (t.charCodeAt(e - 1) === CHAR.GREATER) {
    const open = t.indexOf('<', s);
    if (open < 0) return null;
    e = trimEnd(t, s, open);
  }
  const text = t.slice(s, e);
  return DOTTED_NAME.test(text) ? text.replace(/\s+/g, '') : null;
}

/** Index of the top-level keyword `word` in `[start, end)`, or -1. */
function findKeyword(t: string, start: number, end: number, word: string): number {
  let i = start;
  while (i < end) {
    i = skipTrivia(t, i, end);
    const c = t.charCodeAt(i);
    if (c === CHAR.OPEN_PAREN || c === CHAR.OPEN_BRACKET || c === CHAR.OPEN_BRACE || c === CHAR.LESS) {
      i = skipBalanced(t, i, end, c === CHAR.LESS);
      continue;
    }
    if (c === CHAR.QUOTE || c === CHAR.DOUBLE_QUOTE) {
      i = skipString(t, i, end);
      continue;
    }
    if (c === CHAR.BACKTICK) {
      i = skipTemplate(t, i, end);
      continue;
    }
    const e = identifierEnd(t, i, end);
    if (e > i) {
      if (e - i === word.length && t.startsWith(word, i)) return i;
      i = e;
    } else i += 1;
  }
  return -1;
}

/**
 * A class or interface header in `[start, end)` (end = the body's start):
 * `[@dec] [abstract] class Name<T> extends Base<T> implements I, J` or
 * `interface Name<T> extends A, B`.
 */
export function readTypeHeader(t: string, start: number, end: number): TypeHeader {
  const header: TypeHeader = { name: null, modifiers: [], decorators: [], decoratorSpan: null, typeParams: [], heritage: [], typeHits: [] };
  let i = skipTrivia(t, start, end);
  while (t.charCodeAt(i) === CHAR.AT) {
    const e = skipDecorator(t, i, end);
    header.decorators.push(collapseRange(t, i, e));
    header.decoratorSpan = [header.decoratorSpan?.[0] ?? i, e];
    i = skipTrivia(t, e, end);
  }
  let isClass = false;
  for (;;) {
    const wordEnd = identifierEnd(t, i, end);
    const word = t.slice(i, wordEnd);
    i = skipTrivia(t, wordEnd, end);
    if (word === 'abstract' || word === 'declare') header.modifiers.push(word);
    else {
      isClass = word === 'class';
      break;
    }
  }
  const nameEnd = identifierEnd(t, i, end);
  const name = t.slice(i, nameEnd);
  if (nameEnd > i && name !== 'extends' && name !== 'implements') {
    header.name = name;
    i = skipTrivia(t, nameEnd, end);
  }
  if (t.charCodeAt(i) === CHAR.LESS) i = skipTrivia(t, readTypeParams(t, i, end, header.typeParams, header.typeHits), end);
  const extendsAt = findKeyword(t, i, end, 'extends');
  const implementsAt = isClass ? findKeyword(t, i, end, 'implements') : -1;
  if (extendsAt >= 0) {
    const listEnd = implementsAt > extendsAt ? implementsAt : end;
    // A class extends one expression; an interface extends a list of types.
    const items = isClass ? [{ start: extendsAt + 7, end: listEnd }] : splitList(t, extendsAt + 7, listEnd, true);
    for (const item of items) {
      const target = heritageName(t, item.start, item.end);
      if (target !== null) header.heritage.push({ kind: 'extends', target, index: skipTrivia(t, item.start, item.end) });
    }
  }
  if (implementsAt >= 0) {
    for (const item of splitList(t, implementsAt + 10, end, true)) {
      const target = heritageName(t, item.start, item.end);
      if (target !== null) header.heritage.push({ kind: 'implements', target, index: skipTrivia(t, item.start, item.end) });
    }
  }
  return header;
}

/** `type Name<T> =` in `[start, end)`: name, type parameters (and their constraint/default uses). */
export function readTypeAliasHeader(t: string, start: number, end: number): { name: string; typeParams: string[]; typeHits: TypeHit[] } {
  const result = { name: '', typeParams: [] as string[], typeHits: [] as TypeHit[] };
  let i = skipTrivia(t, start, end);
  i = skipTrivia(t, identifierEnd(t, i, end), end); // `type`
  const nameEnd = identifierEnd(t, i, end);
  result.name = t.slice(i, nameEnd);
  i = skipTrivia(t, nameEnd, end);
  if (t.charCodeAt(i) === CHAR.LESS) readTypeParams(t, i, end, result.typeParams, result.typeHits);
  return result;
}

/** Enum members from the text of an enum body `{ A = 1, B, 'c' }`. */
export function readEnumMembers(t: string, start: number, end: number): Field[] {
  const fields: Field[] = [];
  const open = t.indexOf('{', start);
  if (open < 0 || open >= end) return fields;
  const close = skipBalanced(t, open, end, false);
  for (const item of splitList(t, open + 1, close - 1)) {
    const i = skipTrivia(t, item.start, item.end);
    const name = readName(t, i, item.end);
    if (name === null) continue;
    const valueEnd = trimEnd(t, item.start, item.end);
    fields.push({
      name: name.name,
      type: null,
      optional: false,
      default: item.equals >= 0 ? clip(t.slice(item.equals + 1, valueEnd), MAX_DEFAULT) : null,
    });
  }
  return fields;
}
