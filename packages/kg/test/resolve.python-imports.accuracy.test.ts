/**
 * Accuracy of Python import resolution against the interpreter's own rules on
 * code nobody here wrote: the standard library of the python3 on this machine.
 *
 * The oracle (support/py-import-oracle.py) reads every import statement with
 * `ast` and names the file the interpreter would load: the submodule for
 * `from pkg import sub` when it is a file, else the package; the leaf module
 * for `import a.b.c`. The extractor's imports, resolved by `resolveImports`
 * against a module map of the whole stdlib, must name the same files: an
 * import site is one (file, line, target) triple, external targets left out.
 *
 * Default corpus: a few packages (fast). KG_ACCURACY_FULL=1: every package and
 * top-level module of the stdlib, figures printed.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { extractPython } from '../src/extract/python.js';
import type { ParsedFile } from '../src/model.js';
import { resolveImports } from '../src/resolve/bindings.js';
import { ModuleMap } from '../src/resolve/module-map.js';
import { pythonStdlibDir } from './support/py-oracle.js';

const FULL = process.env.KG_ACCURACY_FULL === '1';
const SAMPLE_PACKAGES = ['email', 'json', 'asyncio', 'xml', 'importlib', 'concurrent', 'logging', 'http', 'urllib', 'unittest'];
const ORACLE = fileURLToPath(new URL('./support/py-import-oracle.py', import.meta.url));

interface OracleFile {
  file: string;
  error: string | null;
  imports: [number, string | null][];
}

function pyFilesUnder(dir: string, skipTests: boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    const stat = statSync(path);
    if (stat.isDirectory()) {
      if (entry === 'site-packages' || entry === '__pycache__') continue;
      if (skipTests && (entry === 'test' || entry === 'tests' || entry === 'idle_test')) continue;
      out.push(...pyFilesUnder(path, skipTests));
    } else if (entry.endsWith('.py')) out.push(path);
  }
  return out;
}

function runOracle(root: string, files: readonly string[]): Promise<OracleFile[]> {
  return new Promise((resolve, reject) => {
    const child = execFile('python3', [ORACLE], { maxBuffer: 1 << 30, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error !== null) {
        reject(new Error(`py-import-oracle.py failed: ${error.message}\n${stderr}`));
        return;
      }
      resolve(stdout.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as OracleFile));
    });
    child.stdin?.on('error', () => {});
    child.stdin?.end(JSON.stringify({ root, files }));
  });
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

describe('Python import resolution accuracy against the interpreter (stdlib)', () => {
  it(
    'links imports to the files Python loads with ≥ 99% recall and precision',
    async () => {
      const stdlib = await pythonStdlibDir();
      const all = pyFilesUnder(stdlib, false);
      const map = new ModuleMap({
        root: stdlib,
        files: all.map((p) => ({ path: relative(stdlib, p), language: 'py' as const })),
        tsconfigs: [],
        packageJsons: [],
        pythonProjects: [],
      });
      const files = FULL ? all : SAMPLE_PACKAGES.flatMap((pkg) => pyFilesUnder(join(stdlib, pkg), true));
      const oracle = await runOracle(stdlib, files);
      expect(oracle.length).toBe(files.length);

      const expected = new Set<string>();
      const actual = new Set<string>();
      for (const result of oracle) {
        if (result.error !== null) continue;
        const rel = relative(stdlib, result.file);
        for (const [line, target] of result.imports) if (target !== null) expected.add(`${rel}:${line} -> ${target}`);
        const extracted = extractPython({ filePath: rel, source: readFileSync(result.file, 'utf8'), moduleName: map.moduleName(rel) });
        const file = { path: rel, language: 'py', imports: extracted.imports } as unknown as ParsedFile;
        for (const site of resolveImports(file, map).sites) if ('path' in site.target) actual.add(`${rel}:${site.line} -> ${site.target.path}`);
      }
      const missing = [...expected].filter((k) => !actual.has(k));
      const extra = [...actual].filter((k) => !expected.has(k));
      const recall = 1 - missing.length / Math.max(1, expected.size);
      const precision = 1 - extra.length / Math.max(1, actual.size);
      const summary = `files ${files.length}, import sites ${expected.size} expected / ${actual.size} resolved: recall ${pct(recall)} precision ${pct(precision)}`;
      if (FULL) console.log(summary);
      const report = [summary, ...missing.slice(0, 15).map((k) => `missing ${k}`), ...extra.slice(0, 15).map((k) => `extra   ${k}`)].join('\n');
      expect(recall >= 0.99 && precision >= 0.99, report).toBe(true);
    },
    FULL ? 600_000 : 120_000,
  );
});
