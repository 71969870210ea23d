import type { CallTarget, RawCall } from '../extract/types.js';

/**
 * Where a file's unresolved call sites are: by the name they call and by the
 * object they sit in. Stored per file (`kg.files.unresolved_sites`), so graph
 * answers can say how many callers or callees they may be missing instead of
 * presenting a lower bound as the whole truth.
 */
export interface UnresolvedSites {
  /** The callee's last name (`m` for `a.b.m()`, `C` for `new ns.C()`) → sites. Dynamic calls have none. */
  byName: Record<string, number>;
  /** Qualified name of the innermost enclosing object (the call's `from`) → sites. */
  byCaller: Record<string, number>;
}

/** Null-prototype maps: a callee named `__proto__` or `constructor` is just a key. */
export function emptyUnresolvedSites(): UnresolvedSites {
  return { byName: Object.create(null) as Record<string, number>, byCaller: Object.create(null) as Record<string, number> };
}

/** The name a call calls, as a reader of the source would search for it; null when it has none. */
export function calleeName(target: CallTarget): string | null {
  switch (target.form) {
    case 'name':
    case 'new': {
      const dot = target.name.lastIndexOf('.');
      return dot < 0 ? target.name : target.name.slice(dot + 1);
    }
    case 'self':
    case 'member':
      return target.property;
    case 'dynamic':
      return null;
  }
}

export function noteUnresolved(sites: UnresolvedSites, call: RawCall): void {
  const name = calleeName(call.target);
  if (name) sites.byName[name] = (sites.byName[name] ?? 0) + 1;
  sites.byCaller[call.from] = (sites.byCaller[call.from] ?? 0) + 1;
}

export function mergeUnresolvedSites(into: UnresolvedSites, from: UnresolvedSites): UnresolvedSites {
  for (const [name, n] of Object.entries(from.byName)) into.byName[name] = (into.byName[name] ?? 0) + n;
  for (const [caller, n] of Object.entries(from.byCaller)) into.byCaller[caller] = (into.byCaller[caller] ?? 0) + n;
  return into;
}
