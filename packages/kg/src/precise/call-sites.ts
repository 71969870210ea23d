import path from 'node:path';
import ts from 'typescript';

/**
 * Every call site of one source file, resolved by the TypeScript checker: calls,
 * `new`, tagged templates and decorators. A site's target is the declaration of
 * the signature the checker picked (`getResolvedSignature`), falling back to the
 * callee's symbol through import aliases; `new C()` means the class C itself
 * (even when its constructor is inherited), `super()` the base's constructor. Declarations are reported by file,
 * line range and name; matching them to KG objects is done elsewhere (objects.ts),
 * so this module needs nothing but the program.
 */

export interface SiteTarget {
  /** Repository-relative, '/'-separated. */
  path: string;
  startLine: number;
  endLine: number;
  name: string;
}

export type SiteOutcome =
  | { kind: 'declared'; target: SiteTarget }
  /** Declared outside the repository: the default library, a dependency's declarations. */
  | { kind: 'external' }
  /** No declaration: `any`, a value of a callable type without a named declaration, an unresolved import. */
  | { kind: 'unresolved' };

export interface CheckedSite {
  line: number;
  /** Name of the innermost named declaration around the site (tie-breaker for the caller), else null. */
  caller: string | null;
  outcome: SiteOutcome;
}

export interface SiteContext {
  program: ts.Program;
  checker: ts.TypeChecker;
  /** Canonical repository root. */
  root: string;
  /** Stop when this returns true (checked every few sites); the file is then reported incomplete. */
  expired: () => boolean;
}

const EXPIRY_CHECK_EVERY = 64;

/** The file's sites in source order, or null when the budget expired inside it. */
export function checkSourceFile(sf: ts.SourceFile, ctx: SiteContext): CheckedSite[] | null {
  const sites: CheckedSite[] = [];
  let expired = false;
  const visit = (node: ts.Node): void => {
    if (expired) return;
    if (isSite(node)) {
      if (sites.length % EXPIRY_CHECK_EVERY === 0 && ctx.expired()) {
        expired = true;
        return;
      }
      sites.push({ line: lineOf(sf, node.getStart(sf)), caller: callerName(node), outcome: outcomeOf(node, ctx) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return expired ? null : sites;
}

type Site = ts.CallExpression | ts.NewExpression | ts.TaggedTemplateExpression | ts.Decorator;

function isSite(node: ts.Node): node is Site {
  if (ts.isCallExpression(node)) return !isImportCall(node);
  // `@dec()` is the call `dec()` (a site of its own) applying an anonymous result: only `@dec` / `@ns.dec` are sites.
  if (ts.isDecorator(node)) return !ts.isCallExpression(node.expression);
  return ts.isNewExpression(node) || ts.isTaggedTemplateExpression(node);
}

/** `import('x')` and `require('x')` with one string literal are imports (as the extractor reads them), not calls. */
function isImportCall(node: ts.CallExpression): boolean {
  if (node.expression.kind === ts.SyntaxKind.ImportKeyword) return true;
  return ts.isIdentifier(node.expression) && node.expression.text === 'require' && node.arguments.length === 1 && ts.isStringLiteralLike(node.arguments[0] as ts.Node);
}

function lineOf(sf: ts.SourceFile, pos: number): number {
  return sf.getLineAndCharacterOfPosition(pos).line + 1;
}

function calleeOf(node: Site): ts.Expression {
  if (ts.isTaggedTemplateExpression(node)) return node.tag;
  return node.expression;
}

function outcomeOf(node: Site, ctx: SiteContext): SiteOutcome {
  let declaration: ts.Declaration | undefined;
  if (ts.isNewExpression(node)) declaration = classOf(calleeSymbol(node.expression, ctx.checker));
  if (declaration === undefined) {
    let signature: ts.Signature | undefined;
    try {
      signature = ctx.checker.getResolvedSignature(node);
    } catch {
      signature = undefined;
    }
    const declared = signature?.declaration;
    if (declared !== undefined && !ts.isJSDocSignature(declared)) declaration = declared;
  }
  if (declaration === undefined) {
    const symbol = calleeSymbol(calleeOf(node), ctx.checker);
    const fallback = symbol?.valueDeclaration ?? symbol?.declarations?.[0];
    if (fallback !== undefined && FALLBACK_KINDS.has(fallback.kind)) declaration = fallback;
  }
  if (declaration === undefined) return { kind: 'unresolved' };
  const sf = declaration.getSourceFile();
  if (isExternal(sf, ctx)) return { kind: 'external' };
  const target = targetOf(declaration, sf, ctx.root, ts.isNewExpression(node));
  return target === null ? { kind: 'unresolved' } : { kind: 'declared', target };
}

/** Declarations a callee's symbol may stand for when the checker has no signature declaration. */
const FALLBACK_KINDS: ReadonlySet<ts.SyntaxKind> = new Set([
  ts.SyntaxKind.FunctionDeclaration,
  ts.SyntaxKind.MethodDeclaration,
  ts.SyntaxKind.MethodSignature,
  ts.SyntaxKind.ClassDeclaration,
  ts.SyntaxKind.Constructor,
  ts.SyntaxKind.VariableDeclaration,
  ts.SyntaxKind.PropertyDeclaration,
]);

function calleeSymbol(callee: ts.Expression, checker: ts.TypeChecker): ts.Symbol | undefined {
  let expression = callee;
  while (ts.isParenthesizedExpression(expression) || ts.isNonNullExpression(expression)) expression = expression.expression;
  const at = ts.isPropertyAccessExpression(expression) ? expression.name : expression;
  let symbol: ts.Symbol | undefined;
  try {
    symbol = checker.getSymbolAtLocation(at);
    if (symbol !== undefined && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  } catch {
    return undefined;
  }
  return symbol;
}

function classOf(symbol: ts.Symbol | undefined): ts.Declaration | undefined {
  if (symbol === undefined || !(symbol.flags & ts.SymbolFlags.Class)) return undefined;
  return symbol.declarations?.find((d) => ts.isClassDeclaration(d) || ts.isClassExpression(d));
}

function isExternal(sf: ts.SourceFile, ctx: SiteContext): boolean {
  if (ctx.program.isSourceFileDefaultLibrary(sf) || ctx.program.isSourceFileFromExternalLibrary(sf)) return true;
  const rel = path.relative(ctx.root, sf.fileName);
  return rel.startsWith('..') || path.isAbsolute(rel) || rel.split(path.sep).includes('node_modules');
}

/**
 * The KG-facing declaration: `new C()` means the class (the extractor's `new` target),
 * `super()` the base's `constructor` method, a function value the variable or property holding it.
 */
function targetOf(declaration: ts.Declaration, sf: ts.SourceFile, root: string, isNew: boolean): SiteTarget | null {
  let node: ts.Node = declaration;
  if (ts.isConstructorDeclaration(node) && !isNew) {
    return { path: relativePath(root, sf), startLine: lineOf(sf, node.getStart(sf)), endLine: lineOf(sf, node.getEnd()), name: 'constructor' };
  }
  if (ts.isConstructorDeclaration(node) || ts.isConstructSignatureDeclaration(node)) node = node.parent;
  if (ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isClassExpression(node) || ts.isFunctionTypeNode(node)) {
    let parent = node.parent;
    while (parent !== undefined && (ts.isParenthesizedExpression(parent) || ts.isAsExpression(parent) || ts.isSatisfiesExpression(parent) || ts.isTypeAssertionExpression(parent))) {
      parent = parent.parent;
    }
    const named = (ts.isFunctionExpression(node) || ts.isClassExpression(node)) && node.name !== undefined;
    if (parent !== undefined && (ts.isVariableDeclaration(parent) || ts.isPropertyDeclaration(parent) || ts.isPropertySignature(parent))) node = parent;
    else if (!named) return null;
  }
  const nameNode = ts.getNameOfDeclaration(node as ts.Declaration);
  if (nameNode === undefined || !(ts.isIdentifier(nameNode) || ts.isPrivateIdentifier(nameNode) || ts.isStringLiteral(nameNode))) return null;
  // A lone declarator spans its statement (`export const f = () => {}` starts at `export`), as the extractor records it.
  let span: ts.Node = node;
  if (ts.isVariableDeclaration(node) && ts.isVariableDeclarationList(node.parent) && node.parent.declarations.length === 1 && ts.isVariableStatement(node.parent.parent)) {
    span = node.parent.parent;
  }
  return {
    path: relativePath(root, sf),
    startLine: lineOf(sf, span.getStart(sf)),
    endLine: lineOf(sf, span.getEnd()),
    name: nameNode.text,
  };
}

function relativePath(root: string, sf: ts.SourceFile): string {
  return path.relative(root, sf.fileName).split(path.sep).join('/');
}

/** Declarations whose name identifies the object a site sits in. */
const CALLER_KINDS: ReadonlySet<ts.SyntaxKind> = new Set([
  ts.SyntaxKind.FunctionDeclaration,
  ts.SyntaxKind.MethodDeclaration,
  ts.SyntaxKind.GetAccessor,
  ts.SyntaxKind.SetAccessor,
  ts.SyntaxKind.ClassDeclaration,
  ts.SyntaxKind.VariableDeclaration,
  ts.SyntaxKind.PropertyDeclaration,
  ts.SyntaxKind.ModuleDeclaration,
]);

function callerName(node: ts.Node): string | null {
  for (let at = node.parent; at !== undefined; at = at.parent) {
    if (ts.isConstructorDeclaration(at)) return 'constructor';
    if (!CALLER_KINDS.has(at.kind)) continue;
    const name = ts.getNameOfDeclaration(at as ts.Declaration);
    if (name !== undefined && (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name))) return name.text;
  }
  return null;
}
