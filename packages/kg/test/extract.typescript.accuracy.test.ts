/**
 * Accuracy of the TypeScript extractor's definitions against the TypeScript
 * compiler (test/support/ts-oracle.ts), on real code nobody here wrote:
 * rxjs's sources, a few of TypeScript's own lib declaration files, and
 * node-postgres's CommonJS. `KG_ACCURACY_FULL=1` widens the corpus to every
 * .ts/.d.ts/.js file under node_modules/typescript/lib and node_modules/rxjs
 * and prints the figures (used by the KG benchmark); `KG_ACCURACY_VERBOSE=1`
 * prints the first mismatches even when the thresholds are met.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { extractTypeScript } from '../src/extract/typescript.js';
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

function corpus(): string[] {
  if (OTHER_ROOT) return filesUnder(OTHER_ROOT, isTsOrJs);
  if (FULL) {
    return [
      ...filesUnder(join(NODE_MODULES, 'typescript/lib'), isTsOrJs),
      ...filesUnder(join(NODE_MODULES, 'rxjs'), isTsOrJs),
      ...filesUnder(join(NODE_MODULES, 'pg/lib'), isTsOrJs),
    ];
  }
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
  missing: string[];
  extra: string[];
  mismatched: string[];
}

const keyOf = (d: { kind: string; qualifiedName: string; ordinal: number }): string =>
  `${d.kind} ${d.qualifiedName} #${d.ordinal}`;

function measure(files: string[]): Figures {
  const figures: Figures = {
    files: files.length,
    oracle: 0,
    extracted: 0,
    matched: 0,
    exactLinesAndParams: 0,
    exactExported: 0,
    missing: [],
    extra: [],
    mismatched: [],
  };
  for (const path of files) {
    const rel = relative(ROOT, path);
    const source = readFileSync(path, 'utf8');
    const expected = new Map<string, OracleDefinition>();
    for (const def of oracleDefinitions(rel, source)) expected.set(keyOf(def), def);
    const result = extractTypeScript({ filePath: rel, source, moduleName: rel.replace(/\.[^.]+$/, '') });
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
    () => {
      const figures = measure(corpus());
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
});
