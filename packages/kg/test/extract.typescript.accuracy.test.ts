/**
 * Accuracy of the TypeScript extractor's definitions against the TypeScript
 * compiler (test/support/ts-oracle.ts), on real code nobody here wrote:
 * rxjs's sources, a few of TypeScript's own lib declaration files, and
 * node-postgres's CommonJS, plus small fixtures of syntax the grammar needs
 * repaired for (test/support/ts-modern-fixtures.ts). `KG_ACCURACY_FULL=1` widens the corpus to every
 * .ts/.d.ts/.js file under node_modules/typescript/lib and node_modules/rxjs
 * and prints the figures (used by the KG benchmark); `KG_ACCURACY_VERBOSE=1`
 * prints the first mismatches even when the thresholds are met.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { extractTypeScript } from '../src/extract/typescript.js';
import { MODERN_TS_FIXTURES } from './support/ts-modern-fixtures.js';
import { oracleDefinitions, type OracleDefinition } from './support/ts-oracle.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NODE_MODULES = join(ROOT, 'node_modules');
const FULL = process.env.KG_ACCURACY_FULL === '1';
/** Any other TS/JS tree to compare on; all of its .ts/.js files are used. */
const OTHER_ROOT = process.env.KG_ACCURACY_TS_ROOT;

function filesUnder(dir: string, accept: (path: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry !== 'node_modules') out.push(...filesUnder(path, accept));
    } else if (accept(path)) out.push(path);
  }
  return out;
}

const isTs = (path: string): boolean => /\.(?:[mc]?ts)$/.test(path);
const isTsOrJs = (path: string): boolean => /\.(?:[mc]?ts|[mc]?js)$/.test(path);

/** A file to compare: its path relative to the repository root and its text. */
interface SourceFile {
  rel: string;
  source: string;
}

function read(paths: string[]): SourceFile[] {
  return paths.map((path) => ({ rel: relative(ROOT, path), source: readFileSync(path, 'utf8') }));
}

const fixtures = (): SourceFile[] => Object.entries(MODERN_TS_FIXTURES).map(([rel, source]) => ({ rel, source }));

function corpus(): SourceFile[] {
  if (OTHER_ROOT) return read(filesUnder(OTHER_ROOT, isTsOrJs));
  if (FULL) return [...read(fullCorpus()), ...fixtures()];
  return [...read(sampleCorpus()), ...fixtures()];
}

function fullCorpus(): string[] {
  return [
    ...filesUnder(join(NODE_MODULES, 'typescript/lib'), isTsOrJs),
    ...filesUnder(join(NODE_MODULES, 'rxjs'), isTsOrJs),
    ...filesUnder(join(NODE_MODULES, 'pg/lib'), isTsOrJs),
    ...filesUnder(join(NODE_MODULES, 'zod/src'), isTs),
  ];
}

const EFFECT = 'effect@4.1.5';

/**
 * effect's sources, the modern-TypeScript corpus (variance annotations, call
 * signature lists, `const` type parameters): `KG_ACCURACY_EFFECT_SRC`, or
 * fetched with `npm pack` into a temporary directory. Null, with a note
 * printed, when neither is possible (no registry).
 */
async function effectSources(dir: string): Promise<string[] | null> {
  const given = process.env.KG_ACCURACY_EFFECT_SRC;
  if (given) return filesUnder(given, isTs);
  // Asynchronously: a worker blocked for minutes misses vitest's RPC deadlines.
  const run = promisify(execFile);
  try {
    const { stdout } = await run('npm', ['pack', EFFECT, '--silent', '--pack-destination', dir], { timeout: 300_000 });
    const packed = stdout.trim().split('\n').pop();
    if (!packed) throw new Error('npm pack printed no file name');
    await run('tar', ['-xzf', join(dir, packed), '-C', dir], { timeout: 120_000 });
    return filesUnder(join(dir, 'package', 'src'), isTs);
  } catch (error) {
    console.log(`NOTE: skipping ${EFFECT}: cannot fetch it (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); set KG_ACCURACY_EFFECT_SRC to its src directory`);
    return null;
  }
}

function sampleCorpus(): string[] {
  return [
    ...filesUnder(join(NODE_MODULES, 'rxjs/src'), isTs),
    ...['lib.es5.d.ts', 'lib.dom.d.ts', 'lib.es2015.promise.d.ts', 'lib.es2015.collection.d.ts', 'lib.decorators.d.ts'].map(
      (name) => join(NODE_MODULES, 'typescript/lib', name),
    ),
    ...filesUnder(join(NODE_MODULES, 'pg/lib'), (path) => path.endsWith('.js')),
  ];
}

interface Figures {
  files: number;
  oracle: number;
  extracted: number;
  matched: number;
  exactLinesAndParams: number;
  exactExported: number;
  /** Files whose parse still has syntax errors after the repair pass. */
  syntaxErrorFiles: string[];
  missing: string[];
  extra: string[];
  mismatched: string[];
}

const keyOf = (d: { kind: string; qualifiedName: string; ordinal: number }): string =>
  `${d.kind} ${d.qualifiedName} #${d.ordinal}`;

/**
 * Compare file by file. Async only to yield now and then: a corpus takes
 * minutes, and a worker that never yields misses vitest's RPC deadlines.
 */
async function measure(files: SourceFile[]): Promise<Figures> {
  const figures: Figures = {
    files: files.length,
    oracle: 0,
    extracted: 0,
    matched: 0,
    exactLinesAndParams: 0,
    exactExported: 0,
    syntaxErrorFiles: [],
    missing: [],
    extra: [],
    mismatched: [],
  };
  for (const [index, { rel, source }] of files.entries()) {
    if (index % 5 === 4) await new Promise((resolve) => setImmediate(resolve));
    const expected = new Map<string, OracleDefinition>();
    for (const def of oracleDefinitions(rel, source)) expected.set(keyOf(def), def);
    const result = extractTypeScript({ filePath: rel, source, moduleName: rel.replace(/\.[^.]+$/, '') });
    if (result.syntaxErrors > 0) figures.syntaxErrorFiles.push(rel);
    const actual = result.objects.filter((o) => o.kind !== 'module');
    figures.oracle += expected.size;
    figures.extracted += actual.length;
    for (const object of actual) {
      const key = keyOf(object);
      const def = expected.get(key);
      if (def === undefined) {
        figures.extra.push(`${rel}:${object.startLine} ${key}`);
        continue;
      }
      expected.delete(key);
      figures.matched += 1;
      const params = object.params?.map((p) => p.name) ?? null;
      const same =
        object.startLine === def.startLine &&
        object.endLine === def.endLine &&
        JSON.stringify(params) === JSON.stringify(def.params);
      if (same) figures.exactLinesAndParams += 1;
      else {
        figures.mismatched.push(
          `${rel}:${def.startLine} ${key}: lines ${object.startLine}-${object.endLine} vs ${def.startLine}-${def.endLine}, ` +
            `params ${JSON.stringify(params)} vs ${JSON.stringify(def.params)}`,
        );
      }
      if (object.exported === def.exported) figures.exactExported += 1;
      else figures.mismatched.push(`${rel}:${def.startLine} ${key}: exported ${object.exported} vs ${def.exported}`);
    }
    for (const [key, def] of expected) figures.missing.push(`${rel}:${def.startLine} ${key}`);
  }
  return figures;
}

function report(f: Figures): { precision: number; recall: number; exact: number; exported: number } {
  const precision = f.extracted === 0 ? 1 : f.matched / f.extracted;
  const recall = f.oracle === 0 ? 1 : f.matched / f.oracle;
  const exact = f.matched === 0 ? 1 : f.exactLinesAndParams / f.matched;
  const exported = f.matched === 0 ? 1 : f.exactExported / f.matched;
  const pct = (x: number): string => `${(x * 100).toFixed(3)}%`;
  const lines = [
    `files ${f.files}, oracle ${f.oracle}, extracted ${f.extracted}, matched ${f.matched}`,
    `precision ${pct(precision)}, recall ${pct(recall)}, lines+params exact ${pct(exact)}, exported agrees ${pct(exported)}`,
    `files with syntax errors ${f.syntaxErrorFiles.length} (${pct(f.files === 0 ? 0 : f.syntaxErrorFiles.length / f.files)})${
      f.syntaxErrorFiles.length > 0 ? `: ${f.syntaxErrorFiles.slice(0, 10).join(', ')}` : ''
    }`,
  ];
  if (FULL || OTHER_ROOT || process.env.KG_ACCURACY_VERBOSE === '1' || precision < 0.99 || recall < 0.99 || exact < 0.995) {
    lines.push(
      ...f.missing.slice(0, 20).map((m) => `missing: ${m}`),
      ...f.extra.slice(0, 20).map((m) => `extra: ${m}`),
      ...f.mismatched.slice(0, 20).map((m) => `mismatch: ${m}`),
    );
  }
  console.log(lines.join('\n'));
  return { precision, recall, exact, exported };
}

describe('TypeScript extractor against the TypeScript compiler', () => {
  it(
    'finds the same definitions, lines and parameter names',
    async () => {
      const figures = await measure(corpus());
      const { precision, recall, exact, exported } = report(figures);
      // The built-in corpus must stay large enough to mean something; a tree passed in may be small.
      expect(figures.oracle).toBeGreaterThan(OTHER_ROOT ? 0 : 10_000);
      expect(precision).toBeGreaterThanOrEqual(0.99);
      expect(recall).toBeGreaterThanOrEqual(0.99);
      expect(exact).toBeGreaterThanOrEqual(0.995);
      expect(exported).toBeGreaterThanOrEqual(0.995);
    },
    FULL ? 600_000 : 60_000,
  );

  it.runIf(FULL && !OTHER_ROOT)(
    `on modern TypeScript (${EFFECT}): definitions, and files tsc accepts parse without errors`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'kg-accuracy-effect-'));
      let figures: Figures;
      try {
        const paths = await effectSources(dir);
        if (paths === null) return;
        figures = await measure(read(paths));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const { precision, recall } = report(figures);
      expect(figures.files).toBeGreaterThan(500);
      expect(recall).toBeGreaterThanOrEqual(0.99);
      expect(precision).toBeGreaterThanOrEqual(0.99);
      expect(figures.syntaxErrorFiles.length / figures.files).toBeLessThanOrEqual(0.01);
    },
    600_000,
  );
});
