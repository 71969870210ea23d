/**
 * The TypeScript / JavaScript extractor: one file's CBO objects and raw
 * references, read from a tree-sitter tree.
 *
 * Which declarations become objects (test/support/ts-oracle.ts applies the
 * same rules to the TypeScript compiler's AST, and the accuracy test compares):
 * - container-level declarations, a container being the file, a namespace
 *   body or a `declare global` block (whose declarations are global: no
 *   prefix, no object for the block): functions (every overload signature is
 *   an object, ordinals in source order), classes, interfaces, type aliases,
 *   enums, namespaces (one per segment of `namespace A.B`; `declare module 'x'`
 *   is named `x`);
 * - `const/let/var` declarators bound to an arrow function or function
 *   expression (kind 'function') or a class expression (kind 'class'); a lone
 *   declarator spans its whole statement (`export const f = () => {}` starts
 *   at `export`), one of several spans its own declarator;
 * - other declarators only when exported (kind 'variable'); destructuring
 *   declarators are skipped;
 * - members: class methods, accessors, constructors (named `constructor`),
 *   fields and parameter properties; property and method signatures of
 *   interfaces and of type aliases whose value is an object type literal.
 * Not objects: declarations inside function bodies, object-literal methods,
 * index/call/construct signatures (their types count as the owner's uses).
 *
 * Lines follow the compiler's `node.getStart()` / `node.getEnd()`: decorators,
 * `export` and `declare` included, comments excluded. `exported` follows the
 * `export` keyword, local `export { a }` / `export default a` / `export = a` /
 * CommonJS `module.exports = a` clauses, and the binder's export context (an
 * ambient module or `.d.ts` file without export declarations exports
 * everything); members are exported when their owner is, unless private.
 *
 * Calls are attributed to the innermost extracted object around them (the
 * module at top level); `this.a.b()` is a member call on `this.a`; `require('x')`
 * and `import('x')` with a literal are imports, not calls.
 */
import { grammarFor, stripSourceExtension } from './language.js';
import type { ExtractedObject, ExtractResult, Extractor } from './types.js';
import { collectCalls } from './typescript/calls.js';
import { ExtractContext, siteFor } from './typescript/context.js';
import { walkStatements } from './typescript/container.js';
import { scanExports } from './typescript/exports.js';
import { parseTypeScript } from './typescript/repair.js';
import { cleanJsDoc, SourceText } from './typescript/source.js';
import { Walker, type GrammarNames } from './typescript/walker.js';

/**
 * Node type and field names by id, per grammar: facts about the grammar, filled
 * lazily and never invalidated (see Walker.type).
 */
const GRAMMAR_NAMES: Record<'typescript' | 'tsx', GrammarNames> = {
  typescript: { types: [], fields: [] },
  tsx: { types: [], fields: [] },
};

const FILE_DOC_TAG = /@(?:file|fileoverview|module|packageDocumentation)\b/;

/** `import("m").A.B<` : an import type with type arguments. */
const GENERIC_IMPORT_TYPE = /\bimport\([ \t]*(['"])[^'"\n]*\1[ \t]*\)(?=(?:[ \t]*\.[ \t]*[\p{ID_Start}$_][\p{ID_Continue}$]*)+[ \t]*<)/gu;

/**
 * tree-sitter-typescript 0.23 cannot parse `import("m").T<A>` in a type (it
 * reads a call and a type assertion, and the rest of the declaration is lost);
 * tsc emits this form in every declaration file that refers to another
 * module's generic type. The tree is built from a copy where each such
 * `import("m")` is an identifier of the same length (`___________`), so every
 * index and line still matches the real text, which is what everything is read from.
 */
function parseableText(source: string): string {
  if (!source.includes('import(')) return source;
  return source.replace(GENERIC_IMPORT_TYPE, (match) => '_'.repeat(match.length));
}

function isDeclarationFile(filePath: string): boolean {
  return /\.d\.[mc]?ts$/.test(filePath);
}

/** The first comment of the file, when it is tagged as the file's documentation. */
function fileDoc(w: Walker): { doc: string; start: number } | null {
  if (!w.down()) return null;
  let found: { doc: string; start: number } | null = null;
  do {
    const type = w.type();
    if (type === 'hash_bang_line') continue;
    if (type === 'comment') {
      const text = w.text();
      if (text.startsWith('/*') && FILE_DOC_TAG.test(text)) {
        const doc = text.startsWith('/**') ? cleanJsDoc(text) : cleanJsDoc(`/**${text.slice(2)}`);
        if (doc !== null) found = { doc, start: w.start };
      }
    }
    break;
  } while (w.next());
  w.up();
  return found;
}

export const extractTypeScript: Extractor = (input) => {
  const { filePath, source, moduleName } = input;
  const grammar = grammarFor(filePath);
  const tsGrammar = grammar === 'tsx' ? 'tsx' : 'typescript';
  // Files the grammar cannot parse get a second, repaired parse (typescript/repair.ts).
  const { tree, syntaxErrors } = parseTypeScript(tsGrammar, parseableText(source));
  const root = tree.rootNode;
  const src = new SourceText(source);
  const w = new Walker(tree.walk(), src, GRAMMAR_NAMES[tsGrammar]);

  const base = filePath.slice(filePath.lastIndexOf('/') + 1);
  const declarationFile = isDeclarationFile(filePath);
  // Declaration files have no bodies, hence no calls: no spans to keep for attributing them.
  const ctx = new ExtractContext(src, !declarationFile);
  const doc = fileDoc(w);
  const module: ExtractedObject = {
    kind: 'module',
    name: stripSourceExtension(base),
    qualifiedName: moduleName,
    signature: filePath,
    startLine: 1,
    endLine: src.lastLine(),
    params: null,
    returns: null,
    fields: null,
    doc: doc?.doc ?? null,
    exported: true,
    metadata: { language: 'ts' },
    ordinal: 0,
  };
  ctx.objects.push(module);
  const moduleSite = siteFor(moduleName, 'module');

  const facts = scanExports(w);
  walkStatements(
    w,
    ctx,
    {
      prefix: '',
      exported: true,
      ambient: declarationFile,
      exportContext: declarationFile && !facts.hasExportDeclarations,
      localExports: facts.names,
      site: moduleSite,
    },
    true,
    doc?.start ?? -1,
  );
  ctx.markOverloads();
  // Declaration files have no bodies, so no calls: skip the whole-tree search.
  if (!declarationFile) collectCalls(root, w, ctx, moduleSite);

  const result: ExtractResult = {
    language: 'ts',
    objects: ctx.objects,
    imports: ctx.imports,
    calls: ctx.calls,
    heritage: ctx.heritage,
    typeRefs: ctx.typeRefs,
    syntaxErrors,
    explicitExports: null,
  };
  return result;
};
