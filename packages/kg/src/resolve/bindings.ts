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

function resolveOne(file: ParsedFile, raw: RawImport, map: ModuleMap): ResolvedImport {
  return file.language === 'py' ? map.resolvePython(file.path, raw.specifier, raw.level) : map.resolveTs(file.path, raw.specifier);
}

function bindingTo(target: ResolvedImport, imported: string): Binding {
  return 'path' in target ? { path: target.path, imported } : { external: target.external, imported };
}

/**
 * Resolve a file's import statements to files (or external modules) and record
 * what every imported name is bound to. The bindings are stored with the file so
 * later incremental runs can resolve other files against it without re-parsing.
 */
export function resolveImports(file: ParsedFile, map: ModuleMap): FileImports {
  const bindings: ModuleBindings = { names: {}, stars: [] };
  const sites: ResolvedImportSite[] = [];
  for (const raw of file.imports) {
    const target = resolveOne(file, raw, map);
    sites.push({ line: raw.line, target });
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
