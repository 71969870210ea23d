/**
 * Objects for container-level declarations: functions, classes, interfaces,
 * type aliases, enums. Each is called with the walker on the declaration node
 * and the statement that wraps it; headers are read from text (headers.ts),
 * bodies through the walker (members.ts).
 */
import type { Field } from '../types.js';
import { NO_TYPE_PARAMS, type Container, type ExtractContext, type Site, type TypeHit } from './context.js';
import { readEnumMembers, readFunctionHeader, readTypeAliasHeader, readTypeHeader, type FunctionHeader, type Heritage } from './headers.js';
import { readClassBody, readInterfaceBody, readLiteralFields, type Owner } from './members.js';
import { docText, locallyExported, signatureOf, type Statement } from './statement.js';
import { collapseCode, identifierEnd, skipTrivia } from './scan.js';
import { clip } from './source.js';
import { collectTypeHits } from './typerefs.js';
import type { Walker } from './walker.js';

/** Longest type alias signature; aliases can be pages long. */
const MAX_TYPE_SIGNATURE = 300;


export function exportedHere(container: Container, stmt: Statement, name: string): boolean {
  return container.exported && locallyExported(container, stmt, name);
}

/** Where an object bound by `const x = …` spans and how its signature starts. */
export interface Binding {
  name: string;
  start: number;
  end: number;
  sigStart: number;
  /** Text put before the signature (`const ` for one of several declarators). */
  prefix: string;
}

/** Start of the body (last child) of the node under the walker. */
function bodyStart(w: Walker): number {
  if (!w.lastChild()) return w.end;
  const start = w.start;
  w.up();
  return start;
}

function addFunction(
  ctx: ExtractContext,
  container: Container,
  stmt: Statement,
  name: string,
  header: FunctionHeader,
  span: { start: number; end: number; signature: string; bodiless: boolean },
  bound: 'arrow' | 'function-expression' | null,
): void {
  let extra: Record<string, unknown> | undefined;
  if (bound !== null) extra = { bound };
  if (header.typeParams.length > 0) extra = { ...extra, typeParameters: header.typeParams };
  const site = ctx.addObject({
    kind: 'function',
    name,
    qualifiedName: container.prefix + name,
    signature: span.signature,
    start: span.start,
    end: span.end,
    params: header.params,
    returns: header.returns === null ? null : { type: header.returns },
    doc: docText(ctx, stmt.doc),
    exported: exportedHere(container, stmt, name),
    modifiers: header.modifiers.length > 0 ? [...stmt.modifiers, ...header.modifiers] : stmt.modifiers,
    decorators: stmt.decorators,
    extra,
    bodiless: span.bodiless,
  });
  if (header.typeHits.length > 0) {
    ctx.addTypeHits(site, header.typeHits, header.typeParams.length > 0 ? new Set(header.typeParams) : NO_TYPE_PARAMS);
  }
}

/** `function f() {}`, `function f();`, `export default function () {}`. */
export function functionDeclaration(w: Walker, ctx: ExtractContext, container: Container, stmt: Statement): void {
  const start = w.start;
  const signatureOnly = w.type() === 'function_signature';
  const headerEnd = signatureOnly ? w.end : bodyStart(w);
  const header = readFunctionHeader(ctx.src.text, start, headerEnd, false);
  const signature = signatureOf(ctx.src.text, stmt.sigStart, headerEnd);
  const span = { start: stmt.start, end: stmt.end, signature, bodiless: signatureOnly };
  addFunction(ctx, container, stmt, header.name ?? 'default', header, span, null);
}

/** `const f = () => {}` / `const f = function () {}`: the walker is on the value. */
export function boundFunction(w: Walker, ctx: ExtractContext, container: Container, stmt: Statement, binding: Binding): void {
  const arrow = w.type() === 'arrow_function';
  const headerEnd = bodyStart(w);
  const header = readFunctionHeader(ctx.src.text, w.start, headerEnd, arrow);
  // An arrow's header keeps its `=>`: `const f = x =>` still shows its one parameter.
  const text = ctx.src.text;
  const signature =
    binding.prefix + (arrow ? collapseCode(text, binding.sigStart, headerEnd) : signatureOf(text, binding.sigStart, headerEnd));
  const span = { start: binding.start, end: binding.end, signature, bodiless: false };
  addFunction(ctx, container, stmt, binding.name, header, span, arrow ? 'arrow' : 'function-expression');
}

function emitHeritage(ctx: ExtractContext, site: Site, heritage: readonly Heritage[]): void {
  for (const h of heritage) ctx.addHeritage(site, h.kind, h.target, h.index);
}

/**
 * A class declaration, or a class expression bound to a name (`const X = class {}`,
 * `export default class {}`); `binding` gives name and span for the bound form.
 */
export function classDeclaration(w: Walker, ctx: ExtractContext, container: Container, stmt: Statement, binding: Binding | null): void {
  const text = ctx.src.text;
  const nodeStart = w.start;
  const body = bodyStart(w);
  const header = readTypeHeader(text, nodeStart, body);
  const name = binding?.name ?? header.name ?? 'default';
  const sigStart = binding?.sigStart ?? stmt.sigStart;
  const span = header.decoratorSpan;
  // `export @dec class A`: decorators inside the class node are cut out of the signature.
  const signature =
    span === null
      ? signatureOf(text, sigStart, body)
      : `${signatureOf(text, sigStart, span[0])} ${signatureOf(text, span[1], body)}`;
  const owner: Owner = {
    qualifiedName: container.prefix + name,
    exported: exportedHere(container, stmt, name),
    typeParams: header.typeParams.length > 0 ? new Set(header.typeParams) : NO_TYPE_PARAMS,
    fields: [],
    site: null,
  };
  const site = ctx.addObject({
    kind: 'class',
    name,
    qualifiedName: owner.qualifiedName,
    signature: (binding?.prefix ?? '') + signature,
    start: binding?.start ?? stmt.start,
    end: binding?.end ?? stmt.end,
    fields: owner.fields,
    doc: docText(ctx, stmt.doc),
    exported: owner.exported,
    modifiers: header.modifiers.length > 0 ? [...stmt.modifiers, ...header.modifiers] : stmt.modifiers,
    decorators: header.decorators.length > 0 ? [...stmt.decorators, ...header.decorators] : stmt.decorators,
    extra: header.typeParams.length > 0 ? { typeParameters: header.typeParams } : undefined,
  });
  owner.site = site;
  emitHeritage(ctx, site, header.heritage);
  if (header.typeHits.length > 0) ctx.addTypeHits(site, header.typeHits, owner.typeParams);
  if (w.lastChild()) {
    readClassBody(w, ctx, owner);
    w.up();
  }
}

export function interfaceDeclaration(w: Walker, ctx: ExtractContext, container: Container, stmt: Statement): void {
  const text = ctx.src.text;
  const body = bodyStart(w);
  const header = readTypeHeader(text, w.start, body);
  const name = header.name ?? '';
  const owner: Owner = {
    qualifiedName: container.prefix + name,
    exported: exportedHere(container, stmt, name),
    typeParams: header.typeParams.length > 0 ? new Set(header.typeParams) : NO_TYPE_PARAMS,
    fields: [],
    site: null,
  };
  const site = ctx.addObject({
    kind: 'interface',
    name,
    qualifiedName: owner.qualifiedName,
    signature: signatureOf(text, stmt.sigStart, body),
    start: stmt.start,
    end: stmt.end,
    fields: owner.fields,
    doc: docText(ctx, stmt.doc),
    exported: owner.exported,
    modifiers: stmt.modifiers,
    extra: header.typeParams.length > 0 ? { typeParameters: header.typeParams } : undefined,
  });
  owner.site = site;
  emitHeritage(ctx, site, header.heritage);
  if (header.typeHits.length > 0) ctx.addTypeHits(site, header.typeHits, owner.typeParams);
  if (w.lastChild()) {
    readInterfaceBody(w, ctx, owner);
    w.up();
  }
}

/**
 * `type X = …`. An object literal value gives fields and member objects (like
 * an interface); an intersection gives the fields of its literals; other
 * values have no fields and report their type uses from the alias.
 */
export function typeAlias(w: Walker, ctx: ExtractContext, container: Container, stmt: Statement): void {
  const text = ctx.src.text;
  const nodeStart = w.start;
  if (!w.down()) return;
  do {
    if (w.field() !== 'value') continue;
    const valueType = w.type();
    const valueStart = w.start;
    const valueEnd = w.end;
    const header = readTypeAliasHeader(text, nodeStart, valueStart);
    const typeHits: TypeHit[] = header.typeHits;
    const literal = valueType === 'object_type';
    const owner: Owner = {
      qualifiedName: container.prefix + header.name,
      exported: exportedHere(container, stmt, header.name),
      typeParams: header.typeParams.length > 0 ? new Set(header.typeParams) : NO_TYPE_PARAMS,
      fields: [],
      site: null,
    };
    // A literal's members report their own type uses.
    if (!literal) collectTypeHits(text, valueStart, valueEnd, 'uses_type', typeHits);
    let fields: Field[] | null = null;
    if (literal) fields = owner.fields;
    else if (valueType === 'intersection_type') {
      readLiteralFields(w, ctx, owner.fields);
      if (owner.fields.length > 0) fields = owner.fields;
    }
    const site = ctx.addObject({
      kind: 'type',
      name: header.name,
      qualifiedName: owner.qualifiedName,
      signature: clip(text.slice(stmt.sigStart, valueEnd), MAX_TYPE_SIGNATURE),
      start: stmt.start,
      end: stmt.end,
      fields,
      doc: docText(ctx, stmt.doc),
      exported: owner.exported,
      modifiers: stmt.modifiers,
      extra: header.typeParams.length > 0 ? { typeParameters: header.typeParams } : undefined,
    });
    owner.site = site;
    if (typeHits.length > 0) ctx.addTypeHits(site, typeHits, owner.typeParams);
    if (literal) readInterfaceBody(w, ctx, owner);
    break;
  } while (w.next());
  w.up();
}

export function enumDeclaration(w: Walker, ctx: ExtractContext, container: Container, stmt: Statement): void {
  const text = ctx.src.text;
  const end = w.end;
  const body = bodyStart(w);
  // `[const] enum Name {`
  let i = skipTrivia(text, w.start, body);
  const modifiers = [...stmt.modifiers];
  let name = '';
  for (;;) {
    const wordEnd = identifierEnd(text, i, body);
    if (wordEnd === i) break;
    const word = text.slice(i, wordEnd);
    i = skipTrivia(text, wordEnd, body);
    if (word === 'const') modifiers.push('const');
    else if (word !== 'enum') {
      name = word;
      break;
    }
  }
  ctx.addObject({
    kind: 'enum',
    name,
    qualifiedName: container.prefix + name,
    signature: signatureOf(text, stmt.sigStart, body),
    start: stmt.start,
    end: stmt.end,
    fields: readEnumMembers(text, body, end),
    doc: docText(ctx, stmt.doc),
    exported: exportedHere(container, stmt, name),
    modifiers,
  });
}
