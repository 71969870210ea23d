import type { ObjectKind } from '../extract/types.js';
import type { SiteTarget } from './call-sites.js';

/**
 * KG objects by file, to attribute a checker site to the objects the
 * tree-sitter pipeline made: the caller is the innermost object around the
 * site's line (the module at top level), the callee the object declared at the
 * declaration's lines under its name. Both are then taken to the last object of
 * the same (qualifiedName, kind) in the file, as the resolver does: an overload
 * set means its implementation, a getter/setter pair one accessor.
 */

export interface ObjectSpan {
  id: string;
  kind: ObjectKind;
  name: string;
  qualifiedName: string;
  filePath: string;
  startLine: number;
  endLine: number;
}

/** Kinds a `calls` edge may point at (the tree-sitter resolver's as well). */
export const CALLABLE_KINDS: ReadonlySet<ObjectKind> = new Set(['function', 'method', 'class']);

interface FileObjects {
  module: ObjectSpan | null;
  /** Non-module objects by start line, outermost first on a tie. */
  spans: ObjectSpan[];
  /** `kind\0qualifiedName` → the last definition. */
  last: Map<string, ObjectSpan>;
  byName: Map<string, ObjectSpan[]>;
}

export class ObjectIndex {
  private readonly files = new Map<string, FileObjects>();

  constructor(objects: Iterable<ObjectSpan>) {
    for (const object of objects) {
      let file = this.files.get(object.filePath);
      if (file === undefined) {
        file = { module: null, spans: [], last: new Map(), byName: new Map() };
        this.files.set(object.filePath, file);
      }
      if (object.kind === 'module') {
        file.module = object;
        continue;
      }
      file.spans.push(object);
      const key = `${object.kind}\0${object.qualifiedName}`;
      const previous = file.last.get(key);
      if (previous === undefined || previous.startLine <= object.startLine) file.last.set(key, object);
      const named = file.byName.get(object.name);
      if (named === undefined) file.byName.set(object.name, [object]);
      else named.push(object);
    }
    for (const file of this.files.values()) file.spans.sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
  }

  /** Ids of every object (module included) of these files. */
  *idsOf(paths: Iterable<string>): Iterable<string> {
    for (const path of paths) {
      const file = this.files.get(path);
      if (file === undefined) continue;
      if (file.module !== null) yield file.module.id;
      for (const span of file.spans) yield span.id;
    }
  }

  private canonical(file: FileObjects, object: ObjectSpan): ObjectSpan {
    return file.last.get(`${object.kind}\0${object.qualifiedName}`) ?? object;
  }

  /** The object a site on `line` belongs to: the innermost around it, else the module. */
  caller(path: string, line: number, callerName: string | null): ObjectSpan | null {
    const file = this.files.get(path);
    if (file === undefined) return null;
    let best: ObjectSpan | null = null;
    for (const span of file.spans) {
      if (span.startLine > line) break;
      if (span.endLine < line) continue;
      if (best === null || innerThan(span, best, callerName)) best = span;
    }
    return best === null ? file.module : this.canonical(file, best);
  }

  /** The callable object a checker declaration denotes, or null when the KG has none there. */
  target(target: SiteTarget): ObjectSpan | null {
    const file = this.files.get(target.path);
    const named = file?.byName.get(target.name);
    if (file === undefined || named === undefined) return null;
    let best: ObjectSpan | null = null;
    for (const object of named) {
      if (object.endLine < target.startLine || object.startLine > target.endLine) continue;
      if (best === null || Math.abs(object.startLine - target.startLine) < Math.abs(best.startLine - target.startLine)) best = object;
    }
    if (best === null) return null;
    const canonical = this.canonical(file, best);
    return CALLABLE_KINDS.has(canonical.kind) ? canonical : null;
  }
}

/** Deeper in the nesting: starts later, else ends sooner, else carries the name the compiler saw around the site. */
function innerThan(candidate: ObjectSpan, best: ObjectSpan, callerName: string | null): boolean {
  if (candidate.startLine !== best.startLine) return candidate.startLine > best.startLine;
  if (candidate.endLine !== best.endLine) return candidate.endLine < best.endLine;
  if (callerName !== null && (candidate.name === callerName) !== (best.name === callerName)) return candidate.name === callerName;
  return candidate.qualifiedName.length > best.qualifiedName.length;
}
