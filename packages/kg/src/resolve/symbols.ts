import type { Sql } from '@agentlane/store';
import type { Language, ObjectKind } from '../extract/types.js';
import type { KgObject, ModuleBindings, ParsedFile } from '../model.js';
import { normalizeBindings } from './bindings.js';
import { declaredTypesFor, type DeclaredTypes } from './type-hints.js';

export interface SymbolRef extends DeclaredTypes {
  id: string;
  kind: ObjectKind;
  qualifiedName: string;
  filePath: string;
}

export interface ModuleSymbols {
  path: string;
  language: Language;
  moduleName: string;
  moduleId: string;
  /** Objects by qualified name; one ref per kind (the last definition of that kind). */
  objects: Map<string, SymbolRef[]>;
  /** TS `export default` target. */
  defaultExport: SymbolRef | null;
  bindings: ModuleBindings;
}

/**
 * Every module the resolver can see: the files being resolved (from the parse
 * stage) and, on incremental runs, the modules they reach (loaded from the DB).
 */
export class SymbolTable {
  readonly modules = new Map<string, ModuleSymbols>();
  readonly byId = new Map<string, SymbolRef>();
  /** Class/interface id → ids of the types it extends (resolved). */
  readonly bases = new Map<string, string[]>();
  /** Files of base types loaded as ids only (their module not loaded yet). */
  readonly baseFiles = new Map<string, string>();
  /**
   * Repository files a lookup needed but the table does not hold. Incremental
   * runs load them and resolve again, so only what is actually reached is read.
   */
  readonly missing = new Set<string>();

  addModule(
    path: string,
    language: Language,
    moduleName: string,
    objects: readonly (Pick<KgObject, 'id' | 'kind' | 'qualifiedName' | 'metadata'> & DeclaredTypes)[],
    bindings: ModuleBindings,
  ): ModuleSymbols {
    const module: ModuleSymbols = { path, language, moduleName, moduleId: '', objects: new Map(), defaultExport: null, bindings: normalizeBindings(bindings) };
    for (const object of objects) {
      const ref: SymbolRef = { id: object.id, kind: object.kind, qualifiedName: object.qualifiedName, filePath: path };
      if (object.valueType !== undefined) ref.valueType = object.valueType;
      if (object.returnType !== undefined) ref.returnType = object.returnType;
      if (object.paramTypes !== undefined) ref.paramTypes = object.paramTypes;
      if (object.typeConstraints !== undefined) ref.typeConstraints = object.typeConstraints;
      this.byId.set(object.id, ref);
      if (object.kind === 'module') {
        module.moduleId = object.id;
        continue;
      }
      const refs = module.objects.get(object.qualifiedName);
      if (!refs) module.objects.set(object.qualifiedName, [ref]);
      else {
        const sameKind = refs.findIndex((r) => r.kind === ref.kind);
        if (sameKind >= 0) refs[sameKind] = ref;
        else refs.push(ref);
      }
      const modifiers = (object.metadata as { modifiers?: unknown }).modifiers;
      if (Array.isArray(modifiers) && modifiers.includes('default') && !object.qualifiedName.includes('.')) module.defaultExport = ref;
    }
    this.modules.set(path, module);
    return module;
  }

  addParsed(file: ParsedFile, bindings: ModuleBindings): ModuleSymbols {
    return this.addModule(file.path, file.language, file.moduleName, file.objects, bindings);
  }

  /** Record base types of a class; bases found by an earlier pass are kept first. */
  addBases(classId: string, baseIds: readonly string[]): void {
    if (baseIds.length > 0) this.bases.set(classId, [...new Set([...(this.bases.get(classId) ?? []), ...baseIds])]);
  }
}

interface ObjectRow {
  id: string;
  kind: ObjectKind;
  qualified_name: string;
  file_path: string;
  ordinal: number | null;
  metadata: Record<string, unknown>;
  returns_json: { type: string } | null;
  params_json: { type: string | null }[] | null;
  signature: string;
  fields_json: { name: string; type: string | null; default: string | null }[] | null;
}

/**
 * Load modules from the database into the table, so names can be followed into
 * files that were not re-parsed, with the base classes of their classes. What a
 * lookup reaches beyond them is recorded in `table.missing` and loaded on demand.
 */
export async function loadModules(sql: Sql, table: SymbolTable, paths: Iterable<string>): Promise<void> {
  const wanted = [...new Set(paths)].filter((p) => !table.modules.has(p));
  if (wanted.length === 0) return;
  const files = await sql.query<{ path: string; language: Language; module_name: string; bindings: ModuleBindings }>(
    'SELECT path, language, module_name, bindings FROM kg.files WHERE path = ANY($1::text[])',
    [wanted],
  );
  const objects = await sql.query<ObjectRow>(
    `SELECT id, kind, qualified_name, file_path, (metadata->>'ordinal')::int AS ordinal, metadata, returns_json, params_json, fields_json, signature
       FROM kg.objects WHERE file_path = ANY($1::text[]) ORDER BY file_path, ordinal NULLS FIRST`,
    [wanted],
  );
  const byFile = new Map<string, ObjectRow[]>();
  for (const row of objects.rows) {
    const list = byFile.get(row.file_path);
    if (list) list.push(row);
    else byFile.set(row.file_path, [row]);
  }
  for (const file of files.rows) {
    const rows = byFile.get(file.path) ?? [];
    const types = declaredTypesFor(
      file.language,
      rows.map((r) => ({ kind: r.kind, qualifiedName: r.qualified_name, signature: r.signature, params: r.params_json, returns: r.returns_json, fields: r.fields_json, metadata: r.metadata })),
    );
    table.addModule(
      file.path,
      file.language,
      file.module_name,
      rows.map((r, i) => ({ id: r.id, kind: r.kind, qualifiedName: r.qualified_name, metadata: r.metadata, ...types[i] })),
      file.bindings,
    );
  }
  const classIds = objects.rows.filter((r) => r.kind === 'class' || r.kind === 'interface').map((r) => r.id);
  if (classIds.length === 0) return;
  const bases = await sql.query<{ src: string; dst: string; dst_file: string | null }>(
    `SELECT r.src, r.dst, o.file_path AS dst_file FROM kg.relations r JOIN kg.objects o ON o.id = r.dst
      WHERE r.src = ANY($1::uuid[]) AND r.kind = 'extends'`,
    [classIds],
  );
  const grouped = new Map<string, string[]>();
  for (const row of bases.rows) {
    grouped.set(row.src, [...(grouped.get(row.src) ?? []), row.dst]);
    if (row.dst_file) table.baseFiles.set(row.dst, row.dst_file);
  }
  for (const [src, dsts] of grouped) if (!table.bases.has(src)) table.addBases(src, dsts);
}
