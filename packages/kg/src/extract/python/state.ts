import type {
  ExtractedObject,
  ExtractInput,
  Field,
  RawCall,
  RawHeritage,
  RawImport,
  RawTypeRef,
} from '../types.js';
import { typeNamesIn } from './annotations.js';
import type { SourceText } from './source.js';

/** A definition whose body is being walked: what references inside it are attributed to. */
export interface Scope {
  kind: 'module' | 'class' | 'function';
  /** End index of the defining node; references at or after it belong to an outer scope. */
  end: number;
  /** Qualified name; the module name for the module scope. */
  qualName: string;
  /** What names defined inside get prefixed with: '' at module level, `Foo.` in class Foo. */
  prefix: string;
  objectKind: ExtractedObject['kind'];
  objectIndex: number;
  /** Class scopes: the class's fields, filled as its body is walked. */
  fields: Field[] | null;
  fieldNames: Set<string> | null;
  /** `__init__` scopes: the class scope that `self.x = ...` adds fields to, and the name of `self`. */
  initOf: Scope | null;
  selfName: string | null;
}

/** How an object's `exported` flag is decided once `__all__` is known. */
type ExportRule = 'module' | 'top' | 'member' | 'local';

/** Everything collected while walking one file. */
export class Extraction {
  readonly objects: ExtractedObject[] = [];
  readonly imports: RawImport[] = [];
  readonly calls: RawCall[] = [];
  readonly heritage: RawHeritage[] = [];
  readonly typeRefs: RawTypeRef[] = [];
  /**
   * Per class (object index): instance attribute → the class its `__init__`
   * assigns it an instance of (`self.attr = C(…)` / `self.attr: C = …`), null
   * when it is assigned more than once there.
   */
  readonly attributeClasses = new Map<number, Map<string, string | null>>();
  /** `__all__` names seen so far; null until an `__all__` binding is seen. */
  allNames: string[] | null = null;
  /** Set when some `__all__` binding is not a literal: the list cannot be known statically. */
  allIsDynamic = false;

  private readonly parents: number[] = [];
  private readonly rules: ExportRule[] = [];
  private readonly ordinals = new Map<string, number>();
  private readonly typeRefKeys = new Set<string>();

  constructor(
    readonly input: ExtractInput,
    readonly src: SourceText,
  ) {}

  /** Add an object defined in `scope`; its ordinal and `exported` flag are filled in here and in `finish`. */
  addObject(init: Omit<ExtractedObject, 'ordinal' | 'exported'>, scope: Scope | null): number {
    const key = `${init.kind}\u0000${init.qualifiedName}`;
    const ordinal = this.ordinals.get(key) ?? 0;
    this.ordinals.set(key, ordinal + 1);
    const index = this.objects.length;
    // Built here, in one property order, so every object shares one shape (spreading was measurably slow).
    this.objects.push({
      kind: init.kind,
      name: init.name,
      qualifiedName: init.qualifiedName,
      signature: init.signature,
      startLine: init.startLine,
      endLine: init.endLine,
      params: init.params,
      returns: init.returns,
      fields: init.fields,
      doc: init.doc,
      exported: false,
      metadata: init.metadata,
      ordinal,
    });
    this.parents.push(scope === null ? -1 : scope.objectIndex);
    const rule: ExportRule =
      scope === null ? 'module' : scope.kind === 'module' ? 'top' : scope.kind === 'class' ? 'member' : 'local';
    this.rules.push(rule);
    return index;
  }

  addField(scope: Scope, field: Field): void {
    // First definition wins: a class-level default and a later `self.x = ...` describe one field.
    if (scope.fields === null || scope.fieldNames === null || scope.fieldNames.has(field.name)) return;
    scope.fieldNames.add(field.name);
    scope.fields.push(field);
  }

  /** Type references of one annotation, deduplicated per (from, kind, target). */
  addTypeRefs(annotation: string, from: Scope | { qualName: string; objectKind: ExtractedObject['kind'] }, kind: RawTypeRef['kind'], index: number): void {
    const names = typeNamesIn(annotation);
    if (names.length === 0) return;
    const line = this.src.lineAt(index);
    for (const target of names) {
      const key = `${from.objectKind}\u0000${from.qualName}\u0000${kind}\u0000${target}`;
      if (this.typeRefKeys.has(key)) continue;
      this.typeRefKeys.add(key);
      this.typeRefs.push({ from: from.qualName, fromKind: from.objectKind, line, kind, target });
    }
  }

  /** `__all__` as a literal list, or null when absent or computed. */
  get explicitExports(): string[] | null {
    return this.allIsDynamic ? null : this.allNames;
  }

  /**
   * Decide `exported` now that `__all__` is known: top-level names listed in a
   * literal `__all__` (or, without one, not starting with '_'); class members
   * when their class is exported and their name is public (dunders count as
   * public); nothing defined inside a function.
   */
  finish(): void {
    const all = this.explicitExports;
    const listed = all === null ? null : new Set(all);
    for (let i = 0; i < this.objects.length; i++) {
      const object = this.objects[i] as ExtractedObject;
      const name = object.name;
      switch (this.rules[i]) {
        case 'module':
          object.exported = true;
          break;
        case 'top':
          object.exported = listed === null ? !name.startsWith('_') : listed.has(name);
          break;
        case 'member': {
          const parent = this.objects[this.parents[i] as number];
          const isPublic = !name.startsWith('_') || (name.startsWith('__') && name.endsWith('__') && name.length > 4);
          object.exported = parent !== undefined && parent.exported && isPublic;
          break;
        }
        default:
          object.exported = false;
      }
    }
  }
}
