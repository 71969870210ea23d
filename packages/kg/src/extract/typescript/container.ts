/**
 * The statements of a container (the file, a namespace body, `declare global`):
 * the wrappers around declarations (`export`, `export default`, `declare`,
 * decorators, JSDoc), imports and re-exports, namespaces and variables.
 */
import { NO_TYPE_PARAMS, type Container, type ExtractContext, type Site, type TypeHit } from './context.js';
import {
  boundFunction,
  classDeclaration,
  enumDeclaration,
  exportedHere,
  functionDeclaration,
  interfaceDeclaration,
  typeAlias,
} from './declarations.js';
import { exportForm, scanExports } from './exports.js';
import { readImportStatement, readReexport } from './imports.js';
import { isJsDoc } from './members.js';
import { docText, locallyExported, plainStatement, signatureOf, type Statement } from './statement.js';
import { CHAR, collapseRange, identifierEnd, skipDecorator, skipTrivia } from './scan.js';
import { unquote } from './source.js';
import { collectTypeHits } from './typerefs.js';
import type { Walker } from './walker.js';

const FUNCTION_VALUES = new Set(['arrow_function', 'function_expression', 'function', 'generator_function']);

/** Statements that can never contain a call. */
const CODE_FREE = new Set([
  'import_statement', 'interface_declaration', 'type_alias_declaration', 'ambient_declaration',
  'function_signature', 'empty_statement', 'hash_bang_line',
]);

/**
 * Walk the statements of a container (walker on `program` or a namespace's
 * `statement_block`). Only container-level declarations become objects;
 * function bodies are never entered (calls are found separately).
 *
 * At the top level (`top`), the spans of statements that can hold calls are
 * recorded for the call search. `skipDoc` is the start of the file comment,
 * which documents the module, not the first declaration.
 */
export function walkStatements(w: Walker, ctx: ExtractContext, container: Container, top = false, skipDoc = -1): void {
  if (!w.down()) return;
  const text = ctx.src.text;
  let doc: [number, number] | null = null;
  // tree-sitter reads `global { … }` inside `declare module 'm'` as the expression `global` and a block.
  let globalKeyword = false;
  do {
    const type = w.type();
    const start = w.start;
    if (type === 'comment') {
      if (start !== skipDoc && isJsDoc(text, start)) doc = [start, w.end];
      continue;
    }
    const end = w.end;
    if (globalKeyword && type === 'statement_block') {
      globalKeyword = false;
      globalBlock(w, ctx, container);
      continue;
    }
    globalKeyword = type === 'expression_statement' && container.ambient && end - start === 6 && text.startsWith('global', start);
    let code = !CODE_FREE.has(type);
    switch (type) {
      case 'export_statement': {
        const { form, at } = exportForm(text, start, end);
        if (form === 'declaration') code = exportStatement(w, ctx, container, plainStatement(start, end, doc, container.ambient));
        else if (form === 'clause' || form === 'star') {
          readReexport(ctx, start, end, at);
          code = false;
        } else code = form !== 'namespace-global';
        break;
      }
      case 'import_statement':
        readImportStatement(ctx, start, end);
        break;
      case 'expression_statement':
        // `namespace X {}` parses as an expression statement.
        if (w.down()) {
          const inner = w.type();
          if (inner === 'internal_module' || inner === 'module') namespace(w, ctx, container, plainStatement(start, end, doc, container.ambient));
          w.up();
        }
        break;
      default:
        declaration(w, ctx, container, plainStatement(start, end, doc, container.ambient));
    }
    if (top) ctx.codeStatement(start, end, code);
    doc = null;
  } while (w.next());
  w.up();
}

/**
 * `[@dec] export [default] <declaration>`: the wrappers are read from the
 * text, the declaration is the statement's last child. Returns whether the
 * declaration can contain calls.
 */
function exportStatement(w: Walker, ctx: ExtractContext, container: Container, stmt: Statement): boolean {
  const t = ctx.src.text;
  let i = skipTrivia(t, stmt.start, stmt.end);
  while (t.charCodeAt(i) === CHAR.AT) {
    const e = skipDecorator(t, i, stmt.end);
    stmt.decorators.push(collapseRange(t, i, e));
    i = skipTrivia(t, e, stmt.end);
  }
  stmt.sigStart = i;
  if (t.startsWith('export', i)) {
    stmt.modifiers.push('export');
    stmt.explicitExport = true;
    i = skipTrivia(t, i + 6, stmt.end);
    if (t.startsWith('default', i) && identifierEnd(t, i, stmt.end) === i + 7) {
      stmt.modifiers.push('default');
      stmt.isDefault = true;
    }
  }
  if (!w.lastChild()) return false;
  // `export default function () {};` keeps its `;` as the last child.
  if (w.type() === ';') w.cursor.gotoPreviousSibling();
  const type = w.type();
  declaration(w, ctx, container, stmt);
  w.up();
  return !CODE_FREE.has(type);
}

function declaration(w: Walker, ctx: ExtractContext, container: Container, stmt: Statement): void {
  switch (w.type()) {
    case 'function_declaration':
    case 'generator_function_declaration':
    case 'function_signature':
    case 'function_expression':
    case 'function':
    case 'generator_function':
      // Only `export default function () {}` reaches here with an expression node.
      functionDeclaration(w, ctx, container, stmt);
      return;
    case 'class_declaration':
    case 'abstract_class_declaration':
    case 'class':
      classDeclaration(w, ctx, container, stmt, null);
      return;
    case 'interface_declaration':
      interfaceDeclaration(w, ctx, container, stmt);
      return;
    case 'type_alias_declaration':
      typeAlias(w, ctx, container, stmt);
      return;
    case 'enum_declaration':
      enumDeclaration(w, ctx, container, stmt);
      return;
    case 'internal_module':
    case 'module':
      namespace(w, ctx, container, stmt);
      return;
    case 'lexical_declaration':
    case 'variable_declaration':
      variables(w, ctx, container, stmt);
      return;
    case 'ambient_declaration':
      ambient(w, ctx, container, stmt);
      return;
    case 'import_statement':
    case 'import_alias':
      // `export import x = require('x')`
      readImportStatement(ctx, stmt.start, stmt.end, true);
      return;
    default:
      return;
  }
}

/** `declare …`: the declaration inside, or a `declare global { … }` block. */
function ambient(w: Walker, ctx: ExtractContext, container: Container, stmt: Statement): void {
  stmt.ambient = true;
  let global = false;
  w.down();
  do {
    const type = w.type();
    if (type === 'declare') stmt.modifiers.push('declare');
    else if (type === 'global') global = true;
    else if (type === 'statement_block' && global) globalBlock(w, ctx, container);
    else declaration(w, ctx, container, stmt);
  } while (w.next());
  w.up();
}

/**
 * `declare global { … }` (or `global { … }` inside an ambient module): the
 * declarations are global, so there is no object for the block and no name prefix.
 */
function globalBlock(w: Walker, ctx: ExtractContext, container: Container): void {
  const facts = scanExports(w);
  walkStatements(w, ctx, {
    prefix: '',
    exported: true,
    ambient: true,
    exportContext: !facts.hasExportDeclarations,
    localExports: facts.names,
    site: container.site,
  });
}

/**
 * `namespace A.B {}`, `module M {}`, `declare module 'x' {}`. A dotted name
 * declares one namespace per segment, as the compiler does: inner segments
 * start at their own name and are exported along with the outer one.
 */
function namespace(w: Walker, ctx: ExtractContext, container: Container, stmt: Statement): void {
  const segments: { name: string; start: number }[] = [];
  // `declare module 'x'` declares (or augments) a module visible to every importer.
  let stringName = false;
  let created = false;
  const create = (bodyStart: number): { prefix: string; exported: boolean; site: Site } => {
    created = true;
    const signature = signatureOf(ctx.src.text, stmt.sigStart, bodyStart);
    const exported = stringName || exportedHere(container, stmt, segments[0]?.name ?? '');
    let prefix = container.prefix;
    let site = container.site;
    segments.forEach((segment, i) => {
      const qualifiedName = prefix + segment.name;
      site = ctx.addObject({
        kind: 'namespace',
        name: segment.name,
        qualifiedName,
        signature,
        start: i === 0 ? stmt.start : segment.start,
        end: stmt.end,
        doc: i === 0 ? docText(ctx, stmt.doc) : null,
        exported,
        modifiers: i === 0 ? stmt.modifiers : [],
      });
      prefix = `${qualifiedName}.`;
    });
    return { prefix, exported, site };
  };
  w.down();
  do {
    const field = w.field();
    if (field === 'name') {
      if (w.type() === 'string') {
        stringName = true;
        segments.push({ name: unquote(w.text()), start: w.start });
      } else {
        const text = w.text();
        const re = /[^\s.]+/g;
        for (let m = re.exec(text); m !== null; m = re.exec(text)) segments.push({ name: m[0], start: w.start + m.index });
      }
    } else if (field === 'body' && segments.length > 0) {
      const scope = create(w.start);
      const ambient = container.ambient || stmt.ambient;
      const facts = scanExports(w);
      walkStatements(w, ctx, {
        prefix: scope.prefix,
        exported: scope.exported,
        ambient,
        exportContext: ambient && !facts.hasExportDeclarations,
        localExports: facts.names,
        site: scope.site,
      });
    }
  } while (w.next());
  w.up();
  // `declare module 'x';`: a shorthand ambient module without a body.
  if (!created && segments.length > 0) create(stmt.end);
}

/**
 * `const/let/var` declarators: functions when bound to an arrow or function
 * expression, classes when bound to a class expression, variables when exported.
 * A lone declarator spans the whole statement (`export const f = () => {}`);
 * with several, each spans its own declarator.
 */
function variables(w: Walker, ctx: ExtractContext, container: Container, stmt: Statement): void {
  let declarators = 0;
  let firstStart = -1;
  w.down();
  do {
    if (w.type() === 'variable_declarator') {
      declarators += 1;
      if (firstStart < 0) firstStart = w.start;
    }
  } while (w.next());
  w.up();
  if (declarators === 0) return;
  const single = declarators === 1;
  const prefix = single ? '' : `${collapseRange(ctx.src.text, stmt.sigStart, firstStart)} `;
  w.down();
  do {
    if (w.type() === 'variable_declarator') declarator(w, ctx, container, stmt, single, prefix);
  } while (w.next());
  w.up();
}

function declarator(w: Walker, ctx: ExtractContext, container: Container, stmt: Statement, single: boolean, prefix: string): void {
  const text = ctx.src.text;
  const start = single ? stmt.start : w.start;
  const end = single ? stmt.end : w.end;
  const sigStart = single ? stmt.sigStart : w.start;
  let name: string | null = null;
  let type: string | null = null;
  let equals = -1;
  const typeHits: TypeHit[] = [];
  w.down();
  do {
    const nodeType = w.type();
    const field = w.field();
    if (field === 'name') {
      if (nodeType !== 'identifier') break;
      name = w.text();
    } else if (field === 'type') {
      type = collapseRange(text, w.start + 1, w.end);
      collectTypeHits(text, w.start + 1, w.end, 'uses_type', typeHits);
    } else if (nodeType === '=') equals = w.start;
    else if (field === 'value' && name !== null) {
      const binding = { name, start, end, sigStart, prefix };
      if (FUNCTION_VALUES.has(nodeType)) {
        boundFunction(w, ctx, container, stmt, binding);
        w.up();
        return;
      }
      if (nodeType === 'class') {
        classDeclaration(w, ctx, container, stmt, binding);
        w.up();
        return;
      }
    }
  } while (w.next());
  w.up();
  if (name === null || !locallyExported(container, stmt, name)) return;
  const site = ctx.addObject({
    kind: 'variable',
    name,
    qualifiedName: container.prefix + name,
    signature: prefix + signatureOf(text, sigStart, equals >= 0 ? equals : end),
    start,
    end,
    doc: docText(ctx, stmt.doc),
    exported: container.exported,
    modifiers: stmt.modifiers,
    extra: type === null ? undefined : { type },
  });
  if (typeHits.length > 0) ctx.addTypeHits(site, typeHits, NO_TYPE_PARAMS);
}
