import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { isInside, readTreeFile } from '../index/safe-read.js';

/**
 * The only file system the precise pass's compiler sees. Indexed source is
 * hostile input, and a TypeScript program reads whatever its files point at
 * (`paths`, `typeRoots`, `/// <reference path>`, `extends`, symlinks), so every
 * read and existence check goes through one policy:
 *
 * - inside the repository root (by real path): sources, declarations and JSON;
 *   under a `node_modules` folder of the repository, declarations and JSON only;
 * - outside the root: only declarations and JSON inside a `node_modules` folder
 *   (the type declarations of dependencies, and tsconfig bases), and the
 *   compiler's own default library files;
 * - nothing else: refused files are reported missing, so the compiler records an
 *   unresolved import instead of reading them.
 *
 * Reads go through `readTreeFile` (no FIFOs or devices, a size cap, symlinks
 * followed only inside the scope they started in) and count against a total
 * byte budget. The host never writes: the program is never emitted.
 */

const SOURCE = /\.(?:[cm]?[jt]sx?|json)$/;
const DECLARATION = /\.d\.(?:[^/]+\.)?[cm]?ts$/;
const NODE_MODULES = `${path.sep}node_modules${path.sep}`;
const MAX_REFUSALS_KEPT = 50;

export interface SandboxLimits {
  /** Canonical (realpath) repository root. */
  root: string;
  maxFileBytes: number;
  maxTotalBytes: number;
}

export class Sandbox {
  bytesRead = 0;
  /** The total byte budget ran out: later reads failed. */
  exhausted = false;
  /** Paths the policy refused (the first few), for the run report and tests. */
  readonly refused: string[] = [];
  /** Files the compiler's parser gave up on (nesting deeper than its stack): treated as missing. */
  unparsable = 0;
  private readonly libDir: string;

  constructor(readonly limits: SandboxLimits) {
    this.libDir = fs.realpathSync.native(path.dirname(ts.getDefaultLibFilePath({})));
  }

  /** The directory a path's symlinks must stay inside, or null when the policy refuses the path. */
  scopeOf(file: string): string | null {
    const abs = path.resolve(file);
    if (isInside(this.limits.root, abs)) {
      const rel = abs.slice(this.limits.root.length);
      if (!rel.includes(NODE_MODULES)) return this.limits.root;
      return DECLARATION.test(abs) || abs.endsWith('.json') ? this.limits.root : null;
    }
    if (isInside(this.libDir, abs)) return DECLARATION.test(abs) ? this.libDir : null;
    const at = abs.lastIndexOf(NODE_MODULES);
    if (at >= 0 && (DECLARATION.test(abs) || abs.endsWith('.json'))) return abs.slice(0, at + NODE_MODULES.length - 1);
    return null;
  }

  private refuse(file: string): void {
    if (this.refused.length < MAX_REFUSALS_KEPT && !this.refused.includes(file)) this.refused.push(file);
  }

  /** Whether the path exists as a file the policy allows (its real path included). */
  fileExists(file: string): boolean {
    if (!SOURCE.test(file)) return false;
    const scope = this.scopeOf(file);
    if (scope === null) {
      if (exists(file)) this.refuse(path.resolve(file));
      return false;
    }
    let real: string;
    try {
      real = fs.realpathSync.native(file);
    } catch {
      return false;
    }
    if (!isInside(scope, real)) {
      this.refuse(path.resolve(file));
      return false;
    }
    try {
      return fs.statSync(real).isFile();
    } catch {
      return false;
    }
  }

  readFile(file: string): string | undefined {
    if (!SOURCE.test(file)) return undefined;
    const scope = this.scopeOf(file);
    if (scope === null) {
      this.refuse(path.resolve(file));
      return undefined;
    }
    if (this.bytesRead >= this.limits.maxTotalBytes) {
      this.exhausted = true;
      return undefined;
    }
    const read = readTreeFile(path.resolve(file), { root: scope, maxBytes: this.limits.maxFileBytes, verifyDirectory: true });
    if (!read.ok) {
      if (read.reason === 'symlink_outside_repo') this.refuse(path.resolve(file));
      return undefined;
    }
    this.bytesRead += read.size;
    return read.bytes.toString('utf8');
  }

  directoryExists(dir: string): boolean {
    const abs = path.resolve(dir);
    const allowed = isInside(this.limits.root, abs) || isInside(this.libDir, abs) || `${abs}${path.sep}`.includes(NODE_MODULES);
    if (!allowed) {
      // The root's ancestors are probed by module resolution itself (package scopes): not worth reporting.
      if (!this.limits.root.startsWith(abs === path.sep ? abs : abs + path.sep) && exists(abs)) this.refuse(abs);
      return false;
    }
    try {
      return fs.statSync(abs).isDirectory();
    } catch {
      return false;
    }
  }

  /** Directory listings only under `node_modules/@types` (automatic type inclusion). */
  getDirectories(dir: string): string[] {
    const abs = path.resolve(dir);
    if (!abs.endsWith(`${path.sep}node_modules${path.sep}@types`) || !this.directoryExists(abs)) return [];
    try {
      return fs
        .readdirSync(abs, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
    } catch {
      return [];
    }
  }
}

function exists(file: string): boolean {
  try {
    fs.statSync(file);
    return true;
  } catch {
    return false;
  }
}

/** A compiler host over the sandbox: reads through the policy, never writes. */
export function sandboxCompilerHost(sandbox: Sandbox, options: ts.CompilerOptions): ts.CompilerHost {
  return {
    getSourceFile(fileName, languageVersion) {
      const text = sandbox.readFile(fileName);
      if (text === undefined) return undefined;
      try {
        return ts.createSourceFile(fileName, text, languageVersion, true);
      } catch {
        // A recursive-descent parser on hostile nesting overflows the stack: that file alone is missing.
        sandbox.unparsable += 1;
        return undefined;
      }
    },
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    getDefaultLibLocation: () => path.dirname(ts.getDefaultLibFilePath(options)),
    writeFile: () => {
      throw new Error('the precise pass never emits');
    },
    getCurrentDirectory: () => sandbox.limits.root,
    getCanonicalFileName: (f) => f,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
    fileExists: (f) => sandbox.fileExists(f),
    readFile: (f) => sandbox.readFile(f),
    directoryExists: (d) => sandbox.directoryExists(d),
    getDirectories: (d) => sandbox.getDirectories(d),
    // Identity: a symlink is judged by the policy where it is, never followed to dedupe packages.
    realpath: (f) => f,
  };
}

/** The host `parseJsonConfigFileContent` needs (tsconfig `extends` chains), over the same sandbox. */
export function sandboxParseHost(sandbox: Sandbox): ts.ParseConfigHost {
  return {
    useCaseSensitiveFileNames: true,
    // `include` globs are never expanded: the indexed files are the program's roots.
    readDirectory: () => [],
    fileExists: (f) => sandbox.fileExists(f),
    readFile: (f) => sandbox.readFile(f),
  };
}
