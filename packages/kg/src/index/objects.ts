import { stableUuid } from '@agentlane/core';
import type { ExtractResult, Language, ObjectKind } from '../extract/types.js';
import type { KgObject } from '../model.js';

/**
 * Stable object ids: a hash (formatted as a UUID) of language, file path,
 * qualified name, kind and the ordinal among same-named definitions. No line numbers, so editing one function
 * keeps the id of every other object in the file.
 */
export function objectId(language: Language, filePath: string, qualifiedName: string, kind: ObjectKind, ordinal = 0): string {
  return stableUuid([language, filePath, qualifiedName, kind, ordinal]);
}

export function externalModuleId(language: Language, name: string): string {
  return stableUuid([language, '', name, 'external_module', 0]);
}

export function externalModuleObject(language: Language, name: string): KgObject {
  const segments = name.split('/');
  return {
    id: externalModuleId(language, name),
    kind: 'external_module',
    name: segments[segments.length - 1] ?? name,
    qualifiedName: name,
    language,
    filePath: null,
    parentId: null,
    signature: name,
    startLine: null,
    endLine: null,
    params: null,
    returns: null,
    fields: null,
    doc: null,
    exported: true,
    metadata: { language },
  };
}

/** Kinds that can contain other objects, most specific first when names collide. */
const CONTAINER_PREFERENCE: readonly ObjectKind[] = ['class', 'interface', 'namespace', 'enum', 'function', 'method', 'type', 'module'];

export function toKgObjects(result: ExtractResult, filePath: string): KgObject[] {
  const ids = result.objects.map((o) => objectId(result.language, filePath, o.qualifiedName, o.kind, o.ordinal));
  const moduleIndex = result.objects.findIndex((o) => o.kind === 'module');
  const moduleId = moduleIndex >= 0 ? (ids[moduleIndex] as string) : null;
  // The last definition of each qualified name per kind is the one that holds members.
  const containers = new Map<string, Map<ObjectKind, string>>();
  result.objects.forEach((o, i) => {
    if (o.kind === 'module') return;
    let byKind = containers.get(o.qualifiedName);
    if (!byKind) containers.set(o.qualifiedName, (byKind = new Map()));
    byKind.set(o.kind, ids[i] as string);
  });
  const parentOf = (qualifiedName: string): string | null => {
    const dot = qualifiedName.lastIndexOf('.');
    if (dot < 0) return moduleId;
    const byKind = containers.get(qualifiedName.slice(0, dot));
    if (!byKind) return moduleId;
    for (const kind of CONTAINER_PREFERENCE) {
      const id = byKind.get(kind);
      if (id) return id;
    }
    return moduleId;
  };
  return result.objects.map((o, i) => ({
    id: ids[i] as string,
    kind: o.kind,
    name: o.name,
    qualifiedName: o.qualifiedName,
    language: result.language,
    filePath,
    parentId: o.kind === 'module' ? null : parentOf(o.qualifiedName),
    signature: o.signature,
    startLine: o.startLine,
    endLine: o.endLine,
    params: o.params,
    returns: o.returns,
    fields: o.fields,
    doc: o.doc,
    exported: o.exported,
    metadata: o.ordinal > 0 ? { ...o.metadata, ordinal: o.ordinal } : o.metadata,
  }));
}
