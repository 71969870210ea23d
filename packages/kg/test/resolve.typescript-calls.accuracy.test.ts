/**
 * Accuracy of the KG's TypeScript `calls` relations against the TypeScript
 * checker (test/support/ts-calls-oracle.ts), on code nobody here wrote.
 *
 * The corpus is indexed through the real pipeline in memory (extraction on the
 * parse-worker path, both resolution passes; test/support/resolve-repo.ts) and
 * its `calls` edges are compared with the checker's as sites: one per (caller,
 * callee, line), the KG's own deduplication. Objects are keyed by file, kind and
 * qualified name (no ordinal: overloads are one callee, see the oracle).
 * Precision = KG sites the checker confirms / KG sites; recall = checker sites
 * the KG has / checker sites, also split by how the callee is reached:
 *   name       `f()`, tagged templates
 *   namespace  `ns.f()`, `C.staticM()`, `NS.Inner.f()` (the receiver is a module, namespace, class or enum)
 *   typed      a member of a value: `obj.m()`, `this.x.m()`, `f().m()`
 *   this       `this.m()`, `super.m()`, `super()`
 *   new        `new C()`
 *   other      bare decorators, element access, calls of call results, ...
 *
 * The suite runs a sample of rxjs (its core classes and schedulers); `KG_ACCURACY_FULL=1`
 * runs the whole of rxjs, openai, @anthropic-ai/sdk and zod sources and the trees under
 * /work/corpora that have a src/ (effect, tanstack query-core, trpc server), and
 * `KG_ACCURACY_CALLS_ROOT=<dir>` any other tree. `KG_ACCURACY_VERBOSE=1` prints misses.
 */
import { describe, expect, it } from 'vitest';
import { resolveTree } from './support/resolve-repo.js';
import { fullTsCorpora, rxjsSampleRoot } from './support/ts-corpora.js';
import { callsOracle, objectKey, type CallForm } from './support/ts-calls-oracle.js';

const FULL = process.env.KG_ACCURACY_FULL === '1';
const OTHER_ROOT = process.env.KG_ACCURACY_CALLS_ROOT;
const VERBOSE = process.env.KG_ACCURACY_VERBOSE === '1';

const FORMS: readonly CallForm[] = ['name', 'namespace', 'typed', 'this', 'new', 'other'];

interface Figures {
  name: string;
  files: number;
  oracle: number;
  kg: number;
  matched: number;
  byForm: Record<CallForm, { oracle: number; matched: number }>;
  byShape: Map<string, { oracle: number; matched: number }>;
  missing: string[];
  extra: string[];
}

const short = (key: string): string => key.split('\u0000').join(' ');

export function measureCalls(name: string, root: string): Figures {
  const oracle = callsOracle(root);
  const kg = resolveTree(root);
  const kgSites = new Set<string>();
  for (const r of kg.relations) {
    if (r.kind !== 'calls') continue;
    const src = kg.objects.get(r.src);
    const dst = kg.objects.get(r.dst);
    if (src === undefined || dst === undefined) continue;
    const caller = objectKey(src.filePath, src.kind, src.kind === 'module' ? '' : src.qualifiedName);
    kgSites.add(`${caller}\u0001${objectKey(dst.filePath, dst.kind, dst.qualifiedName)}\u0001${r.line}`);
  }
  const figures: Figures = {
    name,
    files: kg.files,
    oracle: 0,
    kg: kgSites.size,
    matched: 0,
    byForm: Object.fromEntries(FORMS.map((f) => [f, { oracle: 0, matched: 0 }])) as Figures['byForm'],
    byShape: new Map(),
    missing: [],
    extra: [],
  };
  const oracleSites = new Set<string>();
  for (const call of oracle.calls) {
    const key = `${call.caller}\u0001${call.callee}\u0001${call.line}`;
    if (oracleSites.has(key)) continue;
    oracleSites.add(key);
    figures.oracle += 1;
    const form = figures.byForm[call.form];
    form.oracle += 1;
    const shapeKey = `${call.form} ${call.shape}`;
    const shape = figures.byShape.get(shapeKey) ?? { oracle: 0, matched: 0 };
    figures.byShape.set(shapeKey, shape);
    shape.oracle += 1;
    if (kgSites.has(key)) {
      figures.matched += 1;
      form.matched += 1;
      shape.matched += 1;
    } else figures.missing.push(`${call.file}:${call.line} [${call.form} ${call.shape}] ${short(call.caller)} -> ${short(call.callee)}`);
  }
  for (const site of kgSites) {
    if (oracleSites.has(site)) continue;
    const [caller, callee, line] = site.split('\u0001') as [string, string, string];
    figures.extra.push(`${caller.split('\u0000')[0]}:${line} ${short(caller)} -> ${short(callee)}`);
  }
  return figures;
}

const pct = (n: number, d: number): string => (d === 0 ? '-' : `${((n / d) * 100).toFixed(1)}%`);

function report(f: Figures): { precision: number; recall: number } {
  const precision = f.kg === 0 ? 1 : (f.kg - f.extra.length) / f.kg;
  const recall = f.oracle === 0 ? 1 : f.matched / f.oracle;
  const lines = [
    `${f.name}: files ${f.files}, checker sites ${f.oracle}, KG sites ${f.kg}, matched ${f.matched}: ` +
      `precision ${pct(f.kg - f.extra.length, f.kg)}, recall ${pct(f.matched, f.oracle)}`,
    `  recall by form: ${FORMS.map((form) => `${form} ${pct(f.byForm[form].matched, f.byForm[form].oracle)} (${f.byForm[form].matched}/${f.byForm[form].oracle})`).join(', ')}`,
  ];
  if (FULL || OTHER_ROOT || VERBOSE) {
    const shapes = [...f.byShape].sort((a, b) => b[1].oracle - b[1].matched - (a[1].oracle - a[1].matched));
    lines.push(`  by shape: ${shapes.map(([s, v]) => `${s} ${v.matched}/${v.oracle}`).join(', ')}`);
  }
  if (VERBOSE) {
    lines.push(...f.missing.slice(0, 400).map((m) => `  missing: ${m}`), ...f.extra.slice(0, 400).map((m) => `  extra: ${m}`));
  } else if (FULL || OTHER_ROOT) lines.push(...f.extra.slice(0, 10).map((m) => `  extra: ${m}`));
  console.log(lines.join('\n'));
  return { precision, recall };
}

describe('TypeScript calls against the TypeScript checker', () => {
  if (FULL || OTHER_ROOT) {
    const corpora: [string, string][] = OTHER_ROOT ? [[OTHER_ROOT, OTHER_ROOT]] : fullTsCorpora();
    for (const [name, dir] of corpora) {
      it(
        `${name}: precision and recall`,
        () => {
          const { precision } = report(measureCalls(name, dir));
          expect(precision).toBeGreaterThanOrEqual(0.99);
        },
        900_000,
      );
    }
    return;
  }
  it(
    'rxjs sample: the KG links calls where the checker does, and only there',
    () => {
      const figures = measureCalls('rxjs sample', rxjsSampleRoot('kg-calls-sample-'));
      const { precision, recall } = report(figures);
      expect(figures.oracle).toBeGreaterThan(150);
      expect(precision).toBeGreaterThanOrEqual(0.99);
      expect(recall).toBeGreaterThanOrEqual(0.9);
    },
    120_000,
  );
});
