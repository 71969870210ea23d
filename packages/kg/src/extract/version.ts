import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What a stored file's parse depends on besides its bytes: the code that runs on
 * the parse worker (extractors, the within-file resolution, row encoding, the
 * coverage probe) and the tree-sitter grammars. A file indexed by another
 * version is parsed again by the next incremental run, so upgrading agentlane
 * never leaves a graph that mixes two extractors' answers.
 *
 * Derived from the code itself rather than a number someone must remember to
 * bump: a change that only touches comments costs one full re-parse, a change
 * that alters the output can never be missed.
 */

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PACKAGE = path.resolve(HERE, '..');
/** Relative to the package's source (or dist) root. */
const CODE = ['extract', 'resolve', 'coverage', 'index/parse-worker', 'index/rows', 'index/objects'];
const GRAMMARS = ['tree-sitter', 'tree-sitter-python', 'tree-sitter-typescript'];
const CODE_FILE = /\.(?:js|ts)$/;

function codeFiles(entry: string): string[] {
  const base = path.join(PACKAGE, entry);
  for (const candidate of [base, `${base}.js`, `${base}.ts`]) {
    let stat;
    try {
      stat = statSync(candidate);
    } catch {
      continue;
    }
    if (stat.isFile()) return [candidate];
    return readdirSync(candidate, { recursive: true, encoding: 'utf8' })
      .filter((name) => CODE_FILE.test(name) && !name.endsWith('.d.ts'))
      .sort()
      .map((name) => path.join(candidate, name));
  }
  return [];
}

function grammarVersion(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    const manifest = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version?: string };
    return manifest.version ?? '?';
  } catch {
    return 'missing';
  }
}

function computeVersion(): string {
  const hash = createHash('sha256');
  for (const name of GRAMMARS) hash.update(`${name}@${grammarVersion(name)}\n`);
  for (const entry of CODE) {
    for (const file of codeFiles(entry)) {
      hash.update(`${path.relative(PACKAGE, file)}\n`);
      hash.update(readFileSync(file));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

let cached: string | undefined;

/** A short hash naming the extractor that parses files now (stable for one install). */
export function extractorVersion(): string {
  cached ??= computeVersion();
  return cached;
}
