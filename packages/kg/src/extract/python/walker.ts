/**
 * The statement walk: one pass of a tree cursor over the statements of a
 * module, descending into compound statements (if/for/while/try/with/match
 * and their clauses) and definition bodies, never into expressions.
 *
 * Definitions only occur as statements, so this finds every one `ast` would
 * find. Expressions are left to the call scanner (calls.ts), which is why the
 * walk never has to visit the bulk of the tree's nodes.
 */
import type { ExtractedObject } from '../types.js';
import { handleAssignment, handleAugmentedAssignment } from './assignments.js';
import type { Cursor } from './cursor.js';
import { definitionEndLine, functionModifiers, isAbstractClass, modelKind } from './definitions.js';
import { docstringAt } from './docstring.js';
import { readClassHeader, readFunctionHeader } from './headers.js';
import { readImport } from './imports.js';
import { compactText } from './source.js';
import type { Extraction, Scope } from './state.js';

const enum Role {
  Skip,
  /** Holds statements: walk its children. */
  Container,
  If,
  Function,
  Class,
  Decorated,
  Expression,
  Import,
}

const ROLES: ReadonlyMap<string, Role> = new Map([
  ['module', Role.Container],
  ['block', Role.Container],
  ['for_statement', Role.Container],
  ['while_statement', Role.Container],
  ['try_statement', Role.Container],
  ['except_clause', Role.Container],
  ['except_group_clause', Role.Container],
  ['finally_clause', Role.Container],
  ['else_clause', Role.Container],
  ['elif_clause', Role.Container],
  ['with_statement', Role.Container],
  ['match_statement', Role.Container],
  ['case_clause', Role.Container],
  // Error recovery can wrap whole statements; what parsed inside still counts.
  ['ERROR', Role.Container],
  ['if_statement', Role.If],
  ['function_definition', Role.Function],
  ['class_definition', Role.Class],
  ['decorated_definition', Role.Decorated],
  ['expression_statement', Role.Expression],
  ['import_statement', Role.Import],
  ['import_from_statement', Role.Import],
]);

const TYPE_CHECKING = /^(?:[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*\s*\.\s*)*TYPE_CHECKING$/u;

/** How far the deep walk (trees with syntax errors) descends into nodes that are not statements. */
const MAX_EXPRESSION_DEPTH = 64;

interface Decorators {
  texts: string[];
  /** Where the first decorator starts: the definition's first line. */
  start: number;
}

/** A definition scope and where it starts, for attributing calls afterwards. */
export interface ScopeStart {
  start: number;
  /** Where the body starts (after the header). */
  body: number;
  scope: Scope;
}

export class StatementWalker {
  /** Every definition scope in source order. */
  readonly scopes: ScopeStart[] = [];
  /** How many non-statement nodes the deep walk is inside. */
  private expressionDepth = 0;

  /**
   * @param deep descend into every node, not only statement containers: for
   *   trees with syntax errors, where error recovery nests statements oddly.
   */
  constructor(
    private readonly state: Extraction,
    private readonly c: Cursor,
    private readonly deep: boolean,
    /** Where the `def`, `class` and `import` keywords of the file start, in order (from the call scanner). */
    private readonly definers: readonly number[],
  ) {}

  /** Walk the children of the node under the cursor, which holds statements; the cursor ends where it started. */
  children(scope: Scope, typeOnly: boolean): void {
    const c = this.c;
    if (!c.firstChild()) return;
    do {
      switch (this.role()) {
        case Role.Container:
          this.children(scope, typeOnly);
          break;
        case Role.If:
          this.ifStatement(scope, typeOnly);
          break;
        case Role.Function:
          this.functionDefinition(scope, null, typeOnly);
          break;
        case Role.Class:
          this.classDefinition(scope, null, typeOnly);
          break;
        case Role.Decorated:
          this.decorated(scope, typeOnly);
          break;
        case Role.Expression:
          // Assignments matter in module and class bodies and in __init__ (self.x); elsewhere skip the statement.
          if (scope.kind !== 'function' || scope.initOf !== null) this.expressionStatement(scope);
          break;
        case Role.Import:
          this.state.imports.push(...readImport(this.state.src, c.start, c.end, c.type(), typeOnly));
          break;
        default:
          // In a tree with syntax errors, definitions can hide under nodes that are not statements.
          // Expressions nest deeply (long operator chains), so the descent is bounded.
          if (this.deep && this.expressionDepth < MAX_EXPRESSION_DEPTH) {
            this.expressionDepth += 1;
            this.children(scope, typeOnly);
            this.expressionDepth -= 1;
          }
          break;
      }
    } while (c.next());
    c.parent();
  }

  private role(): Role {
    return ROLES.get(this.c.type()) ?? Role.Skip;
  }

  /** `if TYPE_CHECKING:` marks the imports of its body (not its else branches) type-only. */
  private ifStatement(scope: Scope, typeOnly: boolean): void {
    const c = this.c;
    const src = this.state.src;
    if (!c.firstChild()) return;
    let guarded = typeOnly;
    do {
      const field = c.field();
      if (field === 'condition') guarded = typeOnly || TYPE_CHECKING.test(src.slice(c.start, c.end).trim());
      else if (field === 'consequence') this.children(scope, guarded);
      else if (field === 'alternative') this.children(scope, typeOnly);
    } while (c.next());
    c.parent();
  }

  private decorated(scope: Scope, typeOnly: boolean): void {
    const c = this.c;
    const src = this.state.src;
    const decorators: Decorators = { texts: [], start: c.start };
    if (!c.firstChild()) return;
    do {
      const type = c.type();
      if (type === 'decorator') decorators.texts.push(`@${compactText(src.slice(c.start + 1, c.end))}`);
      else if (type === 'function_definition') this.functionDefinition(scope, decorators, typeOnly);
      else if (type === 'class_definition') this.classDefinition(scope, decorators, typeOnly);
    } while (c.next());
    c.parent();
  }

  private expressionStatement(scope: Scope): void {
    const c = this.c;
    if (!c.firstChild()) return;
    const type = c.type();
    if (type === 'assignment') handleAssignment(this.state, c, scope);
    else if (type === 'augmented_assignment' && scope.kind === 'module') handleAugmentedAssignment(this.state, c.start, c.end);
    c.parent();
  }

  /**
   * Cursor on the definition's node. Its last child is the body block; the
   * header before it is read from the text. A function body is walked only
   * when it holds a `def`, `class` or `import` keyword or when it is
   * `__init__` (for `self.x` fields): most bodies need no walk at all, their
   * calls come from the scanner.
   */
  private functionDefinition(scope: Scope, decorators: Decorators | null, typeOnly: boolean): void {
    const c = this.c;
    const state = this.state;
    const src = state.src;
    const start = c.start;
    const end = c.end;
    const endLine = definitionEndLine(c, src, start, end);
    if (!c.lastChild()) return;
    const hasBody = c.type() === 'block';
    const bodyStart = hasBody ? c.start : end;
    const header = readFunctionHeader(src, start, bodyStart);
    if (header === null) {
      c.parent();
      return;
    }
    const { name, params, returns, isAsync } = header;
    const kind: ExtractedObject['kind'] = scope.kind === 'class' ? 'method' : 'function';
    const qualName = scope.prefix + name;
    const decoratorTexts = decorators?.texts ?? [];
    const modifiers = functionModifiers(decoratorTexts, isAsync);
    const metadata: ExtractedObject['metadata'] = { language: 'py' };
    if (decoratorTexts.length > 0) metadata.decorators = decoratorTexts;
    if (modifiers.length > 0) metadata.modifiers = modifiers;
    if (params.positionalOnly.length > 0) metadata.positionalOnly = params.positionalOnly;
    if (params.keywordOnly.length > 0) metadata.keywordOnly = params.keywordOnly;
    const index = state.addObject(
      {
        kind,
        name,
        qualifiedName: qualName,
        signature: `${isAsync ? 'async ' : ''}def ${name}${header.typeParams}${params.text}${returns === null ? '' : ` -> ${returns}`}`,
        startLine: src.lineAt(decorators?.start ?? start),
        endLine,
        params: params.params,
        returns: returns === null ? null : { type: returns },
        fields: null,
        doc: hasBody ? docstringAt(src, bodyStart, end) : null,
        metadata,
      },
      scope,
    );
    const isInit = kind === 'method' && name === '__init__';
    const inner: Scope = {
      kind: 'function',
      end,
      qualName,
      prefix: `${qualName}.`,
      objectKind: kind,
      objectIndex: index,
      fields: null,
      fieldNames: null,
      initOf: isInit ? scope : null,
      selfName: params.params[0]?.name ?? null,
    };
    this.scopes.push({ start, body: bodyStart, scope: inner });
    const { params: list, typeStarts } = params;
    for (let p = 0; p < list.length; p++) {
      const type = (list[p] as { type: string | null }).type;
      if (type !== null) state.addTypeRefs(type, inner, 'uses_type', typeStarts[p] as number);
    }
    if (returns !== null) state.addTypeRefs(returns, inner, 'returns_type', header.returnStart);
    if (hasBody && (isInit || this.deep || this.definesWithin(bodyStart, end))) this.body(inner, typeOnly);
    c.parent();
  }

  private classDefinition(scope: Scope, decorators: Decorators | null, typeOnly: boolean): void {
    const c = this.c;
    const state = this.state;
    const src = state.src;
    const start = c.start;
    const end = c.end;
    const endLine = definitionEndLine(c, src, start, end);
    if (!c.lastChild()) return;
    const hasBody = c.type() === 'block';
    const bodyStart = hasBody ? c.start : end;
    const header = readClassHeader(src, start, bodyStart);
    if (header === null) {
      c.parent();
      return;
    }
    const { name, bases } = header;
    const qualName = scope.prefix + name;
    const decoratorTexts = decorators?.texts ?? [];
    const baseNames = bases.bases.map((b) => b.name);
    const model = modelKind(decoratorTexts, baseNames);
    const metadata: ExtractedObject['metadata'] = { language: 'py' };
    if (decoratorTexts.length > 0) metadata.decorators = decoratorTexts;
    if (isAbstractClass(baseNames, bases.keywords)) metadata.modifiers = ['abstract'];
    if (model !== null) metadata.model = model;
    if (bases.keywords.length > 0) metadata.keywords = bases.keywords;
    const fields: NonNullable<ExtractedObject['fields']> = [];
    const index = state.addObject(
      {
        kind: 'class',
        name,
        qualifiedName: qualName,
        signature: `class ${name}${header.typeParams}${bases.text}`,
        startLine: src.lineAt(decorators?.start ?? start),
        endLine,
        params: null,
        returns: null,
        fields,
        doc: hasBody ? docstringAt(src, bodyStart, end) : null,
        metadata,
      },
      scope,
    );
    for (const base of bases.bases) {
      state.heritage.push({ from: qualName, fromKind: 'class', line: src.lineAt(base.start), kind: 'extends', target: base.name });
    }
    const inner: Scope = {
      kind: 'class',
      end,
      qualName,
      prefix: `${qualName}.`,
      objectKind: 'class',
      objectIndex: index,
      fields,
      fieldNames: new Set(),
      initOf: null,
      selfName: null,
    };
    this.scopes.push({ start, body: bodyStart, scope: inner });
    if (hasBody) this.body(inner, typeOnly);
    c.parent();
  }

  /** Whether a `def`, `class` or `import` keyword starts in [from, end). */
  private definesWithin(from: number, end: number): boolean {
    const positions = this.definers;
    let lo = 0;
    let hi = positions.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((positions[mid] as number) < from) lo = mid + 1;
      else hi = mid;
    }
    return lo < positions.length && (positions[lo] as number) < end;
  }

  /** Walk a definition's body (cursor on it, and left on the definition's last child). */
  private body(inner: Scope, typeOnly: boolean): void {
    if (!this.deep) {
      this.children(inner, typeOnly);
      return;
    }
    // Error recovery may put part of the body in ERROR nodes before the block.
    const c = this.c;
    c.parent();
    c.firstChild();
    do {
      const type = c.type();
      if (type === 'block' || type === 'ERROR') this.children(inner, typeOnly);
    } while (c.next());
  }
}
