import type { Field } from '../types.js';
import type { ExtractContext, Site, TypeHit } from './context.js';
import { readFunctionHeader, readPropertyHeader, type ParamProperty } from './headers.js';
import { collapseRange } from './scan.js';
import { docText, signatureOf } from './statement.js';
import { collectTypeHits } from './typerefs.js';
import type { Walker } from './walker.js';

/** The class, interface or type literal whose members are being read. */
export interface Owner {
  qualifiedName: string;
  exported: boolean;
  /** Type parameters of the owner, excluded from members' type references. */
  typeParams: ReadonlySet<string>;
  /** Filled with the owner's properties as they are read. */
  fields: Field[];
  /** Where the owner's own type uses are reported (index, call and construct signatures). */
  site: Site | null;
}

/** Index, call and construct signatures: not objects, but their types are the owner's uses. */
const OWNER_SIGNATURES = new Set(['index_signature', 'call_signature', 'construct_signature']);

function ownerSignature(ctx: ExtractContext, owner: Owner, start: number, end: number): void {
  if (owner.site === null) return;
  const hits: TypeHit[] = [];
  collectTypeHits(ctx.src.text, start, end, 'uses_type', hits);
  if (hits.length > 0) ctx.addTypeHits(owner.site, hits, owner.typeParams);
}

export function isJsDoc(text: string, start: number): boolean {
  return text.startsWith('/**', start) && !text.startsWith('/**/', start);
}

function memberExported(owner: Owner, name: string, modifiers: readonly string[] | undefined): boolean {
  return owner.exported && !name.startsWith('#') && !(modifiers?.includes('private') ?? false);
}

function withTypeParams(outer: ReadonlySet<string>, own: readonly string[]): ReadonlySet<string> {
  if (own.length === 0) return outer;
  const all = new Set(outer);
  for (const name of own) all.add(name);
  return all;
}

/** Walk a class body: methods (constructors, accessors, overloads), fields and parameter properties. */
export function readClassBody(w: Walker, ctx: ExtractContext, owner: Owner): void {
  if (!w.down()) return;
  const text = ctx.src.text;
  let doc: [number, number] | null = null;
  let decorators: string[] = [];
  let decoratorStart = -1;
  do {
    const type = w.type();
    if (type === 'comment') {
      const start = w.start;
      if (isJsDoc(text, start)) doc = [start, w.end];
      continue;
    }
    if (type === 'decorator') {
      // Method decorators are siblings before the method in tree-sitter's class_body.
      const start = w.start;
      decorators.push(collapseRange(text, start, w.end));
      if (decoratorStart < 0) decoratorStart = start;
      continue;
    }
    if (type === 'method_definition') {
      const start = w.start;
      const end = w.end;
      w.lastChild();
      const bodyStart = w.start;
      w.up();
      readMethod(ctx, owner, start, bodyStart, end, decoratorStart < 0 ? start : decoratorStart, decorators, doc);
    } else if (type === 'method_signature' || type === 'abstract_method_signature') {
      const start = w.start;
      const end = w.end;
      readMethod(ctx, owner, start, end, end, decoratorStart < 0 ? start : decoratorStart, decorators, doc);
    } else if (type === 'public_field_definition') {
      readProperty(ctx, owner, w.start, w.end, doc);
    } else if (type === 'index_signature') ownerSignature(ctx, owner, w.start, w.end);
    doc = null;
    if (decoratorStart >= 0) {
      decorators = [];
      decoratorStart = -1;
    }
  } while (w.next());
  w.up();
}

/** `name:` / `name?: Type;` at the start of an ERROR node; group 1 is the type, if any. */
const KEYWORD_MEMBER = /^[\p{ID_Start}$_][\p{ID_Continue}$]*\??\s*:\s*([^;,]*)/u;

/** Walk an interface body or an object type literal: property and method signatures. */
export function readInterfaceBody(w: Walker, ctx: ExtractContext, owner: Owner): void {
  if (!w.down()) return;
  const text = ctx.src.text;
  let doc: [number, number] | null = null;
  do {
    const type = w.type();
    if (type === 'comment') {
      const start = w.start;
      if (isJsDoc(text, start)) doc = [start, w.end];
      continue;
    }
    if (type === 'ERROR') {
      // tree-sitter fails on members named `abstract` (`abstract: boolean;`): the
      // ERROR holds the whole member, or just `abstract:` with the type parsed as
      // a member of its own.
      const start = w.start;
      const end = w.end;
      const member = KEYWORD_MEMBER.exec(text.slice(start, Math.min(end, start + 64)));
      if (member !== null) {
        if (member[1] !== '') readProperty(ctx, owner, start, end, doc);
        else if (w.next()) {
          if (w.type() === 'property_signature') readProperty(ctx, owner, start, w.end, doc);
          else w.cursor.gotoPreviousSibling();
        }
      }
      doc = null;
      continue;
    }
    if (type === 'property_signature') readProperty(ctx, owner, w.start, w.end, doc);
    else if (type === 'method_signature') {
      const start = w.start;
      const end = w.end;
      readMethod(ctx, owner, start, end, end, start, [], doc);
    } else if (OWNER_SIGNATURES.has(type)) ownerSignature(ctx, owner, w.start, w.end);
    else if (type === ';' || type === ',') continue;
    doc = null;
  } while (w.next());
  w.up();
}

/** Fields only (no member objects) of the object literals in an intersection type alias. */
export function readLiteralFields(w: Walker, ctx: ExtractContext, fields: Field[]): void {
  const type = w.type();
  if (type === 'object_type') {
    if (!w.down()) return;
    do {
      if (w.type() === 'property_signature') fields.push(readPropertyHeader(ctx.src.text, w.start, w.end).field);
    } while (w.next());
    w.up();
  } else if (type === 'intersection_type' || type === 'parenthesized_type') {
    if (!w.down()) return;
    do readLiteralFields(w, ctx, fields);
    while (w.next());
    w.up();
  }
}

const NO_DECORATORS: string[] = [];

function readMethod(
  ctx: ExtractContext,
  owner: Owner,
  nodeStart: number,
  headerEnd: number,
  end: number,
  start: number,
  decorators: string[],
  doc: readonly [number, number] | null,
): void {
  const text = ctx.src.text;
  const header = readFunctionHeader(text, nodeStart, headerEnd, false);
  const name = header.name ?? '';
  const modifiers = header.modifiers;
  let extra: Record<string, unknown> | undefined;
  if (header.typeParams.length > 0) extra = { typeParameters: header.typeParams };
  if (header.optional) extra = { ...extra, optional: true };
  const site = ctx.addObject({
    kind: 'method',
    name,
    qualifiedName: `${owner.qualifiedName}.${name}`,
    signature: signatureOf(text, nodeStart, headerEnd),
    start,
    end,
    params: header.params,
    returns: header.returns === null ? null : { type: header.returns },
    doc: docText(ctx, doc),
    exported: memberExported(owner, name, modifiers),
    modifiers,
    decorators: decorators.length > 0 ? decorators : NO_DECORATORS,
    extra,
    bodiless: headerEnd === end,
  });
  if (header.typeHits.length > 0) ctx.addTypeHits(site, header.typeHits, withTypeParams(owner.typeParams, header.typeParams));
  if (name === 'constructor') for (const prop of header.paramProperties) addParamProperty(ctx, owner, prop);
}

function addParamProperty(ctx: ExtractContext, owner: Owner, prop: ParamProperty): void {
  const { field } = prop;
  owner.fields.push(field);
  const site = ctx.addObject({
    kind: 'property',
    name: field.name,
    qualifiedName: `${owner.qualifiedName}.${field.name}`,
    signature: signatureOf(ctx.src.text, prop.sigStart, prop.sigEnd),
    start: prop.start,
    end: prop.end,
    doc: null,
    exported: memberExported(owner, field.name, field.modifiers),
    modifiers: field.modifiers,
    decorators: prop.decorators,
    extra: { parameterProperty: true },
  });
  if (prop.typeHits.length > 0) ctx.addTypeHits(site, prop.typeHits, owner.typeParams);
}

function readProperty(ctx: ExtractContext, owner: Owner, start: number, end: number, doc: readonly [number, number] | null): void {
  const header = readPropertyHeader(ctx.src.text, start, end);
  const { field } = header;
  owner.fields.push(field);
  const site = ctx.addObject({
    kind: 'property',
    name: field.name,
    qualifiedName: `${owner.qualifiedName}.${field.name}`,
    signature: signatureOf(ctx.src.text, header.sigStart, header.sigEnd),
    start,
    end,
    doc: docText(ctx, doc),
    exported: memberExported(owner, field.name, field.modifiers),
    modifiers: field.modifiers,
    decorators: header.decorators,
    extra: field.optional ? { optional: true } : undefined,
  });
  if (header.typeHits.length > 0) ctx.addTypeHits(site, header.typeHits, owner.typeParams);
}
