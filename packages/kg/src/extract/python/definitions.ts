/**
 * What a definition's decorators, bases and extent say about it: modifiers,
 * data-model kind, and the last line as `ast` counts it.
 */
import type { SyntaxNode } from '../parse.js';
import type { Cursor } from './cursor.js';
import type { SourceText } from './source.js';

const COMMENT_LINE = /[ \t\f]*#/y;

/**
 * Last line of a definition spanning [start, end) as `ast` reports it
 * (`end_lineno`), cursor on the definition. tree-sitter keeps comments that
 * follow the last statement inside the block; `ast` ends at the statement.
 * Only when the node's last line is a comment line is the tree descended to
 * the last token that is not a comment.
 */
export function definitionEndLine(c: Cursor, src: SourceText, start: number, end: number): number {
  const lineStart = src.text.lastIndexOf('\n', end - 1) + 1;
  COMMENT_LINE.lastIndex = Math.max(lineStart, start);
  if (!COMMENT_LINE.test(src.text)) return src.endLineAt(start, end);
  let current: SyntaxNode = c.node();
  for (;;) {
    let child = current.lastChild;
    while (child !== null && (child.type === 'comment' || child.startIndex === child.endIndex)) {
      child = child.previousSibling;
    }
    if (child === null) break;
    current = child;
  }
  return src.endLineAt(current.startIndex, current.endIndex);
}

/** Last segment of a decorator's callee: `@functools.cached_property` → cached_property, `@x.setter` → setter. */
function decoratorName(decorator: string): string {
  const callee = calleeOf(decorator);
  return callee.slice(callee.lastIndexOf('.') + 1);
}

/** `@a.b(x)` → `a.b` */
function calleeOf(decorator: string): string {
  return (decorator.slice(1).split('(')[0] ?? '').replace(/\s+/g, '');
}

const DECORATOR_MODIFIERS: ReadonlyMap<string, readonly string[]> = new Map(
  Object.entries({
  staticmethod: ['staticmethod'],
  classmethod: ['classmethod'],
  property: ['property'],
  cached_property: ['property'],
  setter: ['setter'],
  deleter: ['deleter'],
  abstractmethod: ['abstract'],
  abstractproperty: ['abstract', 'property'],
  abstractclassmethod: ['abstract', 'classmethod'],
  abstractstaticmethod: ['abstract', 'staticmethod'],
  overload: ['overload'],
  }),
);

/** Modifiers implied by a function's decorators, in decorator order, without repeats. */
export function functionModifiers(decorators: readonly string[], isAsync: boolean): string[] {
  const modifiers: string[] = isAsync ? ['async'] : [];
  for (const decorator of decorators) {
    for (const modifier of DECORATOR_MODIFIERS.get(decoratorName(decorator)) ?? []) {
      if (!modifiers.includes(modifier)) modifiers.push(modifier);
    }
  }
  return modifiers;
}

/** attrs' spellings of a dataclass; `dataclass` itself is matched by its last segment. */
const ATTRS_DECORATORS = new Set([
  'attr.s',
  'attr.attrs',
  'attr.define',
  'attr.frozen',
  'attr.mutable',
  'attrs.define',
  'attrs.frozen',
  'attrs.mutable',
  'define',
  'frozen',
  'mutable',
]);
const MODEL_BASES: ReadonlyMap<string, string> = new Map([
  ['TypedDict', 'typeddict'],
  ['NamedTuple', 'namedtuple'],
  ['BaseModel', 'pydantic'],
  ['RootModel', 'pydantic'],
  ['BaseSettings', 'pydantic'],
  ['Enum', 'enum'],
  ['IntEnum', 'enum'],
  ['StrEnum', 'enum'],
  ['Flag', 'enum'],
  ['IntFlag', 'enum'],
  ['ReprEnum', 'enum'],
]);

/** Which kind of data model a class is, from its decorators and bases; null for plain classes. */
export function modelKind(decorators: readonly string[], bases: readonly string[]): string | null {
  for (const decorator of decorators) {
    const callee = calleeOf(decorator);
    // `@dataclass`, `@dataclasses.dataclass`, `@pydantic.dataclasses.dataclass`, attrs.
    if (callee === 'dataclass' || callee.endsWith('.dataclass') || ATTRS_DECORATORS.has(callee)) return 'dataclass';
  }
  for (const base of bases) {
    const model = MODEL_BASES.get(base.slice(base.lastIndexOf('.') + 1));
    if (model !== undefined) return model;
  }
  return null;
}

/** `class A(ABC)` / `class A(metaclass=ABCMeta)`. */
export function isAbstractClass(bases: readonly string[], keywords: readonly string[]): boolean {
  return bases.some((b) => b === 'ABC' || b === 'abc.ABC') || keywords.some((k) => /^metaclass\s*=\s*(abc\.)?ABCMeta$/.test(k));
}
