#!/usr/bin/env node
/**
 * npm run bench:kg -- <dir> [--backend pg|pglite|both] [--threads N] [--runs N] [--precise [--precise-budget MS]]
 * npm run bench:kg:precise -- <dir>
 *
 * Prints: files, lines, raw tree-sitter parse time (same thread count, and one
 * thread), then per backend: database open + migrations, full index time and
 * its ratio to the raw parse, the index's step breakdown (where the remaining
 * ratio goes), one-file incremental re-index time (median of runs), and peak
 * RSS. The tree is copied to a temp dir first so the one-file edit never
 * touches your files. PGlite indexes into a fresh data dir; PostgreSQL needs
 * DATABASE_URL (its kg tables are emptied first). Each backend runs in its own
 * child process (so its peak RSS is its own), the raw parse in another.
 * --precise: each backend is indexed a second time, in its own process, with the
 * TypeScript-checker call pass (`indexRepository({ precise: true })`), and the two
 * runs are printed side by side.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Piscina } from 'piscina';
import { openPglite, openPostgres } from '@agentlane/store';
import { createParsePool, indexRepository, migrateKg, prefetchParse, walkRepository } from '@agentlane/kg';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    threads: { type: 'string' },
    runs: { type: 'string', default: '5' },
    backend: { type: 'string' },
    precise: { type: 'boolean', default: false },
    'precise-budget': { type: 'string' },
    // Internal: the child processes.
    'raw-only': { type: 'boolean', default: false },
    'index-only': { type: 'string' },
  },
});
const dir = positionals[0];
if (!dir) {
  console.error('usage: npm run bench:kg -- <dir> [--backend pg|pglite|both] [--threads N] [--runs N] [--precise [--precise-budget MS]]');
  process.exit(2);
}
const threads = Number(values.threads ?? process.env.KG_WORKERS ?? os.availableParallelism());
const runs = Number(values.runs);
const root = path.resolve(dir);
const self = fileURLToPath(import.meta.url);

function countSource(walk) {
  let lines = 0;
  let bytes = 0;
  for (const file of walk.files) {
    const text = fs.readFileSync(file.absolutePath);
    bytes += text.length;
    for (let i = text.indexOf(10); i >= 0; i = text.indexOf(10, i + 1)) lines += 1;
  }
  return { lines, bytes };
}

const rawWorker = fileURLToPath(new URL('../packages/kg/dist/bench/raw-parse-worker.js', import.meta.url));
async function rawParse(walk, count) {
  const raw = new Piscina({ filename: rawWorker, minThreads: count, maxThreads: count, atomics: 'disabled' });
  await Promise.all(walk.files.slice(0, count * 4).map((f) => raw.run(f.absolutePath))); // warm up
  const start = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(walk.files.map((f) => raw.run(f.absolutePath)));
  const elapsed = performance.now() - start;
  const used = process.cpuUsage(cpu);
  await raw.destroy();
  return { ms: elapsed, cpuMs: (used.user + used.system) / 1000 };
}

/** Child: the baseline, so the peak RSS of an index child is the indexer's alone. */
if (values['raw-only']) {
  const walk = walkRepository(root);
  const multi = await rawParse(walk, threads);
  const single = threads === 1 ? multi : await rawParse(walk, 1);
  console.log(JSON.stringify({ rawMs: multi.ms, rawSingleMs: single.ms, rawSingleCpuMs: single.cpuMs }));
  process.exit(0);
}

/** Child: one backend's full index and one-file re-indexes, on a private copy of the tree. */
if (values['index-only']) {
  const backend = values['index-only'];
  const precise = values.precise;
  const preciseLimits = values['precise-budget'] ? { timeBudgetMs: Number(values['precise-budget']) } : undefined;
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-bench-'));
  fs.cpSync(root, copy, { recursive: true, verbatimSymlinks: true });
  const walk = walkRepository(copy);
  const pool = createParsePool(threads);
  await Promise.all(
    walk.files.slice(0, threads * 4).map((f) =>
      pool.parse({ path: f.path, absolutePath: f.absolutePath, language: f.language, moduleName: 'warm', size: f.size, mtimeMs: 0, root: walk.root, maxBytes: 1024 * 1024 }),
    ),
  );
  if (backend === 'pg') {
    // The bench's database is emptied first, outside the timing.
    const reset = await openPostgres({ connectionString: process.env.DATABASE_URL });
    await migrateKg(reset);
    await reset.exec('TRUNCATE kg.objects, kg.relations, kg.files, kg.skipped_files, kg.index_runs, kg.object_ranks, kg.repository');
    await reset.close();
  }
  // As `agentlane kg index` does it: a first index queues the files for parsing, then
  // opens (a fresh embedded database) and migrates while the workers parse.
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const prefetch = prefetchParse(copy, { pool });
  let t = performance.now();
  const sql = backend === 'pg' ? await openPostgres({ connectionString: process.env.DATABASE_URL }) : await openPglite({ dataDir: path.join(copy, '.agentlane', 'db') });
  const openMs = performance.now() - t;
  t = performance.now();
  await migrateKg(sql);
  const migrateMs = performance.now() - t;
  t = performance.now();
  const full = await indexRepository(sql, { repoRoot: copy, full: true, workers: threads, pool, prefetch, precise, preciseLimits });
  const indexMs = performance.now() - t;
  const fullMs = performance.now() - started;
  const cpuUsed = process.cpuUsage(cpuStarted);
  // One-file re-index: edit a mid-sized file, index incrementally.
  const target = [...walk.files].sort((a, b) => a.size - b.size)[Math.floor(walk.files.length / 2)];
  const comment = target.language === 'py' ? '# bench edit\n' : '// bench edit\n';
  const times = [];
  let last;
  for (let i = 0; i < runs; i += 1) {
    fs.appendFileSync(target.absolutePath, comment);
    t = performance.now();
    last = await indexRepository(sql, { repoRoot: copy, workers: threads, pool, precise, preciseLimits });
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const { rows: callRows } = await sql.query(`SELECT resolution, count(*)::int AS n FROM kg.relations WHERE kind = 'calls' GROUP BY 1 ORDER BY 1`);
  await pool.close();
  await sql.close();
  fs.rmSync(copy, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      backend,
      precise,
      pass: full.precise,
      oneFilePass: last.precise,
      callsByResolution: Object.fromEntries(callRows.map((r) => [r.resolution, r.n])),
      openMs,
      migrateMs,
      fullMs,
      indexMs,
      cpuMs: (cpuUsed.user + cpuUsed.system) / 1000,
      objects: full.objects,
      relations: full.relations,
      timings: full.timings,
      ranks: full.ranks,
      oneFile: { median: times[Math.floor(times.length / 2)], min: times[0], max: times[times.length - 1], file: target.path, parsed: last.files.parsed + last.files.dependents },
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
    }),
  );
  process.exit(0);
}

const requested = values.backend ?? (process.env.DATABASE_URL ? 'pg' : 'pglite');
if (!['pg', 'pglite', 'both'].includes(requested)) {
  console.error(`--backend must be pg, pglite or both, not ${requested}`);
  process.exit(2);
}
const backends = requested === 'both' ? ['pg', 'pglite'] : [requested];
if (backends.includes('pg') && !process.env.DATABASE_URL) {
  console.error('--backend pg needs DATABASE_URL (postgres://…/<a database the bench may empty>)');
  process.exit(2);
}

const child = (args) => JSON.parse(execFileSync(process.execPath, [self, root, '--threads', String(threads), '--runs', String(runs), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 }).trim().split('\n').pop());
const walk = walkRepository(root);
const { lines, bytes } = countSource(walk);
const load = () => os.loadavg().map((n) => n.toFixed(1)).join(' ');
const ms = (n) => `${Math.round(n)} ms`;
console.log(`files            ${walk.files.length} (${(bytes / 1048576).toFixed(1)} MB, ${lines} lines, ${walk.skipped.length} skipped)`);
// The machine may be shared: the baseline is measured before and after the indexes and averaged.
const before = child(['--raw-only']);
console.log(`raw parse        ${ms(before.rawMs)} on ${threads} thread(s), ${ms(before.rawSingleMs)} on 1 thread, ${ms(before.rawSingleCpuMs)} CPU (before; load ${load()})`);
const preciseArgs = values['precise-budget'] ? ['--precise', '--precise-budget', values['precise-budget']] : ['--precise'];
const reports = backends.flatMap((backend) => [
  { ...child(['--index-only', backend]), load: load() },
  ...(values.precise ? [{ ...child(['--index-only', backend, ...preciseArgs]), load: load() }] : []),
]);
const after = child(['--raw-only']);
console.log(`raw parse        ${ms(after.rawMs)} on ${threads} thread(s), ${ms(after.rawSingleMs)} on 1 thread, ${ms(after.rawSingleCpuMs)} CPU (after; load ${load()})`);
const mean = (key) => (before[key] + after[key]) / 2;
const baseline = { rawMs: mean('rawMs'), rawSingleMs: mean('rawSingleMs'), rawSingleCpuMs: mean('rawSingleCpuMs') };
for (const r of reports) {
  const { backend } = r;
  const ratio = r.fullMs / baseline.rawSingleMs;
  if (r.precise) {
    const plain = reports.find((p) => p.backend === backend && !p.precise);
    const edges = (calls) => Object.entries(calls).map(([k, n]) => `${k} ${n}`).join(', ');
    const p = r.pass;
    console.log(`\n[${backend} --precise] (TypeScript checker call pass, fresh database; load after ${r.load})`);
    console.log(`  full index     ${ms(r.fullMs)} vs ${ms(plain.fullMs)} plain (${(r.fullMs / plain.fullMs).toFixed(2)}x)`);
    if (p) {
      console.log(`  pass           ${ms(p.ms)} (program ${p.programMs} ms, call walk ${p.checkMs} ms; ${p.programFiles} program files, config ${p.config}; ${p.files.covered}/${p.files.requested} files${p.partial ? `, PARTIAL: ${p.stopReason}` : ''})`);
      console.log(`  sites          ${p.sites.resolved} resolved · ${p.sites.external} external · ${p.sites.unresolved} unresolved (${p.sites.unmapped} declared but no callable KG object)`);
    }
    console.log(`  calls edges    ${edges(r.callsByResolution)} vs plain ${edges(plain.callsByResolution)}`);
    console.log(`  one-file index median ${ms(r.oneFile.median)} vs ${ms(plain.oneFile.median)} plain (pass ${r.oneFilePass?.ms ?? 0} ms)`);
    console.log(`  peak RSS       ${Math.round(r.peakRssMiB)} MiB vs ${Math.round(plain.peakRssMiB)} MiB plain`);
    continue;
  }

  console.log(`\n[${backend}] graph ${r.objects} objects, ${r.relations} relations (load after ${r.load})`);
  console.log(`  full index     ${ms(r.fullMs)} on ${threads} thread(s), open and migrations included: ${ratio.toFixed(2)}x raw single-thread parse (target ≤ 1.5x); ${(r.fullMs / baseline.rawMs).toFixed(2)}x raw parse on ${threads}`);
  console.log(`  CPU            ${ms(r.cpuMs)} in this process, all threads (${(r.cpuMs / baseline.rawSingleCpuMs).toFixed(2)}x the raw single-thread parse's CPU${backend === 'pg' ? '; the PostgreSQL server\'s is not counted' : ''})`);
  console.log(`  of which       open ${ms(r.openMs)} + migrations ${ms(r.migrateMs)} (workers parsing meanwhile), indexRepository ${ms(r.indexMs)}`);
  console.log(`  phases         walk ${r.timings.walkMs} ms · parse+object writes ${r.timings.parseMs} ms · resolve ${r.timings.resolveMs} ms · writes ${r.timings.writeMs} ms`);
  const steps = Object.entries(r.timings.steps).map(([name, n]) => `${name} ${n}`);
  for (let i = 0; i < steps.length; i += 4) console.log(`  ${i === 0 ? 'steps (ms)' : '          '}     ${steps.slice(i, i + 4).join(' · ')}`);
  console.log(`  one-file index median ${ms(r.oneFile.median)} over ${runs} runs (${r.oneFile.file}; target ≤ 300 ms)`);
  console.log(`  peak RSS       ${Math.round(r.peakRssMiB)} MiB (target ≤ 600 MiB)`);
}
if (process.env.BENCH_JSON) console.log(JSON.stringify({ dir: root, threads, files: walk.files.length, lines, bytes, baseline, reports }));
