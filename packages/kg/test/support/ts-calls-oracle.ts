/**
 * The reference for the KG's TypeScript `calls` relations: what the TypeScript
 * checker says each call in a corpus calls.
 *
 * A Program is built over every source file under the corpus root (allowJs,
 * skipLibCheck, noEmit; `baseUrl`/`paths` from the root's tsconfig when it has
 * them). For every call, `new`, tagged template and decorator in the corpus's
 * non-declaration files the callee is `checker.getResolvedSignature(node).declaration`
 * (for `new C()` the class itself, as the KG models it; when there is no signature,
 * the symbol of the callee expression, aliases followed). Both ends are then
 * expressed as KG objects with the rules of test/support/ts-oracle.ts:
 * - the caller is the innermost enclosing declaration that the extractor makes an
 *   object of (a function, method, class, property, exported variable, ...; the
 *   module at top level), exactly as the extractor attributes a call;
 * - the callee is kept only when its declaration is a KG function, method or class
 *   inside the corpus (not the standard library, not node_modules); an overload
 *   signature is its function or method (keys carry no ordinal: the resolver links
 *   a name to the last definition of its kind); `super(...)` is the base's
 *   `constructor` method, `new C()` is the class.
 * Calls are sites: one per (caller, callee, line), as the KG deduplicates its edges.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { oracleDefinitions } from './ts-oracle.js';

/** How the callee is reached, for recall by form. */
export type CallForm = 'name' | 'namespace' | 'typed' | 'this' | 'new' | 'other';

export interface OracleCall {
  /** `file\0kind\0qualifiedName` of the caller (kind `module`, empty name, at top level). */
  caller: string;
  callee: string;
  /** Corpus-relative file of the call. */
  file: string;
  line: number;
  form: CallForm;
  /** Finer shape of a typed receiver: `local.m()`, `this.x.m()`, `f().m()`, ... (for reports). */
  shape: string;
}

export interface CallsOracle {
  calls: OracleCall[];
  /** Corpus-relative paths of the files the program held. */
  files: string[];
}

export const objectKey = (file: string, kind: string, qualifiedName: string): string => `${file}\u0000${kind}\u0000${qualifiedName}`;

const SOURCE = /\.(?:[mc]?ts|tsx|[mc]?js|jsx)$/;
const DECLARATION_FILE = /\.d\.[mc]?ts$/;

export function corpusFiles(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir).sort()) {
      if (entry === 'node_modules' || entry.startsWith('.')) continue;
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) visit(path);
      else if (SOURCE.test(entry)) out.push(path);
    }
  };
  visit(root);
  return out;
}

/** `baseUrl` and `paths` of the root's tsconfig (no `extends` followed): enough for self-imports like `rxjs/...`. */
function pathOptions(root: string): ts.CompilerOptions {
  for (const name of ['tsconfig.json', 'tsconfig.base.json']) {
    const file = join(root, name);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const parsed = ts.parseConfigFileTextToJson(file, text);
    const options = (parsed.config as { compilerOptions?: { baseUrl?: string; paths?: Record<string, string[]> } } | undefined)?.compilerOptions;
    if (options?.paths) return { baseUrl: join(root, options.baseUrl ?? '.'), paths: options.paths };
  }
  return {};
}

interface FileDefinitions {
  /** `kind\0qualifiedName` of every object the extractor makes in the file. */
  keys: Set<string>;
}

export function callsOracle(root: string): CallsOracle {
  const rootNames = corpusFiles(root);
  const program = ts.createProgram({
    rootNames,
    options: {
      allowJs: true,
      checkJs: false,
      skipLibCheck: true,
      noEmit: true,
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      experimentalDecorators: true,
      jsx: ts.JsxEmit.Preserve,
      ...pathOptions(root),
    },
  });
  const checker = program.getTypeChecker();
  const inCorpus = (fileName: string): string | null => {
    const rel = relative(root, fileName);
    return rel.startsWith('..') || rel.includes('node_modules') || rel.startsWith('/') ? null : rel.split('\\').join('/');
  };
  const definitions = new Map<string, FileDefinitions>();
  const definitionsOf = (sf: ts.SourceFile, rel: string): FileDefinitions => {
    let defs = definitions.get(rel);
    if (defs === undefined) {
      defs = { keys: new Set(oracleDefinitions(rel, sf.text).map((d) => `${d.kind}\u0000${d.qualifiedName}`)) };
      definitions.set(rel, defs);
    }
    return defs;
  };

  const calls: OracleCall[] = [];
  const files: string[] = [];
  for (const sf of program.getSourceFiles()) {
    const rel = inCorpus(sf.fileName);
    if (rel === null) continue;
    files.push(rel);
    if (DECLARATION_FILE.test(rel)) continue;
    const seen = new Set<string>();
    const visit = (node: ts.Node): void => {
      const site = callSite(node);
      if (site !== null) {
        const callee = calleeOf(checker, node, site, inCorpus, definitionsOf);
        if (callee !== null) {
          const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
          const caller = callerOf(node, sf, rel, definitionsOf(sf, rel));
          const key = `${caller}\u0001${callee}\u0001${line}`;
          if (!seen.has(key)) {
            seen.add(key);
            const { form, shape } = formOf(checker, node, site);
            calls.push({ caller, callee, file: rel, line, form, shape });
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return { calls, files };
}

type Site = { kind: 'call'; callee: ts.Expression } | { kind: 'new'; callee: ts.Expression } | { kind: 'tag'; callee: ts.Expression } | { kind: 'decorator'; callee: ts.Expression };

function callSite(node: ts.Node): Site | null {
  if (ts.isCallExpression(node)) {
    // `import('x')` is an import, not a call.
    if (node.expression.kind === ts.SyntaxKind.ImportKeyword) return null;
    if (ts.isIdentifier(node.expression) && node.expression.text === 'require') return null;
    return { kind: 'call', callee: node.expression };
  }
  if (ts.isNewExpression(node)) return { kind: 'new', callee: node.expression };
  if (ts.isTaggedTemplateExpression(node)) return { kind: 'tag', callee: node.tag };
  // A decorator that is a call (`@d()`) is found as that call; a bare `@d` is a call the runtime makes.
  if (ts.isDecorator(node) && !ts.isCallExpression(node.expression)) return { kind: 'decorator', callee: node.expression };
  return null;
}

function aliased(checker: ts.TypeChecker, symbol: ts.Symbol | undefined): ts.Symbol | undefined {
  if (symbol !== undefined && symbol.flags & ts.SymbolFlags.Alias) {
    try {
      return checker.getAliasedSymbol(symbol);
    } catch {
      return symbol;
    }
  }
  return symbol;
}

function calleeOf(
  checker: ts.TypeChecker,
  node: ts.Node,
  site: Site,
  inCorpus: (fileName: string) => string | null,
  definitionsOf: (sf: ts.SourceFile, rel: string) => FileDefinitions,
): string | null {
  let declaration: ts.Declaration | undefined;
  if (site.kind === 'new') {
    // The KG models `new C()` as a call of the class, whichever constructor runs.
    const symbol = aliased(checker, checker.getSymbolAtLocation(site.callee));
    declaration = symbol?.declarations?.find((d) => ts.isClassDeclaration(d) || ts.isClassExpression(d));
    if (declaration === undefined) {
      const signature = checker.getResolvedSignature(node as ts.NewExpression)?.declaration;
      if (signature !== undefined && !ts.isJSDocSignature(signature) && ts.isConstructorDeclaration(signature)) declaration = signature.parent;
      else declaration = signature !== undefined && !ts.isJSDocSignature(signature) ? signature : undefined;
    }
  } else {
    const signature = checker.getResolvedSignature(node as ts.CallLikeExpression)?.declaration;
    if (signature !== undefined && !ts.isJSDocSignature(signature)) declaration = signature;
    else declaration = aliased(checker, checker.getSymbolAtLocation(site.callee))?.valueDeclaration;
  }
  if (declaration !== undefined && !isKgCallable(declaration)) {
    // `const f: (x: X) => Y = (x) => …`: the signature is the annotation's, the function called is the initializer (the KG's `f`).
    const value = aliased(checker, checker.getSymbolAtLocation(site.callee))?.valueDeclaration;
    if (value !== undefined && ts.isVariableDeclaration(value) && value.initializer !== undefined && (ts.isArrowFunction(value.initializer) || ts.isFunctionExpression(value.initializer))) {
      declaration = value.initializer;
    }
  }
  if (declaration === undefined) return null;
  const sf = declaration.getSourceFile();
  const rel = inCorpus(sf.fileName);
  if (rel === null) return null;
  const key = declarationKey(declaration);
  if (key === null || !['function', 'method', 'class'].includes(key.kind)) return null;
  if (!definitionsOf(sf, rel).keys.has(`${key.kind}\u0000${key.qualifiedName}`)) return null;
  return objectKey(rel, key.kind, key.qualifiedName);
}

function isKgCallable(node: ts.Node): boolean {
  const key = declarationKey(node);
  return key !== null && ['function', 'method', 'class'].includes(key.kind);
}

/** The innermost enclosing declaration the extractor makes an object of; the module otherwise. */
function callerOf(node: ts.Node, sf: ts.SourceFile, rel: string, defs: FileDefinitions): string {
  for (let current = node.parent; current !== undefined && current !== sf; current = current.parent) {
    const key = declarationKey(current);
    if (key !== null && defs.keys.has(`${key.kind}\u0000${key.qualifiedName}`)) return objectKey(rel, key.kind, key.qualifiedName);
  }
  return objectKey(rel, 'module', '');
}

interface DeclKey {
  kind: string;
  qualifiedName: string;
}

/** Qualified-name prefix of a container (`''` at top level, `NS.` in a namespace), or null when `node` is not a container. */
function containerPrefix(node: ts.Node): string | null {
  if (ts.isSourceFile(node)) return '';
  if (!ts.isModuleBlock(node)) return null;
  let decl: ts.Node = node.parent;
  if (!ts.isModuleDeclaration(decl)) return null;
  if (decl.flags & ts.NodeFlags.GlobalAugmentation) return '';
  const names: string[] = [];
  while (ts.isModuleDeclaration(decl)) {
    names.unshift(decl.name.text);
    const parent: ts.Node = decl.parent;
    if (ts.isModuleDeclaration(parent)) {
      decl = parent;
      continue;
    }
    const outer = ts.isModuleBlock(parent) ? containerPrefix(parent) : ts.isSourceFile(parent) ? '' : null;
    return outer === null ? null : `${outer}${names.join('.')}.`;
  }
  return null;
}

function memberName(name: ts.PropertyName | undefined, sf: ts.SourceFile): string {
  if (name === undefined) return '';
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name)) return name.text;
  return name.getText(sf).replace(/\s+/g, ' ').trim();
}

/** The qualified name of a class (declaration, or class expression bound to a container-level const). */
function className(node: ts.Node): string | null {
  if (ts.isClassDeclaration(node)) {
    const prefix = containerPrefix(node.parent);
    return prefix === null ? null : prefix + (node.name?.text ?? 'default');
  }
  if (ts.isClassExpression(node)) return boundName(node);
  return null;
}

/** `const name = <node>` at container level: the qualified name. */
function boundName(node: ts.Node): string | null {
  const decl = node.parent;
  if (!ts.isVariableDeclaration(decl) || decl.initializer !== node || !ts.isIdentifier(decl.name)) return null;
  const statement = decl.parent.parent;
  if (!ts.isVariableStatement(statement)) return null;
  const prefix = containerPrefix(statement.parent);
  return prefix === null ? null : prefix + decl.name.text;
}

/** The KG object a declaration node is, by the extractor's rules (not checked against the file's objects). */
function declarationKey(node: ts.Node): DeclKey | null {
  const sf = node.getSourceFile();
  if (ts.isFunctionDeclaration(node)) {
    const prefix = containerPrefix(node.parent);
    return prefix === null ? null : { kind: 'function', qualifiedName: prefix + (node.name?.text ?? 'default') };
  }
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
    const name = boundName(node);
    return name === null ? null : { kind: 'function', qualifiedName: name };
  }
  if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
    const name = className(node);
    return name === null ? null : { kind: 'class', qualifiedName: name };
  }
  if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name)) {
    const statement = node.parent.parent;
    if (!ts.isVariableStatement(statement)) return null;
    const prefix = containerPrefix(statement.parent);
    return prefix === null ? null : { kind: 'variable', qualifiedName: prefix + node.name.text };
  }
  if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node) || ts.isEnumDeclaration(node)) {
    const prefix = containerPrefix(node.parent);
    const kind = ts.isInterfaceDeclaration(node) ? 'interface' : ts.isTypeAliasDeclaration(node) ? 'type' : 'enum';
    return prefix === null ? null : { kind, qualifiedName: prefix + node.name.text };
  }
  if (ts.isModuleDeclaration(node) && node.body !== undefined) {
    const body = ts.isModuleBlock(node.body) ? node.body : null;
    const prefix = body === null ? null : containerPrefix(body);
    return prefix === null ? null : { kind: 'namespace', qualifiedName: prefix.slice(0, -1) };
  }
  const owner = node.parent;
  if (owner !== undefined && (ts.isClassDeclaration(owner) || ts.isClassExpression(owner))) {
    const cls = className(owner);
    if (cls === null) return null;
    if (ts.isConstructorDeclaration(node)) return { kind: 'method', qualifiedName: `${cls}.constructor` };
    if (ts.isMethodDeclaration(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) {
      return { kind: 'method', qualifiedName: `${cls}.${memberName(node.name, sf)}` };
    }
    if (ts.isPropertyDeclaration(node)) return { kind: 'property', qualifiedName: `${cls}.${memberName(node.name, sf)}` };
    return null;
  }
  if (ts.isParameter(node) && owner !== undefined && ts.isConstructorDeclaration(owner) && ts.isParameterPropertyDeclaration(node, owner)) {
    const cls = className(owner.parent);
    return cls === null || !ts.isIdentifier(node.name) ? null : { kind: 'property', qualifiedName: `${cls}.${node.name.text}` };
  }
  if (owner !== undefined && (ts.isInterfaceDeclaration(owner) || (ts.isTypeLiteralNode(owner) && ts.isTypeAliasDeclaration(owner.parent)))) {
    const ownerKey = declarationKey(ts.isInterfaceDeclaration(owner) ? owner : owner.parent);
    if (ownerKey === null) return null;
    if (ts.isMethodSignature(node) || ts.isGetAccessorDeclaration(node) || ts.isSetAccessorDeclaration(node)) {
      return { kind: 'method', qualifiedName: `${ownerKey.qualifiedName}.${memberName(node.name, sf)}` };
    }
    if (ts.isPropertySignature(node)) return { kind: 'property', qualifiedName: `${ownerKey.qualifiedName}.${memberName(node.name, sf)}` };
  }
  return null;
}

/** A dotted chain of identifiers whose root names a namespace, module, class or enum (not a value of some type). */
function isStaticPath(checker: ts.TypeChecker, expression: ts.Expression): boolean {
  if (!ts.isIdentifier(expression) && !ts.isPropertyAccessExpression(expression)) return false;
  const symbol = aliased(checker, checker.getSymbolAtLocation(expression));
  if (symbol === undefined) return false;
  const STATIC = ts.SymbolFlags.Module | ts.SymbolFlags.Class | ts.SymbolFlags.Enum;
  if (!(symbol.flags & STATIC) || symbol.flags & ts.SymbolFlags.Variable) return false;
  return ts.isIdentifier(expression) || isStaticPath(checker, expression.expression);
}

function unwrap(expression: ts.Expression): ts.Expression {
  let current = expression;
  while (ts.isParenthesizedExpression(current) || ts.isNonNullExpression(current) || ts.isAsExpression(current)) current = current.expression;
  return current;
}

function receiverShape(receiver: ts.Expression): string {
  const r = unwrap(receiver);
  if (ts.isIdentifier(r)) return 'name.m()';
  if (ts.isCallExpression(r)) return 'call().m()';
  if (ts.isNewExpression(r)) return 'new C().m()';
  if (ts.isPropertyAccessExpression(r)) {
    let root: ts.Expression = r;
    while (ts.isPropertyAccessExpression(root)) root = unwrap(root.expression);
    if (root.kind === ts.SyntaxKind.ThisKeyword) return 'this.x.m()';
    if (ts.isIdentifier(root)) return 'name.x.m()';
    if (ts.isCallExpression(root)) return 'call().x.m()';
    return 'other.x.m()';
  }
  if (ts.isElementAccessExpression(r)) return 'a[i].m()';
  return `${ts.SyntaxKind[r.kind]}.m()`;
}

function formOf(checker: ts.TypeChecker, node: ts.Node, site: Site): { form: CallForm; shape: string } {
  if (site.kind === 'new') return { form: 'new', shape: 'new' };
  if (site.kind === 'decorator') return { form: 'other', shape: '@decorator' };
  const callee = unwrap(site.callee);
  if (callee.kind === ts.SyntaxKind.SuperKeyword) return { form: 'this', shape: 'super()' };
  if (ts.isIdentifier(callee)) return { form: 'name', shape: site.kind === 'tag' ? 'tag``' : 'f()' };
  if (ts.isPropertyAccessExpression(callee)) {
    const receiver = unwrap(callee.expression);
    if (receiver.kind === ts.SyntaxKind.ThisKeyword || receiver.kind === ts.SyntaxKind.SuperKeyword) return { form: 'this', shape: 'this.m()' };
    if (isStaticPath(checker, receiver)) return { form: 'namespace', shape: 'ns.f()' };
    return { form: 'typed', shape: receiverShape(receiver) };
  }
  void node;
  return { form: 'other', shape: ts.SyntaxKind[callee.kind] ?? 'other' };
}
