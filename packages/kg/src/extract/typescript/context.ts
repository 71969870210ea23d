import type {
  ExtractedObject,
  RawCall,
  RawHeritage,
  RawImport,
  RawTypeRef,
} from '../types.js';
import type { SourceText } from './source.js';

type Kind = ExtractedObject['kind'];

/**
 * Where references are reported from: one per (kind, qualifiedName), shared by
 * overloads, so it also carries the dedup set of the type refs made from it.
 */
export interface Site {
  readonly from: string;
  readonly fromKind: Kind;
  /** Definitions of this (kind, qualifiedName) so far: the next one's ordinal. */
  count: number;
  /** `u:Foo` / `r:Foo` for type refs already reported from here. */
  typeRefs: Set<string> | null;
}

/** A declaration container: the module, a namespace, or a `declare global` block. */
export interface Container {
  /** Prefix for qualified names of members: '' at top level, 'NS.' inside `namespace NS`. */
  prefix: string;
  /** The container itself is visible outside the module. */
  exported: boolean;
  /** Inside `declare`, a `.d.ts` file, or an ambient namespace. */
  ambient: boolean;
  /**
   * Every declaration is exported without an `export` keyword: an ambient
   * container with no `export {…}` / `export =` / `export default expr`
   * (the TypeScript binder's "export context"; e.g. `declare module 'x' {…}`
   * or a global `.d.ts` script).
   */
  exportContext: boolean;
  /** Names exported by `export { a }`, `export default a`, `export = a`, `module.exports = a`. */
  localExports: ReadonlySet<string>;
  site: Site;
}

/** A named type found in a signature, not yet attributed to its declaration. */
export interface TypeHit {
  kind: RawTypeRef['kind'];
  target: string;
  index: number;
}

/** An extracted object's span, to attribute calls to their innermost object. */
export interface Range {
  start: number;
  end: number;
  site: Site;
  /** Parameter names of a function or method (they shadow outer names in its body). */
  params: readonly string[] | null;
}

/** What an object builder knows; addObject turns it into an ExtractedObject. */
export interface ObjectSpec {
  kind: Exclude<Kind, 'module'>;
  name: string;
  qualifiedName: string;
  signature: string;
  start: number;
  end: number;
  params?: ExtractedObject['params'];
  returns?: ExtractedObject['returns'];
  fields?: ExtractedObject['fields'];
  doc: string | null;
  exported: boolean;
  modifiers?: string[];
  decorators?: string[];
  extra?: Record<string, unknown>;
  /** A function or method without a body: an overload signature when it shares its name. */
  bodiless?: boolean;
}

/** The empty set of type parameters in scope. */
export const NO_TYPE_PARAMS: ReadonlySet<string> = new Set();

export function siteFor(from: string, fromKind: Kind): Site {
  return { from, fromKind, count: 0, typeRefs: null };
}

/** Everything collected from one file, plus the bookkeeping that ordinals and dedup need. */
export class ExtractContext {
  readonly objects: ExtractedObject[] = [];
  readonly imports: RawImport[] = [];
  readonly calls: RawCall[] = [];
  readonly heritage: RawHeritage[] = [];
  readonly typeRefs: RawTypeRef[] = [];
  /** Object spans in pre-order; empty when `trackRanges` is off (declaration files have no calls). */
  readonly ranges: Range[] = [];
  /** Sites by qualified name, one map per kind (no key strings to build). */
  private readonly sites = new Map<Kind, Map<string, Site>>();
  private readonly bodiless: { object: ExtractedObject; site: Site }[] = [];
  /**
   * [start, end) pairs of runs of top-level statements that can contain calls
   * (not imports, re-exports, type declarations, overload signatures): the
   * call search visits only these.
   */
  readonly codeSpans: number[] = [];
  private openSpan = false;

  constructor(
    readonly src: SourceText,
    private readonly trackRanges: boolean,
  ) {}

  private siteOf(kind: Kind, qualifiedName: string): Site {
    let byName = this.sites.get(kind);
    if (byName === undefined) {
      byName = new Map();
      this.sites.set(kind, byName);
    }
    let site = byName.get(qualifiedName);
    if (site === undefined) {
      site = siteFor(qualifiedName, kind);
      byName.set(qualifiedName, site);
    }
    return site;
  }

  /** Record an object (lines from indices, empty metadata omitted); returns the site for refs made inside it. */
  addObject(spec: ObjectSpec): Site {
    const site = this.siteOf(spec.kind, spec.qualifiedName);
    const metadata: ExtractedObject['metadata'] = { language: 'ts' };
    if (spec.modifiers !== undefined && spec.modifiers.length > 0) metadata.modifiers = spec.modifiers;
    if (spec.decorators !== undefined && spec.decorators.length > 0) metadata.decorators = spec.decorators;
    if (spec.extra !== undefined) Object.assign(metadata, spec.extra);
    const src = this.src;
    const object: ExtractedObject = {
      kind: spec.kind,
      name: spec.name,
      qualifiedName: spec.qualifiedName,
      signature: spec.signature,
      startLine: src.lineOf(spec.start),
      endLine: src.lineOf(spec.end > spec.start ? spec.end - 1 : spec.start),
      params: spec.params ?? null,
      returns: spec.returns ?? null,
      fields: spec.fields ?? null,
      doc: spec.doc,
      exported: spec.exported,
      metadata,
      ordinal: site.count,
    };
    site.count += 1;
    this.objects.push(object);
    if (spec.bodiless === true) this.bodiless.push({ object, site });
    if (this.trackRanges) this.ranges.push({ start: spec.start, end: spec.end, site, params: spec.params?.map((p) => p.name) ?? null });
    return site;
  }

  /** Report type hits from `site`, skipping type parameters in scope; one ref per (site, kind, target). */
  addTypeHits(site: Site, hits: readonly TypeHit[], typeParams: ReadonlySet<string>): void {
    let seen = site.typeRefs;
    for (const hit of hits) {
      const target = hit.target;
      if (typeParams.has(target)) continue;
      const key = hit.kind === 'uses_type' ? `u${target}` : `r${target}`;
      if (seen === null) seen = site.typeRefs = new Set();
      else if (seen.has(key)) continue;
      seen.add(key);
      this.typeRefs.push({
        from: site.from,
        fromKind: site.fromKind,
        line: this.src.lineOf(hit.index),
        kind: hit.kind,
        target,
      });
    }
  }

  addHeritage(site: Site, kind: RawHeritage['kind'], target: string, index: number): void {
    this.heritage.push({ from: site.from, fromKind: site.fromKind, line: this.src.lineOf(index), kind, target });
  }

  /** Note a top-level statement: consecutive code statements form one span. */
  codeStatement(start: number, end: number, code: boolean): void {
    if (!code) {
      this.openSpan = false;
      return;
    }
    if (this.openSpan) this.codeSpans[this.codeSpans.length - 1] = end;
    else this.codeSpans.push(start, end);
    this.openSpan = true;
  }

  /** A bodiless function/method that shares its name with another definition is an overload signature. */
  markOverloads(): void {
    for (const { object, site } of this.bodiless) {
      if (site.count < 2) continue;
      object.metadata.modifiers = [...(object.metadata.modifiers ?? []), 'overload'];
    }
  }
}
