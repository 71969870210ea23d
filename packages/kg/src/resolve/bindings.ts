import type { RawImport } from '../extract/types.js';
import type { Binding, ModuleBindings, ParsedFile } from '../model.js';
import type { ModuleMap, ResolvedImport } from './module-map.js';

export interface ResolvedImportSite {
  line: number;
  target: ResolvedImport;
}

export interface FileImports {
  bindings: ModuleBindings;
  sites: ResolvedImportSite[];
}

/**
 * The binding of `name`, or undefined. Bindings are a name→binding record that
 * round-trips through JSON (kg.files.bindings), so a lookup must never see
 * `Object.prototype` (`toString`, `constructor`, `__proto__` are ordinary
 * Python and TS names): own properties only.
 */
export function bindingOf(bindings: ModuleBindings, name: string): Binding | undefined {
  return Object.hasOwn(bindings.names, name) ? bindings.names[name] : undefined;
}

/** Bindings with a prototype-free names table (for bindings read back from JSON). */
export function normalizeBindings(bindings: ModuleBindings | null | undefined): ModuleBindings {
  const names: Record<string, Binding> = Object.create(null) as Record<string, Binding>;
  if (bindings?.names) for (const [name, binding] of Object.entries(bindings.names)) names[name] = binding;
  return { names, stars: Array.isArray(bindings?.stars) ? [...bindings.stars] : [] };
}

function resolveOne(file: ParsedFile, raw: RawImport, map: ModuleMap): ResolvedImport {
  return file.language === 'py' ? map.resolvePython(file.path, raw.specifier, raw.level) : map.resolveTs(file.path, raw.specifier);
}

function bindingTo(target: ResolvedImport, imported: string): Binding {
  return 'path' in target ? { path: target.path, imported } : { external: target.external, imported };
}

/**
 * The files one import statement loads (its `imports` edges). TS: the module.
 * Python: `from pkg import a, b` loads each submodule that is a file and the
 * package otherwise; `import a.b.c` loads a/b/c (see resolvePythonImport).
 */
function importTargets(file: ParsedFile, raw: RawImport, map: ModuleMap, target: ResolvedImport): ResolvedImport[] {
  if (file.language !== 'py') return [target];
  const names = raw.names.length === 0 ? [null] : raw.names.map((n) => (n.local === null || n.imported === '*' ? null : n.imported));
  const out: ResolvedImport[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const site = map.resolvePythonImport(file.path, raw.specifier, raw.level, name);
    const key = 'path' in site ? `p:${site.path}` : `e:${site.external}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(site);
  }
  return out;
}

/**
 * Resolve a file's import statements to files (or external modules) and record
 * what every imported name is bound to. The bindings are stored with the file so
 * later incremental runs can resolve other files against it without re-parsing.
 */
export function resolveImports(file: ParsedFile, map: ModuleMap): FileImports {
  const bindings = normalizeBindings(null);
  const sites: ResolvedImportSite[] = [];
  for (const raw of file.imports) {
    const target = resolveOne(file, raw, map);
    for (const site of importTargets(file, raw, map, target)) sites.push({ line: raw.line, target: site });
    for (const { imported, local } of raw.names) {
      if (local === null) {
        if (imported === '*' && 'path' in target && !bindings.stars.includes(target.path)) bindings.stars.push(target.path);
        continue;
      }
      const isPythonDottedImport =
        file.language === 'py' && imported === '*' && raw.level === 0 && raw.specifier.includes('.') && local === raw.specifier.split('.')[0];
      if (isPythonDottedImport) {
        // `import a.b.c` binds `a`; `a.b.c` is reached through submodules.
        bindings.names[local] = bindingTo(map.resolvePython(file.path, local, 0), '*');
        continue;
      }
      bindings.names[local] = bindingTo(target, imported);
    }
  }
  return { bindings, sites };
}
