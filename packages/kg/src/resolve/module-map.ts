import fs from 'node:fs';
import path from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { CONFIG_MAX_BYTES, readTreeFile } from '../index/safe-read.js';
import { stripSourceExtension } from '../extract/language.js';
import type { Language } from '../extract/types.js';

/**
 * Maps import specifiers to repository files, the way the languages' own
 * tooling would: TS relative paths with extension substitution and index files,
 * tsconfig `paths`/`baseUrl` (nearest tsconfig, `extends` followed), workspace
 * packages by name; Python absolute imports from the source roots (repo root,
 * `src/` layouts, project directories) and relative imports by package level.
 * Anything else is external.
 */
export type ImportResolution = 'relative' | 'tsconfig' | 'workspace' | 'absolute' | 'external';

export type ResolvedImport = { path: string; resolution: ImportResolution } | { external: string; resolution: 'external' };

export interface ModuleMapInput {
  root: string;
  files: readonly { path: string; language: Language }[];
  tsconfigs: readonly string[];
  packageJsons: readonly string[];
  pythonProjects: readonly string[];
}

interface TsconfigPaths {
  /** Repo-relative directory of the tsconfig that declares baseUrl/paths. */
  dir: string;
  baseUrl: string | null;
  paths: [pattern: string, targets: string[]][];
}

const TS_EXTENSIONS = ['.ts', '.tsx', '.d.ts', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
const JS_TO_TS: ReadonlyMap<string, readonly string[]> = new Map([
  ['.js', ['.ts', '.tsx', '.d.ts', '.js', '.jsx']],
  ['.jsx', ['.tsx', '.jsx']],
  ['.mjs', ['.mts', '.d.mts', '.mjs']],
  ['.cjs', ['.cts', '.d.cts', '.cjs']],
]);

const posixJoin = (...parts: string[]) => path.posix.normalize(path.posix.join(...parts)).replace(/^\.\//, '');
const dirOf = (p: string) => {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
};

/** A tsconfig or package.json of the tree: read only if it is a regular file inside `root`, size-capped. */
function readJson(root: string, file: string): Record<string, unknown> | null {
  const read = readTreeFile(file, { root, maxBytes: CONFIG_MAX_BYTES, verifyDirectory: true });
  if (!read.ok) return null;
  try {
    const value: unknown = parseJsonc(read.bytes.toString('utf8'), [], { allowTrailingComma: true });
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function realRootOf(root: string): string {
  try {
    return fs.realpathSync.native(root);
  } catch {
    return path.resolve(root);
  }
}

export class ModuleMap {
  private readonly fileSet: Set<string>;
  private readonly tsconfigByDir = new Map<string, TsconfigPaths | null>();
  private readonly workspacePackages = new Map<string, string>();
  /** Python source roots, deepest first. '' is the repository root. */
  private readonly pythonRoots: string[];
  private readonly moduleNames = new Map<string, string>();
  private readonly pythonModules = new Map<string, string>();
  /** The root's real path: config files are read only from inside it. */
  private readonly realRoot: string;

  constructor(private readonly input: ModuleMapInput) {
    this.realRoot = realRootOf(input.root);
    this.fileSet = new Set(input.files.map((f) => f.path));
    for (const tsconfig of input.tsconfigs) {
      if (!tsconfig.endsWith('tsconfig.json') && !tsconfig.endsWith('jsconfig.json')) continue;
      this.tsconfigByDir.set(dirOf(tsconfig), this.loadTsconfig(tsconfig, 0));
    }
    for (const pkg of input.packageJsons) {
      const json = readJson(this.realRoot, path.join(this.realRoot, pkg));
      if (json && typeof json.name === 'string') this.workspacePackages.set(json.name, dirOf(pkg));
    }
    const roots = new Set<string>(['']);
    for (const project of input.pythonProjects) {
      roots.add(project);
      if (!this.fileSet.has(posixJoin(project, 'src/__init__.py'))) roots.add(posixJoin(project, 'src'));
    }
    if (!this.fileSet.has('src/__init__.py')) roots.add('src');
    this.pythonRoots = [...roots].sort((a, b) => b.length - a.length);
    for (const file of input.files) {
      const name = file.language === 'py' ? this.pythonModuleName(file.path) : stripSourceExtension(file.path);
      this.moduleNames.set(file.path, name);
      if (file.language === 'py') {
        // The first file wins for a module name (`.py` sorts before `.pyi`).
        if (!this.pythonModules.has(name)) this.pythonModules.set(name, file.path);
      }
    }
  }

  has(filePath: string): boolean {
    return this.fileSet.has(filePath);
  }

  moduleName(filePath: string): string {
    return this.moduleNames.get(filePath) ?? stripSourceExtension(filePath);
  }

  private pythonModuleName(filePath: string): string {
    const root = this.pythonRoots.find((r) => r === '' || filePath.startsWith(`${r}/`)) ?? '';
    const rel = root === '' ? filePath : filePath.slice(root.length + 1);
    const parts = stripSourceExtension(rel).split('/');
    if (parts[parts.length - 1] === '__init__') parts.pop();
    return parts.join('.') || stripSourceExtension(rel);
  }

  private loadTsconfig(tsconfig: string, depth: number): TsconfigPaths | null {
    const json = readJson(this.realRoot, path.join(this.realRoot, tsconfig));
    if (!json) return null;
    const dir = dirOf(tsconfig);
    let inherited: TsconfigPaths | null = null;
    if (typeof json.extends === 'string' && json.extends.startsWith('.') && depth < 5) {
      const target = posixJoin(dir, json.extends.endsWith('.json') ? json.extends : `${json.extends}.json`);
      inherited = this.loadTsconfig(target, depth + 1);
    }
    const options = (json.compilerOptions ?? {}) as { baseUrl?: unknown; paths?: unknown };
    const baseUrl = typeof options.baseUrl === 'string' ? posixJoin(dir, options.baseUrl) : null;
    const paths =
      options.paths && typeof options.paths === 'object'
        ? Object.entries(options.paths as Record<string, unknown>).map(
            ([pattern, targets]) =>
              [pattern, Array.isArray(targets) ? targets.filter((t): t is string => typeof t === 'string') : []] as [string, string[]],
          )
        : null;
    if (!baseUrl && !paths) return inherited;
    return {
      dir: paths ? dir : (inherited?.dir ?? dir),
      baseUrl: baseUrl ?? inherited?.baseUrl ?? null,
      paths: paths ?? inherited?.paths ?? [],
    };
  }

  private nearestTsconfig(filePath: string): TsconfigPaths | null {
    let dir = dirOf(filePath);
    for (;;) {
      const found = this.tsconfigByDir.get(dir);
      if (found) return found;
      if (dir === '') return null;
      dir = dirOf(dir);
    }
  }

  /** `base` without extension or with a JS extension → the TS source file, or an index file. */
  private probeTs(base: string): string | null {
    const ext = path.posix.extname(base);
    const swaps = JS_TO_TS.get(ext);
    if (swaps) {
      const stem = base.slice(0, -ext.length);
      for (const candidate of swaps) if (this.fileSet.has(stem + candidate)) return stem + candidate;
    }
    if (this.fileSet.has(base) && TS_EXTENSIONS.some((e) => base.endsWith(e))) return base;
    for (const candidate of TS_EXTENSIONS) if (this.fileSet.has(base + candidate)) return base + candidate;
    for (const candidate of TS_EXTENSIONS) if (this.fileSet.has(`${base}/index${candidate}`)) return `${base}/index${candidate}`;
    return null;
  }

  private probeWorkspacePackage(dir: string, subpath: string): string | null {
    if (subpath) {
      return this.probeTs(posixJoin(dir, subpath)) ?? this.probeTs(posixJoin(dir, 'src', subpath));
    }
    const json = readJson(this.realRoot, path.join(this.realRoot, dir, 'package.json')) ?? {};
    const entries: string[] = [];
    for (const key of ['source', 'types', 'typings', 'module', 'main']) {
      const value = json[key];
      if (typeof value === 'string') entries.push(value);
    }
    for (const entry of entries) {
      const direct = this.probeTs(posixJoin(dir, entry));
      // Compiled entry points (`dist/index.js`) map back to their sources (`src/index.ts`).
      const fromSource = this.probeTs(posixJoin(dir, entry.replace(/^(\.\/)?(dist|lib|build|out)\//, 'src/').replace(/\.d\.ts$/, '')));
      if (fromSource) return fromSource;
      if (direct && !direct.endsWith('.d.ts')) return direct;
    }
    return this.probeTs(posixJoin(dir, 'src/index')) ?? this.probeTs(posixJoin(dir, 'index'));
  }

  resolveTs(fromFile: string, specifier: string): ResolvedImport {
    if (specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..') {
      const found = this.probeTs(posixJoin(dirOf(fromFile), specifier));
      return found ? { path: found, resolution: 'relative' } : { external: posixJoin(dirOf(fromFile), specifier), resolution: 'external' };
    }
    const config = this.nearestTsconfig(fromFile);
    if (config) {
      for (const [pattern, targets] of config.paths) {
        const star = pattern.indexOf('*');
        let captured: string | null = null;
        if (star < 0) captured = pattern === specifier ? '' : null;
        else {
          const prefix = pattern.slice(0, star);
          const suffix = pattern.slice(star + 1);
          if (specifier.startsWith(prefix) && specifier.endsWith(suffix) && specifier.length >= prefix.length + suffix.length) {
            captured = specifier.slice(prefix.length, specifier.length - suffix.length);
          }
        }
        if (captured === null) continue;
        const base = config.baseUrl ?? config.dir;
        for (const target of targets) {
          const found = this.probeTs(posixJoin(base, target.replace('*', captured)));
          if (found) return { path: found, resolution: 'tsconfig' };
        }
      }
      if (config.baseUrl !== null) {
        const found = this.probeTs(posixJoin(config.baseUrl, specifier));
        if (found) return { path: found, resolution: 'tsconfig' };
      }
    }
    const parts = specifier.split('/');
    const packageName = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
    const packageDir = this.workspacePackages.get(packageName);
    if (packageDir !== undefined) {
      const subpath = parts.slice(specifier.startsWith('@') ? 2 : 1).join('/');
      const found = this.probeWorkspacePackage(packageDir, subpath);
      if (found) return { path: found, resolution: 'workspace' };
    }
    return { external: packageName, resolution: 'external' };
  }

  /** The file of a Python module name, if it is in the repository. */
  pythonModuleFile(moduleName: string): string | null {
    return this.pythonModules.get(moduleName) ?? null;
  }

  /** Absolute name of a Python import written in `fromFile`. */
  absolutePythonName(fromFile: string, specifier: string, level: number): string | null {
    if (level === 0) return specifier;
    const own = this.moduleName(fromFile).split('.');
    const isPackage = /(^|\/)__init__\.pyi?$/.test(fromFile);
    const packageParts = isPackage ? own : own.slice(0, -1);
    const up = level - 1;
    if (up > packageParts.length) return null;
    const base = packageParts.slice(0, packageParts.length - up);
    if (specifier) base.push(...specifier.split('.'));
    return base.join('.');
  }

  /**
   * The file an import statement makes the interpreter load, for the `imports`
   * edge: `from X import name` loads the submodule X.name when it is a file
   * (pass `name`), else X; `import a.b.c` loads a.b.c. A dotted name that is
   * not a file itself (`import os.path`: an attribute os sets) falls back to
   * its deepest prefix that is one, since that module is what runs.
   */
  resolvePythonImport(fromFile: string, specifier: string, level: number, name: string | null): ResolvedImport {
    const absolute = this.absolutePythonName(fromFile, specifier, level);
    const resolution = level > 0 ? 'relative' : 'absolute';
    if (absolute !== null && name !== null && name !== '*') {
      const submodule = this.pythonModuleFile(absolute ? `${absolute}.${name}` : name);
      if (submodule) return { path: submodule, resolution };
    }
    const direct = this.resolvePython(fromFile, specifier, level);
    if (!('external' in direct) || absolute === null) return direct;
    const parts = absolute.split('.');
    for (let n = parts.length - 1; n > 0; n -= 1) {
      const file = this.pythonModuleFile(parts.slice(0, n).join('.'));
      if (file) return { path: file, resolution };
    }
    return direct;
  }

  resolvePython(fromFile: string, specifier: string, level: number): ResolvedImport {
    const absolute = this.absolutePythonName(fromFile, specifier, level);
    if (absolute === null) return { external: `${'.'.repeat(level)}${specifier}`, resolution: 'external' };
    const file = this.pythonModuleFile(absolute);
    if (file) return { path: file, resolution: level > 0 ? 'relative' : 'absolute' };
    return { external: absolute || '.', resolution: 'external' };
  }
}
