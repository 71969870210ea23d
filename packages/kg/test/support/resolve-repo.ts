import type { KgRelation, ParsedFile } from '../../src/model.js';
import { parseFile } from '../../src/index/parse-worker.js';
import { walkRepository } from '../../src/index/walk.js';
import { resolveImports, type FileImports } from '../../src/resolve/bindings.js';
import { ModuleMap } from '../../src/resolve/module-map.js';
import { Resolver } from '../../src/resolve/resolver.js';
import { SymbolTable } from '../../src/resolve/symbols.js';
import { writeRepo } from '../../../../test/support/repo.js';

/** Run extraction and both resolution passes in memory (no database) and name every edge. */
export function resolveRepo(files: Record<string, string>) {
  return resolveTree(writeRepo(files));
}

/**
 * An object as the accuracy tests key it: file, kind, qualified name. No ordinal: the
 * resolver links a name to the last definition of its kind (an overloaded function's
 * implementation), so overloads are one callee.
 */
export interface ObjectKey {
  filePath: string;
  kind: string;
  qualifiedName: string;
}

/** `resolveRepo` on a directory already on disk (a corpus), with the relations and objects behind the edge strings. */
export function resolveTree(root: string) {
  const walk = walkRepository(root);
  // Object.assign, not literals: the walk and parse-job shapes grow fields (root, size, limits) this helper passes through.
  const treeRoot = (walk as { root?: string }).root ?? root;
  const map = new ModuleMap(Object.assign({ root: treeRoot }, walk));
  const parsed: ParsedFile[] = [];
  for (const f of walk.files) {
    const outcome = parseFile(Object.assign({ moduleName: map.moduleName(f.path), root: treeRoot, maxBytes: 1024 * 1024 }, f));
    if (outcome.ok) parsed.push(outcome.file);
  }
  const table = new SymbolTable();
  const imports = new Map<string, FileImports>();
  const relations: KgRelation[] = [];
  for (const file of parsed) {
    const resolved = resolveImports(file, map);
    imports.set(file.path, resolved);
    table.addParsed(file, resolved.bindings);
    // What the parse worker already settled within the file.
    for (const [classId, baseIds] of file.localBases) table.addBases(classId, baseIds);
    relations.push(...decodeRelationRows(file.localRelationRows));
  }
  const resolver = new Resolver(table, map);
  for (const file of parsed) relations.push(...resolver.resolveHeritage(file).relations);
  const unresolved: Record<string, number> = {};
  const external: Record<string, number> = {};
  for (const file of parsed) {
    const result = resolver.resolveFile(file, imports.get(file.path) as FileImports);
    relations.push(...result.relations);
    unresolved[file.path] = result.calls.unresolved + file.localCalls.unresolved;
    external[file.path] = result.calls.external;
  }
  const names = new Map<string, string>();
  const objects = new Map<string, ObjectKey>();
  for (const file of parsed) {
    for (const o of file.objects) {
      names.set(o.id, `${o.qualifiedName}@${file.path}`);
      objects.set(o.id, { filePath: file.path, kind: o.kind, qualifiedName: o.qualifiedName });
    }
  }
  for (const file of parsed) for (const r of resolver.resolveFile(file, imports.get(file.path) as FileImports).externalModules) names.set(r.id, `${r.qualifiedName}@external`);
  const edges = relations
    .filter((r) => r.kind !== 'contains')
    .map((r) => `${r.kind} ${names.get(r.src)} -> ${names.get(r.dst)} [${r.resolution}]`)
    .sort();
  return { edges, unresolved, external, relations, objects, files: parsed.length };
}

const RELATION_ROW = /^"([^"]*)","([^"]*)","([^"]*)","((?:[^"]|"")*)",(\d+),"([^"]*)"$/;

function decodeRelationRows(rows: string): KgRelation[] {
  return rows
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const m = RELATION_ROW.exec(line);
      if (!m) throw new Error(`not a relation row: ${line}`);
      return { src: m[1], dst: m[2], kind: m[3], filePath: (m[4] as string).replace(/""/g, '"'), line: Number(m[5]), resolution: m[6] } as KgRelation;
    });
}

