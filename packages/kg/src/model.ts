import type { Field, ImportBinding, Language, ObjectKind, ObjectMetadata, Param, RawCall, RawHeritage, RawImport, RawTypeRef } from './extract/types.js';
import type { FileCoverage } from './coverage/counters.js';
import type { UnresolvedSites } from './resolve/unresolved.js';
import type { DeclaredTypes } from './resolve/type-hints.js';

/** A CBO object as stored in `kg.objects`. */
export interface KgObject {
  id: string;
  kind: ObjectKind;
  name: string;
  qualifiedName: string;
  language: Language;
  /** null only for external modules. */
  filePath: string | null;
  parentId: string | null;
  signature: string;
  startLine: number | null;
  endLine: number | null;
  params: Param[] | null;
  returns: { type: string } | null;
  fields: Field[] | null;
  doc: string | null;
  exported: boolean;
  metadata: ObjectMetadata | Record<string, unknown>;
}

export type RelationKind = 'contains' | 'imports' | 'extends' | 'implements' | 'calls' | 'uses_type' | 'returns_type';

/** How a relation's target was found. */
export type Resolution =
  | 'syntax'
  | 'relative'
  | 'tsconfig'
  | 'workspace'
  | 'absolute'
  | 'external'
  | 'local'
  | 'import'
  | 'member'
  | 'namespace'
  | 'inherited'
  /** Found by the TypeScript checker (the optional precise pass). */
  | 'checker';

export interface KgRelation {
  src: string;
  dst: string;
  kind: RelationKind;
  filePath: string;
  line: number;
  resolution: Resolution;
}

/**
 * What resolution needs to know of an object; the full row travels as `objectRows`.
 * TS objects carry their declared types (see resolve/type-hints.ts) for typed receivers.
 */
export type SymbolObject = Pick<KgObject, 'id' | 'kind' | 'name' | 'qualifiedName' | 'parentId' | 'startLine' | 'metadata'> & DeclaredTypes;

/** A `kg.objects` row as the database returns it (snake_case columns; see index/rows.ts OBJECT_COLUMNS). */
export interface ObjectRecord {
  id: string;
  kind: ObjectKind;
  name: string;
  qualified_name: string;
  language: Language;
  file_path: string | null;
  parent_id: string | null;
  signature: string;
  start_line: number | null;
  end_line: number | null;
  params_json: Param[] | null;
  returns_json: { type: string } | null;
  fields_json: Field[] | null;
  doc: string | null;
  exported: boolean;
  metadata: KgObject['metadata'];
}

/** A `kg.relations` row as the database returns it (snake_case columns). */
export interface RelationRecord {
  kind: RelationKind;
  src: string;
  dst: string;
  file_path: string;
  line: number;
  resolution: string;
}

/** Everything the parse stage learns about one file (the output of a parse worker). */
export interface ParsedFile {
  path: string;
  language: Language;
  moduleName: string;
  sha256: string;
  size: number;
  mtimeMs: number;
  lineCount: number;
  syntaxErrors: number;
  objects: SymbolObject[];
  /** The file's objects as CSV rows for `kg.objects` (see index/rows.ts). */
  objectRows: string;
  imports: RawImport[];
  /** References the worker could not settle from the file alone: the global pass resolves these. */
  calls: RawCall[];
  heritage: RawHeritage[];
  typeRefs: RawTypeRef[];
  /** Relations the worker resolved within the file (contains, local calls, …) as CSV rows for `kg.relations`. */
  localRelationRows: string;
  localRelationCounts: Record<string, number>;
  /**
   * The ranked relations among `localRelationRows` (see search/ranks.ts), as triples of
   * (src index in `objects`, dst index in `objects`, index in `RANKED_KINDS`): PageRank
   * after a first index needs them without reading the graph back. Null when one of them
   * points outside the file's objects.
   */
  localRankEdges: Int32Array | null;
  localCalls: { resolved: number; unresolved: number };
  /** Where the calls the worker settled as unresolved are. */
  localUnresolvedSites: UnresolvedSites;
  /** Class id → base ids resolved within the file. */
  localBases: [string, string[]][];
  explicitExports: string[] | null;
  coverage: FileCoverage;
}

/** How a name bound in a module resolves: to a repository file, or to an external module. */
export interface Binding {
  /** Target file, when the import resolved inside the repository. */
  path?: string;
  external?: string;
  /** Name in the target module; '*' binds the module itself. */
  imported: string;
}

export interface ModuleBindings {
  names: Record<string, Binding>;
  /** Files whose exports this module re-exports wholesale (`export *`, `from x import *`). */
  stars: string[];
}

export type { ImportBinding };
