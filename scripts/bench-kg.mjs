#!/usr/bin/env node
/**
 * npm run bench:kg -- <dir> [--threads N] [--runs N]
 *
 * Prints: files, lines, raw tree-sitter parse time (same thread count), full
 * index time and the ratio, one-file incremental re-index time (median of runs),
 * and peak RSS. The tree is copied to a temp dir first so the one-file edit
 * never touches your files; the index goes to a fresh PGlite (or DATABASE_URL).
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
  options: { threads: { type: 'string' }, runs: { type: 'string', default: '5' }, 'raw-only': { type: 'boolean', default: false } },
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
let t;

const sql = process.env.DATABASE_URL
  ? await openPostgres({ connectionString: process.env.DATABASE_URL })
  : await openPglite({ dataDir: path.join(copy, '.agentlane', 'db') });
await migrateKg(sql);
if (process.env.DATABASE_URL) await sql.exec('TRUNCATE kg.objects, kg.relations, kg.files, kg.skipped_files, kg.index_runs, kg.object_ranks, kg.repository');

const pool = createParsePool(threads);
await Promise.all(walk.files.slice(0, threads * 4).map((f) => pool.parse({ path: f.path, absolutePath: f.absolutePath, language: f.language, moduleName: 'warm', size: f.size, mtimeMs: 0, root: walk.root, maxBytes: 1024 * 1024 })));
t = performance.now();
const full = await indexRepository(sql, { repoRoot: copy, full: true, workers: threads, pool });
const fullMs = performance.now() - t;

// One-file re-index: edit a mid-sized file, index incrementally.
const target = [...walk.files].sort((a, b) => a.size - b.size)[Math.floor(walk.files.length / 2)];
const comment = target.language === 'py' ? '# bench edit\n' : '// bench edit\n';
const times = [];
let last;
for (let i = 0; i < runs; i += 1) {
  fs.appendFileSync(target.absolutePath, comment);
  t = performance.now();
  last = await indexRepository(sql, { repoRoot: copy, workers: threads, pool });
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
await pool.close();
await sql.close();
fs.rmSync(copy, { recursive: true, force: true });

const rssMiB = process.resourceUsage().maxRSS / 1024;
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
};
console.log(`files            ${report.files} (${report.megabytes} MB, ${report.lines} lines, ${report.skipped} skipped)`);
console.log(`graph            ${report.objects} objects, ${report.relations} relations (${report.backend})`);
console.log(`raw parse        ${ms(rawMs)} on ${threads} thread(s), ${ms(rawSingleMs)} on 1 thread`);
console.log(`full index       ${ms(fullMs)} on ${threads} thread(s): ${report.ratio}x raw parse on ${threads}, ${report.ratioVsSingleThread}x raw single-thread parse (target ≤ 1.5x)`);
console.log(`  phases         walk ${full.timings.walkMs} ms · parse+object writes ${full.timings.parseMs} ms · resolve ${full.timings.resolveMs} ms · relation writes ${full.timings.writeMs} ms`);
console.log(`one-file index   median ${report.oneFileReindexMs.median} ms over ${runs} runs (${target.path}; target ≤ 300 ms)`);
console.log(`peak RSS         ${report.peakRssMiB} MiB (target ≤ 1024 MiB)`);
if (process.env.BENCH_JSON) console.log(JSON.stringify(report));
