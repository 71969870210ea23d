#!/usr/bin/env node
/**
 * npm run bench:kg -- <dir> [--threads N] [--runs N] [--precise]
 * npm run bench:kg:precise -- <dir>
 *
 * Prints: files, lines, raw tree-sitter parse time (same thread count), full
 * index time and the ratio, one-file incremental re-index time (median of runs),
 * and peak RSS. The tree is copied to a temp dir first so the one-file edit
 * never touches your files; the index goes to a fresh PGlite (or DATABASE_URL).
 *
 * --precise [--precise-budget MS]: then the same again with the TypeScript-checker call pass
 * (`indexRepository({ precise: true })`) on a fresh database, printed side by
 * side: full index, the pass's own time (program build, call walk), one-file
 * re-index, peak RSS, and the calls edges of each.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Piscina } from 'piscina';
import { openPglite, openPostgres } from '@agentlane/store';
import { createParsePool, indexRepository, migrateKg, walkRepository } from '@agentlane/kg';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    threads: { type: 'string' },
    runs: { type: 'string', default: '5' },
    'raw-only': { type: 'boolean', default: false },
    precise: { type: 'boolean', default: false },
    'precise-budget': { type: 'string' },
  },
});
const dir = positionals[0];
if (!dir) {
  console.error('usage: npm run bench:kg -- <dir> [--threads N] [--runs N]');
  process.exit(2);
}
const threads = Number(values.threads ?? process.env.KG_WORKERS ?? os.availableParallelism());
const runs = Number(values.runs);

const root = path.resolve(dir);
// The one-file edit must never touch the caller's tree: index a copy (the raw-only child just reads).
const copy = values['raw-only'] ? root : fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-bench-'));
if (!values['raw-only']) fs.cpSync(root, copy, { recursive: true, verbatimSymlinks: true });

const walk = walkRepository(copy);
let lines = 0;
let bytes = 0;
for (const file of walk.files) {
  const text = fs.readFileSync(file.absolutePath);
  bytes += text.length;
  for (let i = text.indexOf(10); i >= 0; i = text.indexOf(10, i + 1)) lines += 1;
}

const rawWorker = fileURLToPath(new URL('../packages/kg/dist/bench/raw-parse-worker.js', import.meta.url));
async function rawParse(count) {
  const raw = new Piscina({ filename: rawWorker, minThreads: count, maxThreads: count, atomics: 'disabled' });
  await Promise.all(walk.files.slice(0, count * 4).map((f) => raw.run(f.absolutePath))); // warm up
  const start = performance.now();
  await Promise.all(walk.files.map((f) => raw.run(f.absolutePath)));
  const elapsed = performance.now() - start;
  await raw.destroy();
  return elapsed;
}
// The baseline runs in a child process, so the peak RSS below is the indexer's alone.
if (values['raw-only']) {
  const ms = await rawParse(threads);
  const single = threads === 1 ? ms : await rawParse(1);
  console.log(JSON.stringify({ rawMs: ms, rawSingleMs: single }));
  process.exit(0);
}
const baseline = JSON.parse(
  execFileSync(process.execPath, [fileURLToPath(import.meta.url), root, '--threads', String(threads), '--raw-only'], { encoding: 'utf8' }).trim().split('\n').pop(),
);
const rawMs = baseline.rawMs;
const rawSingleMs = baseline.rawSingleMs;

const pool = createParsePool(threads);
await Promise.all(walk.files.slice(0, threads * 4).map((f) => pool.parse({ path: f.path, absolutePath: f.absolutePath, language: f.language, moduleName: 'warm', size: f.size, mtimeMs: 0, root: walk.root, maxBytes: 1024 * 1024 })));
// One-file re-index: edit a mid-sized file, index incrementally.
const target = [...walk.files].sort((a, b) => a.size - b.size)[Math.floor(walk.files.length / 2)];
const comment = target.language === 'py' ? '# bench edit\n' : '// bench edit\n';

/** A full index on a fresh database, then `runs` one-file re-indexes. */
async function benchIndex(dbName, precise) {
  const sql = process.env.DATABASE_URL
    ? await openPostgres({ connectionString: process.env.DATABASE_URL })
    : await openPglite({ dataDir: path.join(copy, '.agentlane', dbName) });
  await migrateKg(sql);
  if (process.env.DATABASE_URL) await sql.exec('TRUNCATE kg.objects, kg.relations, kg.files, kg.skipped_files, kg.index_runs, kg.object_ranks, kg.repository');
  let t = performance.now();
  const preciseLimits = values['precise-budget'] ? { timeBudgetMs: Number(values['precise-budget']) } : undefined;
  const full = await indexRepository(sql, { repoRoot: copy, full: true, workers: threads, pool, precise, preciseLimits });
  const fullMs = performance.now() - t;
  const times = [];
  let last;
  for (let i = 0; i < runs; i += 1) {
    fs.appendFileSync(target.absolutePath, comment);
    t = performance.now();
    last = await indexRepository(sql, { repoRoot: copy, workers: threads, pool, precise, preciseLimits });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const { rows } = await sql.query(`SELECT resolution, count(*)::int AS n FROM kg.relations WHERE kind = 'calls' GROUP BY 1 ORDER BY 1`);
  await sql.close();
  return { full, fullMs, times, last, calls: Object.fromEntries(rows.map((r) => [r.resolution, r.n])), peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) };
}

const plain = await benchIndex('db', false);
const { full, fullMs, times, last } = plain;
const rssMiB = plain.peakRssMiB;
const precise = values.precise ? await benchIndex('db-precise', true) : null;
await pool.close();
fs.rmSync(copy, { recursive: true, force: true });
const ms = (n) => `${n.toFixed(0)} ms`;
const report = {
  dir: root,
  backend: process.env.DATABASE_URL ? 'postgres' : 'pglite',
  threads,
  files: walk.files.length,
  lines,
  megabytes: +(bytes / 1048576).toFixed(1),
  skipped: walk.skipped.length,
  objects: full.objects,
  relations: full.relations,
  rawParseMs: Math.round(rawMs),
  fullIndexMs: Math.round(fullMs),
  rawParseSingleThreadMs: Math.round(rawSingleMs),
  ratio: +(fullMs / rawMs).toFixed(2),
  ratioVsSingleThread: +(fullMs / rawSingleMs).toFixed(2),
  phases: full.timings,
  oneFileReindexMs: { median: Math.round(times[Math.floor(times.length / 2)]), min: Math.round(times[0]), max: Math.round(times[times.length - 1]), file: target.path, parsed: last.files.parsed + last.files.dependents },
  peakRssMiB: Math.round(rssMiB),
  callsByResolution: plain.calls,
  precise: precise && {
    fullIndexMs: Math.round(precise.fullMs),
    pass: precise.full.precise,
    oneFileReindexMs: { median: Math.round(precise.times[Math.floor(precise.times.length / 2)]), min: Math.round(precise.times[0]), max: Math.round(precise.times[precise.times.length - 1]) },
    oneFilePass: precise.last.precise,
    callsByResolution: precise.calls,
    peakRssMiB: precise.peakRssMiB,
  },
};
console.log(`files            ${report.files} (${report.megabytes} MB, ${report.lines} lines, ${report.skipped} skipped)`);
console.log(`graph            ${report.objects} objects, ${report.relations} relations (${report.backend})`);
console.log(`raw parse        ${ms(rawMs)} on ${threads} thread(s), ${ms(rawSingleMs)} on 1 thread`);
console.log(`full index       ${ms(fullMs)} on ${threads} thread(s): ${report.ratio}x raw parse on ${threads}, ${report.ratioVsSingleThread}x raw single-thread parse (target ≤ 1.5x)`);
console.log(`  phases         walk ${full.timings.walkMs} ms · parse+object writes ${full.timings.parseMs} ms · resolve ${full.timings.resolveMs} ms · relation writes ${full.timings.writeMs} ms`);
console.log(`one-file index   median ${report.oneFileReindexMs.median} ms over ${runs} runs (${target.path}; target ≤ 300 ms)`);
console.log(`peak RSS         ${report.peakRssMiB} MiB (target ≤ 1024 MiB)`);
if (report.precise) {
  const p = report.precise;
  const edges = (calls) => Object.entries(calls).map(([k, n]) => `${k} ${n}`).join(', ');
  console.log(`--precise (TypeScript checker call pass), same tree, fresh database:`);
  console.log(`  full index     ${ms(p.fullIndexMs)} vs ${ms(fullMs)} plain (${(p.fullIndexMs / fullMs).toFixed(2)}x)`);
  console.log(`  pass           ${ms(p.pass.ms)} (program ${p.pass.programMs} ms, call walk ${p.pass.checkMs} ms; ${p.pass.programFiles} program files, config ${p.pass.config}; ${p.pass.files.covered}/${p.pass.files.requested} files${p.pass.partial ? `, PARTIAL: ${p.pass.stopReason}` : ''})`);
  console.log(`  sites          ${p.pass.sites.resolved} resolved · ${p.pass.sites.external} external · ${p.pass.sites.unresolved} unresolved (${p.pass.sites.unmapped} declared but no callable KG object)`);
  console.log(`  calls edges    ${edges(p.callsByResolution)} vs plain ${edges(plain.calls)}`);
  console.log(`  one-file index median ${p.oneFileReindexMs.median} ms vs ${report.oneFileReindexMs.median} ms plain (pass ${p.oneFilePass?.ms ?? 0} ms, ${p.oneFilePass?.programFiles ?? 0} program files)`);
  console.log(`  peak RSS       ${p.peakRssMiB} MiB (process peak, plain run first: ${report.peakRssMiB} MiB)`);
}
if (process.env.BENCH_JSON) console.log(JSON.stringify(report));
