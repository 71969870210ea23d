import type { SyntaxNode } from '../parse.js';
import type { Field } from '../types.js';
import { isExtra, type Cursor } from './cursor.js';
import { stringValue } from './docstring.js';
import { stringListLiteral } from './literals.js';
import { scanTopLevel, skipBlank } from './scan.js';
import { compactText, truncate, type SourceText } from './source.js';
import type { Extraction, Scope } from './state.js';

/** Text of a node (functional class forms are rare enough to read through node objects). */
const text = (node: SyntaxNode): string => node.text;

const ID = String.raw`[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*`;
const IDENTIFIER = new RegExp(`^${ID}$`, 'u');
const SELF_ATTRIBUTE = new RegExp(String.raw`^(${ID})\s*\.\s*(${ID})$`, 'u');
const FACTORY_CALL = new RegExp(String.raw`(${ID}(?:\s*\.\s*${ID})*)\s*\(`, 'uy');
const PARENTHESIZED_NAME = new RegExp(String.raw`^\(\s*(${ID})\s*\)$`, 'u');
const AUGMENTED_ALL = /^__all__\s*\+=\s*/;
const CLASS_VAR = /^(?:[\w.]+\.)?ClassVar\b/;
const OPTIONAL_TYPE = /^(?:[\w.]+\.)?(?:Optional|NotRequired)\[|\|\s*None\b|\bNone\s*\|/;

/** `X = namedtuple('X', ...)` and friends: class factories whose result is recorded as a class. */
const CLASS_FACTORIES: ReadonlyMap<string, string> = new Map([
  ['namedtuple', 'namedtuple'],
  ['NamedTuple', 'namedtuple'],
  ['TypedDict', 'typeddict'],
]);

interface Span {
  /** 'identifier', 'attribute' (a dotted name) or 'other', judged from the text. */
  type: string;
  start: number;
  end: number;
}

interface AssignmentParts {
  /** `a = b = v` has two targets. */
  targets: Span[];
  annotation: Span | null;
  /** The final value. */
  value: Span | null;
  /** The value as a node when it may be a class factory call (`namedtuple(...)`): read in full. */
  factoryCall: SyntaxNode | null;
}

const DOTTED_TARGET = new RegExp(String.raw`^${ID}(?:\s*\.\s*${ID})+$`, 'u');
const LAMBDA = /^lambda\b/;

/**
 * Split an `assignment` spanning [start, end) (cursor on it, and left there)
 * into targets, annotation and value, from its text: `a = b = v`,
 * `x: T = v`, `x: T`. Top-level '=' signs separate targets from the value,
 * except inside a lambda's defaults (`f = lambda x=1: x`), where the value
 * has begun.
 */
function readAssignment(c: Cursor, src: SourceText, start: number, end: number): AssignmentParts {
  const s = src.text;
  const parts: AssignmentParts = { targets: [], annotation: null, value: null, factoryCall: null };
  const equals: number[] = [];
  scanTopLevel(s, start, end, (ch, i) => {
    if (ch === 61 && isAssignmentSign(s, i)) equals.push(i);
    return false;
  });
  const firstEquals = equals[0] ?? end;
  const colon = scanTopLevel(s, start, firstEquals, (ch, i) => ch === 58 && s.charCodeAt(i + 1) !== 61);
  if (colon < firstEquals) {
    parts.targets.push(span(s, start, colon));
    parts.annotation = span(s, colon + 1, firstEquals);
    if (firstEquals < end) parts.value = span(s, firstEquals + 1, end);
  } else {
    let segmentStart = start;
    for (const sign of equals) {
      const target = span(s, segmentStart, sign);
      if (LAMBDA.test(s.slice(target.start, target.end))) break;
      parts.targets.push(target);
      segmentStart = sign + 1;
    }
    if (parts.targets.length === 0) return parts;
    parts.value = span(s, segmentStart, end);
  }
  if (parts.value !== null && factoryModel(src, parts.value.start) !== undefined) {
    let node: SyntaxNode | null = c.node();
    while (node !== null && node.type === 'assignment') node = node.childForFieldName('right');
    if (node !== null && node.type === 'call') parts.factoryCall = node;
  }
  return parts;
}

/** An '=' that assigns: not part of `==`, `<=`, `>=`, `!=`, `:=`. */
function isAssignmentSign(s: string, i: number): boolean {
  const before = s.charCodeAt(i - 1);
  return s.charCodeAt(i + 1) !== 61 && before !== 61 && before !== 60 && before !== 62 && before !== 33 && before !== 58;
}

/** The trimmed span of [from, to) with its target type judged from the text. */
function span(s: string, from: number, to: number): Span {
  const start = skipBlank(s, from, to);
  let end = to;
  while (end > start && isBlank(s.charCodeAt(end - 1))) end -= 1;
  const text = s.slice(start, end);
  const type = IDENTIFIER.test(text) ? 'identifier' : DOTTED_TARGET.test(text) ? 'attribute' : 'other';
  return { type, start, end };
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12;
}

/** The model kind when the call at `start` is `namedtuple(` / `NamedTuple(` / `TypedDict(` (any dotted receiver). */
function factoryModel(src: SourceText, start: number): string | undefined {
  FACTORY_CALL.lastIndex = start;
  const callee = FACTORY_CALL.exec(src.text);
  if (callee === null) return undefined;
  const path = (callee[1] as string).replace(/\s+/g, '');
  return CLASS_FACTORIES.get(path.slice(path.lastIndexOf('.') + 1));
}

/**
 * One `assignment` statement (cursor on it), in a module, class or
 * `__init__` scope. Yields annotated variables and properties, class fields,
 * `self.x` instance fields, `__all__`, and functional namedtuple / TypedDict
 * classes.
 */
export function handleAssignment(state: Extraction, c: Cursor, scope: Scope): void {
  const src = state.src;
  const start = c.start;
  const end = c.end;
  const { targets, annotation, value, factoryCall } = readAssignment(c, src, start, end);
  const left = targets[0];
  if (left === undefined) return;
  const preview = value === null ? null : src.preview(value.start, value.end);

  if (scope.initOf !== null) {
    const type = annotation === null ? null : src.compact(annotation.start, annotation.end);
    const instanceOf = type !== null ? plainClassName(type) : value === null ? null : callResultHint(src.slice(value.start, value.end));
    for (const target of targets) {
      const m = target.type === 'attribute' ? SELF_ATTRIBUTE.exec(src.slice(target.start, target.end)) : null;
      if (m === null || m[1] !== scope.selfName) continue;
      state.addField(scope.initOf, field(m[2] as string, type, preview, ['instance']));
      recordAttributeClass(state, scope.initOf.objectIndex, m[2] as string, instanceOf);
    }
    return;
  }

  if (annotation !== null) {
    // `(x): int = 1` annotates the name x too (ast: AnnAssign with simple=0).
    const text = src.slice(left.start, left.end);
    const name = left.type === 'identifier' ? text : PARENTHESIZED_NAME.exec(text)?.[1];
    if (name !== undefined) annotated(state, { start, end }, name, annotation, value, preview, scope);
    return;
  }
  for (const target of targets) {
    if (target.type !== 'identifier') continue;
    const name = src.slice(target.start, target.end);
    if (scope.kind === 'module' && name === '__all__') {
      setAllFromText(state, value === null ? null : stringListLiteral(src.slice(value.start, value.end)), false);
      continue;
    }
    if (scope.fields !== null) state.addField(scope, field(name, null, preview, []));
  }
  if (targets.length === 1 && left.type === 'identifier' && factoryCall !== null) {
    functionalClass(state, { start, end }, src.slice(left.start, left.end), factoryCall, scope);
  }
}

/** `x: T = v` at module level (a variable) or in a class body (a property and a field). */
function annotated(
  state: Extraction,
  statement: { start: number; end: number },
  name: string,
  annotation: Span,
  value: Span | null,
  preview: string | null,
  scope: Scope,
): void {
  const src = state.src;
  const type = src.compact(annotation.start, annotation.end);
  const kind = scope.kind === 'module' ? 'variable' : 'property';
  const qualName = scope.prefix + name;
  state.addObject(
    {
      kind,
      name,
      qualifiedName: qualName,
      signature: `${name}: ${type}${preview === null ? '' : ` = ${preview}`}`,
      startLine: src.lineAt(statement.start),
      endLine: src.endLineAt(statement.start, statement.end),
      params: null,
      returns: null,
      fields: null,
      doc: null,
      metadata: { language: 'py' },
    },
    scope,
  );
  state.addTypeRefs(type, { qualName, objectKind: kind }, 'uses_type', annotation.start);
  if (scope.kind === 'module' && name === '__all__') {
    setAllFromText(state, value === null ? null : stringListLiteral(src.slice(value.start, value.end)), false);
  }
  if (scope.fields !== null) {
    const modifiers = CLASS_VAR.test(type) ? ['ClassVar'] : [];
    state.addField(scope, field(name, type, preview, modifiers));
  }
}

function field(name: string, type: string | null, value: string | null, modifiers: string[]): Field {
  const optional = value !== null || (type !== null && OPTIONAL_TYPE.test(type));
  const result: Field = { name, type, optional, default: value };
  if (modifiers.length > 0) result.modifiers = modifiers;
  return result;
}

/** Record an `__all__` binding: a literal list of names, or null when it is computed. */
export function setAllFromText(state: Extraction, names: string[] | null, append: boolean): void {
  if (names === null) {
    state.allIsDynamic = true;
    return;
  }
  state.allNames = append && state.allNames !== null ? [...state.allNames, ...names] : [...names];
}

/** `__all__ += [...]` at module level, spanning [start, end). */
export function handleAugmentedAssignment(state: Extraction, start: number, end: number): void {
  const text = state.src.slice(start, end);
  if (!text.startsWith('__all__')) return;
  const m = AUGMENTED_ALL.exec(text);
  if (m === null) return;
  setAllFromText(state, stringListLiteral(text.slice(m[0].length)), true);
}

/**
 * `Point = namedtuple('Point', ['x', 'y'])`, `NamedTuple('P', [('x', int)])`,
 * `TypedDict('TD', {'a': int})` in a module or class body: a class with fields.
 */
function functionalClass(state: Extraction, statement: { start: number; end: number }, name: string, call: SyntaxNode, scope: Scope): void {
  const src = state.src;
  const model = factoryModel(src, call.startIndex);
  if (model === undefined || !IDENTIFIER.test(name)) return;
  const args = call.childForFieldName('arguments');
  const argNodes = args === null ? [] : args.namedChildren.filter((n) => !isExtra(n.type));
  const first = argNodes[0];
  if (first === undefined || (first.type !== 'string' && first.type !== 'concatenated_string')) return;
  if (stringValue(text(first)) === null) return;
  const fields = functionalFields(argNodes.slice(1));
  state.addObject(
    {
      kind: 'class',
      name,
      qualifiedName: scope.prefix + name,
      signature: truncate(compactText(src.slice(statement.start, Math.min(statement.end, statement.start + 2000)))),
      startLine: src.lineAt(statement.start),
      endLine: src.endLineAt(statement.start, statement.end),
      params: null,
      returns: null,
      fields,
      doc: null,
      metadata: { language: 'py', model, functional: true },
    },
    scope,
  );
}

/** Fields of a functional namedtuple / NamedTuple / TypedDict from its arguments after the name. */
function functionalFields(args: SyntaxNode[]): Field[] {
  const fields: Field[] = [];
  const add = (name: string | null, type: string | null): void => {
    if (name !== null && name.length > 0 && !fields.some((f) => f.name === name)) fields.push(field(name, type, null, []));
  };
  const spec = args[0];
  if (spec !== undefined && spec.type !== 'keyword_argument') {
    if (spec.type === 'string' || spec.type === 'concatenated_string') {
      // namedtuple('P', 'x y') / namedtuple('P', 'x, y')
      for (const name of (stringValue(text(spec)) ?? '').split(/[\s,]+/)) add(name, null);
    } else if (spec.type === 'list' || spec.type === 'tuple') {
      for (const item of spec.namedChildren) {
        if (item.type === 'string') add(stringValue(text(item)), null);
        else if (item.type === 'tuple' || item.type === 'parenthesized_expression') {
          const parts = item.namedChildren.filter((n) => !isExtra(n.type));
          const [key, type] = parts;
          if (key?.type === 'string') add(stringValue(text(key)), type === undefined ? null : compactText(text(type)));
        }
      }
    } else if (spec.type === 'dictionary') {
      for (const pair of spec.namedChildren) {
        if (pair.type !== 'pair') continue;
        const key = pair.childForFieldName('key');
        const value = pair.childForFieldName('value');
        if (key?.type === 'string') add(stringValue(text(key)), value === null ? null : compactText(text(value)));
      }
    }
  }
  // NamedTuple('P', x=int) and the old TypedDict('TD', a=int) keyword form; `total=`/`rename=`/`defaults=` are options.
  for (const arg of args) {
    if (arg.type !== 'keyword_argument') continue;
    const key = arg.childForFieldName('name');
    const value = arg.childForFieldName('value');
    if (key === null || value === null) continue;
    const name = text(key);
    if (['total', 'rename', 'defaults', 'module', 'verbose'].includes(name)) continue;
    add(name, compactText(text(value)));
  }
  return fields;
}

const PLAIN_CLASS = new RegExp(String.raw`^(${ID}(?:\s*\.\s*${ID})*)$`, 'u');
const CONSTRUCTOR_CALL = new RegExp(String.raw`^(${ID}(?:\s*\.\s*${ID})*)\s*\(`, 'u');

/** `C`, `mod.C`, `"C"` → the dotted name; anything else (unions, generics, Optional) → null. */
function plainClassName(annotation: string): string | null {
  const text = annotation.trim().replace(/^(['"])(.*)\1$/su, '$2').trim();
  const m = PLAIN_CLASS.exec(text);
  return m === null ? null : (m[1] as string).replace(/\s+/g, '');
}

/** `C(…)` / `mod.C(…)` as the whole value → `C` / `mod.C`; null for anything else (`C().x`, `C() or D()`). */
function constructedClass(value: string): string | null {
  const m = CONSTRUCTOR_CALL.exec(value);
  if (m === null) return null;
  let depth = 0;
  for (let i = m[0].length - 1; i < value.length; i++) {
    const c = value[i];
    if (c === '(' || c === '[' || c === '{') depth += 1;
    else if ((c === ')' || c === ']' || c === '}') && --depth === 0) return i === value.trimEnd().length - 1 ? (m[1] as string).replace(/\s+/g, '') : null;
    else if (c === "'" || c === '"') return null; // strings could hide brackets: not worth reading
  }
  return null;
}

/**
 * The receiver hint of a value that is one call, `C(…)` or `mod.make(…)`: what the
 * callee returns (`ReturnType<typeof C>`; a class called is its instance, a function
 * its annotated return type). Null for anything else.
 */
export function callResultHint(value: string): string | null {
  const callee = constructedClass(value);
  return callee === null ? null : `ReturnType<typeof ${callee}>`;
}

/** One `self.attr = …` in `__init__`: a second assignment makes the attribute's class unknown. */
function recordAttributeClass(state: Extraction, classIndex: number, attribute: string, cls: string | null): void {
  let attributes = state.attributeClasses.get(classIndex);
  if (attributes === undefined) state.attributeClasses.set(classIndex, (attributes = new Map()));
  attributes.set(attribute, attributes.has(attribute) ? null : cls);
}
