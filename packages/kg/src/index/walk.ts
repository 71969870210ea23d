import fs from 'node:fs';
import path from 'node:path';
import ignoreModule, { type Ignore } from 'ignore';

// A CommonJS module: its default import is the exports object, whose `default` is the factory.
const ignore = ignoreModule.default;
import { languageFor } from '../extract/language.js';
import type { Language } from '../extract/types.js';
import { CONFIG_MAX_BYTES, fileKind, readTreeFile } from './safe-read.js';

export type SkipReason =
  | 'too_large'
  | 'binary'
  | 'not_utf8'
  | 'unreadable'
  /** A FIFO, device or socket where a source or config file was expected: never opened for reading. */
  | 'not_regular'
  | 'symlink_loop'
  | 'broken_symlink'
  | 'symlink_outside_repo'
  | 'symlink_duplicate'
  | 'vendored_dir'
  | 'build_dir'
  | 'generated'
  | 'parse_failed';

export interface SkippedPath {
  /** Repo-relative, '/'-separated. */
  path: string;
  reason: SkipReason;
  detail?: string;
  size?: number;
  /** Modification time when the skip was decided by the content (binary, not_utf8, too_large): unchanged files keep their skip without a re-read. */
  mtimeMs?: number;
}

export interface WalkedFile {
  path: string;
  absolutePath: string;
  language: Language;
  size: number;
  mtimeMs: number;
}

export interface WalkResult {
  /** The canonical (realpath) root that was walked: every file read must resolve inside it. */
  root: string;
  files: WalkedFile[];
  skipped: SkippedPath[];
  /** Repo-relative paths of tsconfig/jsconfig and package.json files, for import resolution. */
  tsconfigs: string[];
  packageJsons: string[];
  /** Directories holding pyproject.toml / setup.py / setup.cfg: Python source roots. */
  pythonProjects: string[];
}

export interface WalkOptions {
  /** @defaultValue 1 MiB */
  maxFileBytes?: number;
}

/** Third-party code checked into or installed under the tree. */
const VENDORED_DIRS = new Set(['node_modules', 'bower_components', 'vendor', 'third_party', 'site-packages', '.venv', 'venv', '__pypackages__', 'jspm_packages']);
/** Tool caches and framework output, wherever they are. */
const BUILD_DIRS = new Set(['.next', '.nuxt', '.svelte-kit', '__pycache__', '.tox', '.nox', '.mypy_cache', '.pytest_cache', '.ruff_cache', '.turbo', '.cache', '.parcel-cache', '.eggs']);
/**
 * Conventional output folders. Skipped only at a project root (the repository
 * root or a folder with a package manifest): `src/coverage/` or `lib/build/`
 * deeper down is usually source code.
 */
const OUTPUT_DIRS = new Set(['dist', 'build', 'out', 'coverage']);
const PROJECT_MARKERS = ['package.json', 'pyproject.toml', 'setup.py', 'setup.cfg', 'tsconfig.json'];
/** Never walked and not worth a record. */
const SILENT_DIRS = new Set(['.git', '.hg', '.svn', '.agentlane']);
const GENERATED_FILE = /\.(min|bundle)\.[cm]?js$/;

const toPosix = (p: string) => p.split(path.sep).join('/');

/** Whether a directory (repo-relative, holding these names) is a project root: output folders are skipped there only. */
function projectRoot(relDir: string, names: readonly string[]): boolean {
  return relDir === '' || names.some((name) => PROJECT_MARKERS.includes(name));
}

/** Why the walk does not enter a directory of this name ('silent': not even recorded), or null when it does. */
function directorySkip(name: string, isProjectRoot: boolean): 'silent' | 'vendored_dir' | 'build_dir' | null {
  if (SILENT_DIRS.has(name)) return 'silent';
  if (VENDORED_DIRS.has(name)) return 'vendored_dir';
  if (BUILD_DIRS.has(name) || (OUTPUT_DIRS.has(name) && isProjectRoot)) return 'build_dir';
  return null;
}

interface IgnoreScope {
  /** Repo-relative directory the .gitignore lives in ('' for the root). */
  base: string;
  rules: Ignore;
}

const IGNORE_FILE = '.gitignore';

/** A directory's .gitignore, read like any other file of the tree; one that cannot be read safely is ignored and recorded. */
function loadGitignore(rootReal: string, absDir: string, relDir: string, skipped: SkippedPath[]): IgnoreScope | null {
  const read = readTreeFile(path.join(absDir, IGNORE_FILE), { root: rootReal, maxBytes: CONFIG_MAX_BYTES });
  if (!read.ok) {
    if (!(read.reason === 'unreadable' && read.detail === 'ENOENT')) skipped.push({ path: relDir ? `${relDir}/${IGNORE_FILE}` : IGNORE_FILE, reason: read.reason, detail: read.detail, size: read.size });
    return null;
  }
  return { base: relDir, rules: ignore().add(read.bytes.toString('utf8')) };
}

const isConfigName = (name: string) =>
  name === 'tsconfig.json' || name === 'jsconfig.json' || /^tsconfig\..+\.json$/.test(name) || name === 'package.json';

function ignoredBy(scopes: readonly IgnoreScope[], relPath: string, isDir: boolean): boolean {
  for (const scope of scopes) {
    const inner = scope.base === '' ? relPath : relPath.slice(scope.base.length + 1);
    if (scope.rules.ignores(isDir ? `${inner}/` : inner)) return true;
  }
  return false;
}

/**
 * List the source files of a repository, honouring .gitignore files at every
 * level, skipping vendored and build directories, oversized and generated files,
 * and symlinks that loop or leave the tree. Every skip is returned with its reason.
 */
export function walkRepository(root: string, options: WalkOptions = {}): WalkResult {
  const maxFileBytes = options.maxFileBytes ?? 1024 * 1024;
  const rootReal = fs.realpathSync(root);
  const result: WalkResult = { root: rootReal, files: [], skipped: [], tsconfigs: [], packageJsons: [], pythonProjects: [] };

  const visit = (absDir: string, relDir: string, scopes: IgnoreScope[], ancestors: Set<string>) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(absDir, { withFileTypes: true });
    } catch (error) {
      result.skipped.push({ path: relDir || '.', reason: 'unreadable', detail: (error as NodeJS.ErrnoException).code ?? String(error) });
      return;
    }
    // Only where one is listed: no failed open per directory.
    const own = entries.some((e) => e.name === IGNORE_FILE) ? loadGitignore(rootReal, absDir, relDir, result.skipped) : null;
    const active = own ? [...scopes, own] : scopes;
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const isProjectRoot = projectRoot(relDir, entries.map((e) => e.name));
    for (const entry of entries) {
      if (entry.name === IGNORE_FILE) continue;
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      const abs = path.join(absDir, entry.name);
      const isDir = entry.isDirectory();
      const isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        let real: string;
        let stat: fs.Stats;
        try {
          real = fs.realpathSync(abs);
          stat = fs.statSync(real);
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          result.skipped.push({ path: rel, reason: code === 'ELOOP' ? 'symlink_loop' : 'broken_symlink', detail: code });
          continue;
        }
        if (ignoredBy(active, rel, stat.isDirectory())) continue;
        if (real !== rootReal && !real.startsWith(rootReal + path.sep)) {
          result.skipped.push({ path: rel, reason: 'symlink_outside_repo', detail: real });
          continue;
        }
        if (stat.isDirectory() && ancestors.has(real)) {
          result.skipped.push({ path: rel, reason: 'symlink_loop', detail: `points to ${toPosix(path.relative(rootReal, real)) || '.'}` });
          continue;
        }
        // The target is inside the tree, so it is indexed under its own path.
        if (stat.isDirectory() || languageFor(entry.name)) {
          result.skipped.push({ path: rel, reason: 'symlink_duplicate', detail: `points to ${toPosix(path.relative(rootReal, real))}` });
        }
        continue;
      }
      if (isDir) {
        const skip = directorySkip(entry.name, isProjectRoot);
        if (skip === 'silent') continue;
        if (ignoredBy(active, rel, true)) continue;
        if (skip !== null) {
          result.skipped.push({ path: rel, reason: skip });
          continue;
        }
        const real = path.join(absDir, entry.name);
        const next = new Set(ancestors);
        next.add(real);
        visit(abs, rel, active, next);
        continue;
      }
      if (!isFile) {
        // A FIFO, device or socket: reading it could block forever or never end. Recorded when it poses as a file we would read.
        if ((languageFor(entry.name) || isConfigName(entry.name)) && !ignoredBy(active, rel, false)) {
          let kind = 'special file';
          try {
            kind = fileKind(fs.lstatSync(abs));
          } catch {
            // Gone since readdir: the generic kind will do.
          }
          result.skipped.push({ path: rel, reason: 'not_regular', detail: kind });
        }
        continue;
      }
      if (ignoredBy(active, rel, false)) continue;
      const name = entry.name;
      if (name === 'tsconfig.json' || name === 'jsconfig.json' || /^tsconfig\..+\.json$/.test(name)) result.tsconfigs.push(rel);
      else if (name === 'package.json') result.packageJsons.push(rel);
      else if (name === 'pyproject.toml' || name === 'setup.py' || name === 'setup.cfg') {
        if (!result.pythonProjects.includes(relDir)) result.pythonProjects.push(relDir);
      }
      const language = languageFor(name);
      if (!language) continue;
      if (GENERATED_FILE.test(name)) {
        result.skipped.push({ path: rel, reason: 'generated' });
        continue;
      }
      let stat: fs.Stats;
      try {
        // lstat: the entry was a regular file at readdir; anything swapped in since is not followed.
        stat = fs.lstatSync(abs);
      } catch (error) {
        result.skipped.push({ path: rel, reason: 'unreadable', detail: (error as NodeJS.ErrnoException).code ?? String(error) });
        continue;
      }
      if (!stat.isFile()) {
        result.skipped.push({ path: rel, reason: 'not_regular', detail: fileKind(stat) });
        continue;
      }
      if (stat.size > maxFileBytes) {
        result.skipped.push({ path: rel, reason: 'too_large', size: stat.size, mtimeMs: stat.mtimeMs, detail: `${stat.size} bytes > limit ${maxFileBytes}` });
        continue;
      }
      result.files.push({ path: rel, absolutePath: abs, language, size: stat.size, mtimeMs: stat.mtimeMs });
    }
  };

  visit(rootReal, '', [], new Set([rootReal]));
  return result;
}

/**
 * The walk's rules for one path at a time, for a watcher deciding which changes
 * can matter to the next run: a path is ignored when the walk would not enter
 * one of its directories (by name, or by a .gitignore on the way), or would not
 * read it (not a source file, a config or a .gitignore). .gitignore files are read
 * as the walk reads them, once each; `forget` drops them after one changed.
 */
export interface PathRules {
  /** `relPath` is repo-relative, '/'-separated. */
  ignores(relPath: string, isDir: boolean): boolean;
  forget(): void;
}

export function pathRules(root: string): PathRules {
  const rootReal = fs.realpathSync(root);
  let scopes = new Map<string, IgnoreScope | null>();
  const scopeOf = (relDir: string): IgnoreScope | null => {
    if (!scopes.has(relDir)) scopes.set(relDir, loadGitignore(rootReal, path.join(rootReal, relDir), relDir, []));
    return scopes.get(relDir) ?? null;
  };
  const names = (relDir: string): string[] => {
    try {
      return fs.readdirSync(path.join(rootReal, relDir));
    } catch {
      return [];
    }
  };
  return {
    ignores(relPath, isDir) {
      const parts = relPath.split('/').filter((p) => p.length > 0);
      const active: IgnoreScope[] = [];
      for (let i = 0; i < parts.length; i += 1) {
        const dir = parts.slice(0, i).join('/');
        const scope = scopeOf(dir);
        if (scope) active.push(scope);
        const rel = parts.slice(0, i + 1).join('/');
        const last = i === parts.length - 1;
        if (!last || isDir) {
          const skip = directorySkip(parts[i] as string, OUTPUT_DIRS.has(parts[i] as string) && projectRoot(dir, names(dir)));
          if (skip !== null || ignoredBy(active, rel, true)) return true;
          continue;
        }
        const name = parts[i] as string;
        if (name === IGNORE_FILE) return false;
        if (ignoredBy(active, rel, false)) return true;
        const read = isConfigName(name) || name === 'pyproject.toml' || name === 'setup.py' || name === 'setup.cfg' || languageFor(name) !== null;
        return !read || GENERATED_FILE.test(name);
      }
      return false;
    },
    forget() {
      scopes = new Map();
    },
  };
}
