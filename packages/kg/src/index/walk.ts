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
    const isProjectRoot = relDir === '' || entries.some((e) => PROJECT_MARKERS.includes(e.name));
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
        if (SILENT_DIRS.has(entry.name)) continue;
        if (ignoredBy(active, rel, true)) continue;
        if (VENDORED_DIRS.has(entry.name)) {
          result.skipped.push({ path: rel, reason: 'vendored_dir' });
          continue;
        }
        if (BUILD_DIRS.has(entry.name) || (OUTPUT_DIRS.has(entry.name) && isProjectRoot)) {
          result.skipped.push({ path: rel, reason: 'build_dir' });
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
