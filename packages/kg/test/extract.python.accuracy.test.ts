/**
 * Accuracy of the Python extractor against Python's own `ast` on code nobody
 * here wrote: the standard library of the python3 on this machine.
 *
 * Default corpus: every module directly in the stdlib directory, a fixed set
 * of packages (their tests excluded) and a few syntax-heavy test modules:
 * about 10 MB that run in seconds. With
 * KG_ACCURACY_FULL=1: the whole stdlib except site-packages, tests included,
 * and the figures are printed (the benchmark uses this).
 *
 * Definitions match on (file, kind, qualified name, ordinal); for matched ones
 * the lines and parameter names must agree exactly. Files `ast` cannot parse
 * (Python 2 test data, deliberately broken files) are left out and counted.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractPython } from '../src/extract/python.js';
import type { ExtractedObject } from '../src/extract/types.js';
import { pythonStdlibDir, runPyOracle, type OracleDef } from './support/py-oracle.js';

const FULL = process.env.KG_ACCURACY_FULL === '1';
/** Any other Python tree to compare on (e.g. a site-packages package); all of its .py files are used. */
const OTHER_ROOT = process.env.KG_ACCURACY_PY_ROOT;
const SAMPLE_PACKAGES = [
  'json', 'asyncio', 'email', 'concurrent', 'importlib', 'collections', 'logging', 'unittest', 'xml', 'http', 'urllib',
  'multiprocessing', 'ctypes', 'sqlite3', 'tomllib', 'zoneinfo', 'wsgiref', 'xmlrpc', 'dbm', 're', 'idlelib',
];
/** Test modules that exercise unusual syntax (match statements, f-strings, every grammar rule, typing). */
const SAMPLE_SYNTAX_FILES = ['test/test_grammar.py', 'test/test_patma.py', 'test/test_fstring.py', 'test/test_typing.py'];

function pyFilesUnder(dir: string, skipTests: boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    const stat = statSync(path);
    if (stat.isDirectory()) {
      if (entry === 'site-packages' || entry === '__pycache__') continue;
      if (skipTests && (entry === 'test' || entry === 'tests' || entry === 'idle_test')) continue;
      out.push(...pyFilesUnder(path, skipTests));
    } else if (entry.endsWith('.py')) {
      out.push(path);
    }
  }
  return out;
}

function corpus(stdlib: string): string[] {
  if (FULL) return pyFilesUnder(stdlib, false);
  const topLevel = readdirSync(stdlib)
    .sort()
    .filter((entry) => entry.endsWith('.py'))
    .map((entry) => join(stdlib, entry));
  return [
    ...topLevel,
    ...SAMPLE_PACKAGES.flatMap((pkg) => pyFilesUnder(join(stdlib, pkg), true)),
    ...SAMPLE_SYNTAX_FILES.map((file) => join(stdlib, file)),
  ];
}

function moduleNameOf(stdlib: string, path: string): string {
  return relative(stdlib, path)
    .replace(/\.py$/, '')
    .replace(/\/__init__$/, '')
    .split('/')
    .join('.');
}

interface Def {
  file: string;
  kind: string;
  qualname: string;
  start: number;
  end: number;
  params: string[] | null;
  doc: string | null;
}

const keyOf = (file: string, kind: string, qualname: string, ordinal: number): string =>
  `${file}\u0000${kind}\u0000${qualname}\u0000${ordinal}`;

function fromExtractor(file: string, object: ExtractedObject): [string, Def] {
  // The module object is keyed without its name: the oracle does not know module names.
  const qualname = object.kind === 'module' ? '' : object.qualifiedName;
  const def: Def = {
    file,
    kind: object.kind,
    qualname,
    start: object.startLine,
    end: object.endLine,
    params: object.params === null ? null : object.params.map((p) => p.name),
    doc: object.doc,
  };
  return [keyOf(file, object.kind, qualname, object.ordinal), def];
}

function fromOracle(file: string, d: OracleDef): [string, Def] {
  return [keyOf(file, d.kind, d.qualname, d.ordinal), { file, kind: d.kind, qualname: d.qualname, start: d.start, end: d.end, params: d.params, doc: d.doc }];
}

const ratio = (part: number, whole: number): number => (whole === 0 ? 1 : part / whole);
const pct = (x: number): string => `${(x * 100).toFixed(3)}%`;

describe('Python extractor accuracy against ast (stdlib)', () => {
  it(
    'matches ast definitions with ≥ 99% precision and recall, exact lines and param names',
    async () => {
      const stdlib = OTHER_ROOT ?? (await pythonStdlibDir());
      const files = OTHER_ROOT ? pyFilesUnder(OTHER_ROOT, false) : corpus(stdlib);
      const oracle = await runPyOracle(files);
      expect(oracle.length).toBe(files.length);

      const expected = new Map<string, Def>();
      const actual = new Map<string, Def>();
      const unparseable: string[] = [];
      for (const result of oracle) {
        const rel = relative(stdlib, result.file);
        if (result.error !== null) {
          unparseable.push(`${rel}: ${result.error}`);
          continue;
        }
        for (const d of result.defs) {
          const [key, def] = fromOracle(rel, d);
          expected.set(key, def);
        }
        const source = readFileSync(result.file, 'utf8');
        const extracted = extractPython({ filePath: rel, source, moduleName: moduleNameOf(stdlib, result.file) });
        for (const object of extracted.objects) {
          const [key, def] = fromExtractor(rel, object);
          actual.set(key, def);
        }
      }

      const problems: string[] = [];
      let matched = 0;
      let linesExact = 0;
      let withParams = 0;
      let paramsExact = 0;
      let docsExact = 0;
      for (const [key, want] of expected) {
        const got = actual.get(key);
        if (got === undefined) {
          problems.push(`missing  ${want.file}:${want.start} ${want.kind} ${want.qualname}`);
          continue;
        }
        matched += 1;
        if (got.start === want.start && got.end === want.end) linesExact += 1;
        else problems.push(`lines    ${want.file}:${want.start} ${want.kind} ${want.qualname}: ast ${want.start}-${want.end}, extracted ${got.start}-${got.end}`);
        if (want.params !== null) {
          withParams += 1;
          if (JSON.stringify(got.params) === JSON.stringify(want.params)) paramsExact += 1;
          else problems.push(`params   ${want.file}:${want.start} ${want.qualname}: ast ${JSON.stringify(want.params)}, extracted ${JSON.stringify(got.params)}`);
        }
        if (got.doc === want.doc) docsExact += 1;
        else problems.push(`doc      ${want.file}:${want.start} ${want.kind} ${want.qualname}: ast ${JSON.stringify(want.doc?.slice(0, 60))}, extracted ${JSON.stringify(got.doc?.slice(0, 60))}`);
      }
      for (const [key, got] of actual) {
        if (!expected.has(key)) problems.push(`extra    ${got.file}:${got.start} ${got.kind} ${got.qualname}`);
      }

      const figures = {
        files: files.length,
        unparseable: unparseable.length,
        astDefinitions: expected.size,
        extracted: actual.size,
        matched,
        precision: ratio(matched, actual.size),
        recall: ratio(matched, expected.size),
        linesExact: ratio(linesExact, matched),
        paramsExact: ratio(paramsExact, withParams),
        docsExact: ratio(docsExact, matched),
      };
      const summary = [
        `corpus: ${OTHER_ROOT ? 'KG_ACCURACY_PY_ROOT' : FULL ? 'full stdlib' : 'stdlib sample'} ${stdlib}`,
        `files ${figures.files} (ast cannot parse ${figures.unparseable}), ast definitions ${figures.astDefinitions}, extracted ${figures.extracted}, matched ${figures.matched}`,
        `precision ${pct(figures.precision)}  recall ${pct(figures.recall)}  lines exact ${pct(figures.linesExact)}  params exact ${pct(figures.paramsExact)}  docstrings exact ${pct(figures.docsExact)}`,
      ].join('\n');
      const report = `${summary}\n${problems.slice(0, 20).join('\n')}${problems.length > 20 ? `\n… ${problems.length - 20} more` : ''}`;
      if (FULL) console.log(`${summary}\nunparseable:\n  ${unparseable.join('\n  ')}`);

      const passes =
        figures.precision >= 0.99 &&
        figures.recall >= 0.99 &&
        figures.linesExact >= 0.995 &&
        figures.paramsExact >= 0.995 &&
        figures.docsExact >= 0.99;
      expect(passes, report).toBe(true);
      // The sample holds no Python 2 files: every file must parse, or the corpus silently shrank.
      if (!FULL) expect(unparseable, 'files ast cannot parse').toEqual([]);
    },
    FULL ? 600_000 : 120_000,
  );
});
