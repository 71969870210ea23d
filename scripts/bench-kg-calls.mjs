#!/usr/bin/env node
/**
 * npm run bench:kg:calls -- [<dir> ...] [--runs N] [--baseline <kg dist dir>]
 *
 * The cost of the KG's extraction and of its resolution on whole trees, in one
 * thread and in memory (no database): extraction is the parse worker's work per
 * file (tree-sitter parse, objects, raw references, in-file resolution), resolve is
 * the global pass (imports, heritage, calls and type uses). Prints the median of
 * --runs (default 3) per tree, and with --baseline (the `dist` directory of another
 * build of packages/kg, e.g. one of main) the same figures for it side by side.
 * Default trees: the rxjs and openai sources in node_modules.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '3' }, baseline: { type: 'string' } },
});
const runs = Number(values.runs);
const trees = positionals.length > 0 ? positionals : [path.join(ROOT, 'node_modules/rxjs/src'), path.join(ROOT, 'node_modules/openai/src')];

async function load(dist) {
  const url = (rel) => pathToFileURL(path.join(dist, rel)).href;
  const [{ parseFile }, { walkRepository }, { resolveImports }, { ModuleMap }, { Resolver }, { SymbolTable }] = await Promise.all([
    import(url('index/parse-worker.js')),
    import(url('index/walk.js')),
    import(url('resolve/bindings.js')),
    import(url('resolve/module-map.js')),
    import(url('resolve/resolver.js')),
    import(url('resolve/symbols.js')),
  ]);
  return { parseFile, walkRepository, resolveImports, ModuleMap, Resolver, SymbolTable };
}

/** One pass over a tree: milliseconds of extraction and of resolution, and the calls resolved. */
function measure(kg, root) {
  const walk = kg.walkRepository(root);
  const map = new kg.ModuleMap(Object.assign({ root }, walk));
  const t0 = performance.now();
  const parsed = [];
  for (const f of walk.files) {
    const outcome = kg.parseFile(Object.assign({ moduleName: map.moduleName(f.path), root, maxBytes: 1024 * 1024 }, f));
    if (outcome.ok) parsed.push(outcome.file);
  }
  const t1 = performance.now();
  const table = new kg.SymbolTable();
  const imports = new Map();
  let resolved = 0;
  for (const file of parsed) {
    const result = kg.resolveImports(file, map);
    imports.set(file.path, result);
    table.addParsed(file, result.bindings);
    for (const [classId, baseIds] of file.localBases) table.addBases(classId, baseIds);
    resolved += file.localCalls.resolved;
  }
  const resolver = new kg.Resolver(table, map);
  for (const file of parsed) resolver.resolveHeritage(file);
  for (const file of parsed) resolved += resolver.resolveFile(file, imports.get(file.path)).calls.resolved;
  const t2 = performance.now();
  return { files: parsed.length, extract: t1 - t0, resolve: t2 - t1, resolved };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Builds take turns run by run, so a machine whose load drifts weighs on both alike.
const builds = [{ name: 'this build', kg: await load(path.join(ROOT, 'packages/kg/dist')) }];
if (values.baseline) builds.push({ name: 'baseline', kg: await load(path.resolve(values.baseline)) });
const rows = [];
for (const tree of trees) {
  const samples = builds.map(() => []);
  builds.forEach((b) => measure(b.kg, tree)); // warm-up: grammar load, JIT
  for (let run = 0; run < runs; run++) builds.forEach((b, i) => samples[i].push(measure(b.kg, tree)));
  builds.forEach((b, i) => {
    const s = samples[i];
    rows.push({
      build: b.name,
      tree: path.relative(ROOT, tree) || tree,
      files: s[0].files,
      extractMs: Math.round(median(s.map((x) => x.extract))),
      resolveMs: Math.round(median(s.map((x) => x.resolve))),
      callsResolved: s[0].resolved,
    });
  });
}
console.table(rows);
