/**
 * The reference for the TypeScript extractor's definitions: the same rules
 * (see the header of src/extract/typescript.ts), applied to the TypeScript
 * compiler's own AST. Lines follow the compiler: `node.getStart(sourceFile)`
 * (decorators and modifiers included, comments excluded) to the line of
 * `node.getEnd()`.
 */
import ts from 'typescript';

export interface OracleDefinition {
  kind: 'namespace' | 'class' | 'interface' | 'type' | 'enum' | 'function' | 'method' | 'property' | 'variable';
  qualifiedName: string;
  ordinal: number;
  startLine: number;
  endLine: number;
  /** Parameter names (functions and methods), `this` left out; null for other kinds. */
  params: string[] | null;
  exported: boolean;
}

interface Container {
  prefix: string;
  exported: boolean;
  ambient: boolean;
  exportContext: boolean;
  localExports: ReadonlySet<string>;
}

interface Owner {
  qualifiedName: string;
  exported: boolean;
}

export function scriptKindFor(filePath: string): ts.ScriptKind {
  if (/\.(?:[mc]?ts)$/.test(filePath)) return ts.ScriptKind.TS;
  if (filePath.endsWith('.tsx')) return ts.ScriptKind.TSX;
  if (filePath.endsWith('.jsx')) return ts.ScriptKind.JSX;
  return ts.ScriptKind.JS;
}

const collapse = (text: string): string => text.replace(/\s+/g, ' ').trim();

export function oracleDefinitions(filePath: string, source: string): OracleDefinition[] {
  const sf = ts.createSourceFile(filePath, source, ts.ScriptTarget.Latest, true, scriptKindFor(filePath));
  const out: OracleDefinition[] = [];
  const ordinals = new Map<string, number>();
  const line = (pos: number): number => sf.getLineAndCharacterOfPosition(pos).line + 1;

  const add = (
    kind: OracleDefinition['kind'],
    qualifiedName: string,
    start: number,
    end: number,
    params: string[] | null,
    exported: boolean,
  ): void => {
    const key = `${kind}\u0000${qualifiedName}`;
    const ordinal = ordinals.get(key) ?? 0;
    ordinals.set(key, ordinal + 1);
    out.push({ kind, qualifiedName, ordinal, startLine: line(start), endLine: line(end), params, exported });
  };

  const paramNames = (params: ts.NodeArray<ts.ParameterDeclaration>): string[] =>
    params
      .filter((p) => !(ts.isIdentifier(p.name) && p.name.text === 'this'))
      .map((p) => (ts.isIdentifier(p.name) ? p.name.text : collapse(p.name.getText(sf))));

  const memberName = (name: ts.PropertyName | undefined): string => {
    if (name === undefined) return '';
    if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name) || ts.isStringLiteral(name)) return name.text;
    return collapse(name.getText(sf));
  };

  const hasModifier = (node: ts.Node, kind: ts.SyntaxKind): boolean =>
    ts.canHaveModifiers(node) && (ts.getModifiers(node)?.some((m) => m.kind === kind) ?? false);

  const memberExported = (owner: Owner, node: ts.Node, name: string): boolean =>
    owner.exported && !name.startsWith('#') && !hasModifier(node, ts.SyntaxKind.PrivateKeyword);

  const locallyExported = (container: Container, node: ts.Node, name: string): boolean =>
    hasModifier(node, ts.SyntaxKind.ExportKeyword) || container.exportContext || container.localExports.has(name);

  const classMembers = (owner: Owner, members: ts.NodeArray<ts.ClassElement>): void => {
    for (const member of members) {
      const start = member.getStart(sf);
      const end = member.getEnd();
      if (ts.isPropertyDeclaration(member)) {
        const name = memberName(member.name);
        add('property', `${owner.qualifiedName}.${name}`, start, end, null, memberExported(owner, member, name));
      } else if (ts.isMethodDeclaration(member) || ts.isGetAccessorDeclaration(member) || ts.isSetAccessorDeclaration(member)) {
        const name = memberName(member.name);
        add('method', `${owner.qualifiedName}.${name}`, start, end, paramNames(member.parameters), memberExported(owner, member, name));
      } else if (ts.isConstructorDeclaration(member)) {
        const exported = memberExported(owner, member, 'constructor');
        add('method', `${owner.qualifiedName}.constructor`, start, end, paramNames(member.parameters), exported);
        for (const param of member.parameters) {
          if (!ts.isParameterPropertyDeclaration(param, member) || !ts.isIdentifier(param.name)) continue;
          const name = param.name.text;
          add('property', `${owner.qualifiedName}.${name}`, param.getStart(sf), param.getEnd(), null, memberExported(owner, param, name));
        }
      }
    }
  };

  const typeMembers = (owner: Owner, members: ts.NodeArray<ts.TypeElement>): void => {
    for (const member of members) {
      const start = member.getStart(sf);
      const end = member.getEnd();
      if (ts.isPropertySignature(member)) {
        const name = memberName(member.name);
        add('property', `${owner.qualifiedName}.${name}`, start, end, null, memberExported(owner, member, name));
      } else if (ts.isMethodSignature(member) || ts.isGetAccessorDeclaration(member) || ts.isSetAccessorDeclaration(member)) {
        const name = memberName(member.name);
        add('method', `${owner.qualifiedName}.${name}`, start, end, paramNames(member.parameters), memberExported(owner, member, name));
      }
    }
  };

  const scan = (statements: readonly ts.Statement[]): { names: Set<string>; hasExportDeclarations: boolean } => {
    const names = new Set<string>();
    let hasExportDeclarations = false;
    for (const s of statements) {
      if (ts.isExportDeclaration(s)) {
        hasExportDeclarations = true;
        if (!s.moduleSpecifier && s.exportClause && ts.isNamedExports(s.exportClause)) {
          for (const el of s.exportClause.elements) names.add((el.propertyName ?? el.name).getText(sf));
        }
      } else if (ts.isExportAssignment(s)) {
        hasExportDeclarations = true;
        if (ts.isIdentifier(s.expression)) names.add(s.expression.text);
      } else if (
        ts.isExpressionStatement(s) &&
        ts.isBinaryExpression(s.expression) &&
        s.expression.operatorToken.kind === ts.SyntaxKind.EqualsToken
      ) {
        const target = s.expression.left.getText(sf).replace(/\s+/g, '');
        const right = s.expression.right;
        if (target !== 'module.exports' && !/^(?:module\.)?exports\.[\w$]+$/.test(target)) continue;
        if (ts.isIdentifier(right)) names.add(right.text);
        else if (ts.isObjectLiteralExpression(right) && target === 'module.exports') {
          for (const p of right.properties) {
            if (ts.isShorthandPropertyAssignment(p)) names.add(p.name.text);
            else if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.initializer)) names.add(p.initializer.text);
          }
        }
      }
    }
    return { names, hasExportDeclarations };
  };

  const bodyContainer = (prefix: string, exported: boolean, ambient: boolean, statements: readonly ts.Statement[]): Container => {
    const facts = scan(statements);
    return {
      prefix,
      exported,
      ambient,
      exportContext: ambient && !facts.hasExportDeclarations,
      localExports: facts.names,
    };
  };

  const moduleDeclaration = (container: Container, node: ts.ModuleDeclaration): void => {
    const ambient = container.ambient || hasModifier(node, ts.SyntaxKind.DeclareKeyword);
    if (node.flags & ts.NodeFlags.GlobalAugmentation) {
      // `declare global {}` / `global {}` in a module: global declarations, no prefix.
      if (node.body && ts.isModuleBlock(node.body)) walk(bodyContainer('', true, true, node.body.statements), node.body.statements);
      return;
    }
    const isString = ts.isStringLiteral(node.name);
    const exported = isString || (container.exported && locallyExported(container, node, node.name.text));
    let current: ts.ModuleDeclaration = node;
    let prefix = container.prefix;
    let start = node.getStart(sf);
    for (;;) {
      const qualifiedName = prefix + current.name.text;
      add('namespace', qualifiedName, start, current.getEnd(), null, exported);
      prefix = `${qualifiedName}.`;
      const body = current.body;
      if (body && ts.isModuleDeclaration(body)) {
        current = body;
        start = body.name.getStart(sf);
        continue;
      }
      if (body && ts.isModuleBlock(body)) walk(bodyContainer(prefix, exported, ambient, body.statements), body.statements);
      return;
    }
  };

  const walk = (container: Container, statements: readonly ts.Statement[]): void => {
    for (const node of statements) {
      const start = node.getStart(sf);
      const end = node.getEnd();
      const exportedAs = (name: string): boolean => container.exported && locallyExported(container, node, name);
      if (ts.isFunctionDeclaration(node)) {
        const name = node.name?.text ?? 'default';
        add('function', container.prefix + name, start, end, paramNames(node.parameters), exportedAs(name));
      } else if (ts.isClassDeclaration(node)) {
        const name = node.name?.text ?? 'default';
        const owner = { qualifiedName: container.prefix + name, exported: exportedAs(name) };
        add('class', owner.qualifiedName, start, end, null, owner.exported);
        classMembers(owner, node.members);
      } else if (ts.isInterfaceDeclaration(node)) {
        const owner = { qualifiedName: container.prefix + node.name.text, exported: exportedAs(node.name.text) };
        add('interface', owner.qualifiedName, start, end, null, owner.exported);
        typeMembers(owner, node.members);
      } else if (ts.isTypeAliasDeclaration(node)) {
        const owner = { qualifiedName: container.prefix + node.name.text, exported: exportedAs(node.name.text) };
        add('type', owner.qualifiedName, start, end, null, owner.exported);
        if (ts.isTypeLiteralNode(node.type)) typeMembers(owner, node.type.members);
      } else if (ts.isEnumDeclaration(node)) {
        add('enum', container.prefix + node.name.text, start, end, null, exportedAs(node.name.text));
      } else if (ts.isModuleDeclaration(node)) {
        moduleDeclaration(container, node);
      } else if (ts.isVariableStatement(node)) {
        const declarations = node.declarationList.declarations;
        const single = declarations.length === 1;
        for (const decl of declarations) {
          if (!ts.isIdentifier(decl.name)) continue;
          const name = decl.name.text;
          const dStart = single ? start : decl.getStart(sf);
          const dEnd = single ? end : decl.getEnd();
          const init = decl.initializer;
          if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) {
            add('function', container.prefix + name, dStart, dEnd, paramNames(init.parameters), exportedAs(name));
          } else if (init && ts.isClassExpression(init)) {
            const owner = { qualifiedName: container.prefix + name, exported: exportedAs(name) };
            add('class', owner.qualifiedName, dStart, dEnd, null, owner.exported);
            classMembers(owner, init.members);
          } else if (locallyExported(container, node, name)) {
            add('variable', container.prefix + name, dStart, dEnd, null, container.exported);
          }
        }
      }
    }
  };

  const declarationFile = /\.d\.[mc]?ts$/.test(filePath);
  walk(bodyContainer('', true, declarationFile, sf.statements), sf.statements);
  return out;
}
