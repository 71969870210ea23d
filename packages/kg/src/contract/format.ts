import type { KgObject } from '../model.js';
import type { Freshness } from '../query/freshness.js';
import type { Incompleteness } from '../query/unresolved.js';
import type { Clip } from './budget.js';
import type { ObjectRef } from './fields.js';

/** Shared pieces of the compact text answers. */

const fmt = (n: number) => n.toLocaleString('en-US');

export function objectRef(o: Pick<KgObject, 'id' | 'kind' | 'qualifiedName' | 'filePath' | 'startLine' | 'endLine'>): ObjectRef {
  return { id: o.id, kind: o.kind, qualifiedName: o.qualifiedName, filePath: o.filePath, startLine: o.startLine, endLine: o.endLine };
}

export function clipRef(ref: ObjectRef, clip: Clip): ObjectRef {
  return { ...ref, qualifiedName: clip(ref.qualifiedName), filePath: ref.filePath === null ? null : clip(ref.filePath) };
}

/** `src/a.ts:3-9`, or `(external)` for an external module. */
export function where(o: Pick<ObjectRef, 'filePath' | 'startLine' | 'endLine'>, clip: Clip): string {
  if (!o.filePath) return '(external)';
  return `${clip(o.filePath)}:${o.startLine ?? '?'}${o.endLine !== null && o.endLine !== o.startLine ? `-${o.endLine}` : ''}`;
}

/** `:3-9` — lines, when the file is the group header. */
export function lines(o: Pick<ObjectRef, 'startLine' | 'endLine'>): string {
  if (o.startLine === null) return '';
  return `:${o.startLine}${o.endLine !== null && o.endLine !== o.startLine ? `-${o.endLine}` : ''}`;
}

/** The last line of every text answer: how current the index is, and what to do when it is not. */
export function freshnessLine(f: Freshness, clip: Clip): string {
  if (f.fresh) return `index: fresh${f.indexedHead ? ` (HEAD ${f.indexedHead.slice(0, 10)})` : ''}`;
  if (f.runId === null) return 'index: none yet (call kg_index)';
  const examples = f.examples.slice(0, Math.min(3, clip.entries)).map((e) => clip(e));
  const more = f.changedFiles > examples.length ? ', …' : '';
  const changed = f.changedFiles > 0 ? `${fmt(f.changedFiles)} file(s) changed since the last run (${examples.join(', ')}${more})` : '';
  const head = f.currentHead !== f.indexedHead ? 'HEAD moved' : '';
  return `index: STALE: ${[changed, head].filter(Boolean).join('; ')}; call kg_index to refresh`;
}

export function clipFreshness(f: Freshness, clip: Clip): Freshness {
  return { ...f, examples: f.examples.slice(0, Math.min(5, clip.entries)).map((e) => clip(e)) };
}

/** What the answer may lack, in a sentence a reader of the list understands. */
export function incompletenessText(unresolved: Incompleteness, clip: (value: string) => string = (value) => value): string[] {
  const out: string[] = [];
  const callers = unresolved.callersMayMiss;
  if (callers && callers.sites > 0) {
    const names = callers.names.slice(0, 5).map((n) => `\`${clip(n)}\``).join(', ');
    const files = callers.files.slice(0, 5).map((f) => clip(f));
    const more = callers.filesTotal > files.length ? `, … (${fmt(callers.filesTotal)} files)` : '';
    out.push(`may be incomplete: ${fmt(callers.sites)} unresolved call site${callers.sites === 1 ? '' : 's'} call ${names} (in ${files.join(', ')}${more})`);
  }
  const callees = unresolved.calleesMayMiss;
  if (callees && callees.sites > 0) out.push(`may be incomplete: ${fmt(callees.sites)} call site${callees.sites === 1 ? '' : 's'} inside stayed unresolved`);
  return out;
}

export function clipIncompleteness(unresolved: Incompleteness, clip: Clip): Incompleteness {
  return clip.deep(unresolved);
}

export { fmt };
