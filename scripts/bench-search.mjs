#!/usr/bin/env node
/**
 * npm run bench:search -- [--backend pg|pglite|both] [--large <dir>] [--rounds N]
 *
 * Relevance: indexes each judged query set's corpus (packages/kg/bench/*.queries.json:
 * the CPython standard library, rxjs, zod, the OpenAI and Anthropic SDKs from this
 * repository's node_modules, and this repository) and prints hits@5 and MRR@5 (and
 * recall@10, MRR@10) per library; queries marked `heldOut` (kept aside from tuning)
 * are reported on their own. `--sets rxjs,zod` runs only those sets.
 * Latency: indexes a large tree (default: Python's site-packages, ≥ 100k objects) and
 * prints p50/p95 of search, two-hop relations and a 4k-token context pack.
 *
 * Indexes persist between runs (PostgreSQL databases agentlane_bench_*, PGlite under
 * the OS temp dir), so a second run only re-checks the trees. PostgreSQL comes from
 * DATABASE_URL's server (default postgres://postgres@127.0.0.1:5432/test).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openPglite, openPostgres } from '@agentlane/store';
import { buildContext, evaluateRelevance, indexRepository, migrateKg, relationsOf, relevanceMetrics, searchObjects } from '@agentlane/kg';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'both' },
    large: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    'skip-latency': { type: 'boolean', default: false },
    sets: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});
const python = (expr) => execFileSync('python3', ['-c', `import sysconfig; print(sysconfig.get_paths()['${expr}'])`], { encoding: 'utf8' }).trim();
const nodeModule = (name) => () => path.join(repoRoot, 'node_modules', name, 'src');
const roots = {
  'python-stdlib': () => python('stdlib'),
  repository: () => repoRoot,
  rxjs: nodeModule('rxjs'),
  zod: nodeModule('zod'),
  openai: nodeModule('openai'),
  'anthropic-sdk': nodeModule('@anthropic-ai/sdk'),
};
const largeRoot = values.large ?? python('purelib');
const rounds = Number(values.rounds);
const backends = values.backend === 'both' ? ['pg', 'pglite'] : [values.backend];
const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function open(backend, name) {
  if (backend === 'pglite') {
    const dir = path.join(os.tmpdir(), 'agentlane-bench-search', name);
    fs.mkdirSync(dir, { recursive: true });
    return openPglite({ dataDir: dir });
  }
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  const db = `agentlane_bench_${name.replace(/[^a-z0-9]/g, '_')}`;
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${db}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${db}`;
  return openPostgres({ connectionString: url.toString() });
}

async function indexed(backend, name, root) {
  const sql = await open(backend, name);
  await migrateKg(sql);
  const t = performance.now();
  const summary = await indexRepository(sql, { repoRoot: root, workers: os.availableParallelism() });
  const seconds = ((performance.now() - t) / 1000).toFixed(1);
  console.log(`  index ${name}: ${summary.objects.toLocaleString()} objects, ${summary.relations.toLocaleString()} relations (${summary.mode}, ${seconds} s)`);
  return { sql, summary };
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
async function timed(label, n, work) {
  const times = [];
  for (let i = 0; i < n; i += 1) {
    const t = performance.now();
    await work(i);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const report = { p50: +percentile(times, 50).toFixed(1), p95: +percentile(times, 95).toFixed(1), n };
  console.log(`  ${label.padEnd(28)} p50 ${String(report.p50).padStart(6)} ms   p95 ${String(report.p95).padStart(6)} ms   (${n} calls)`);
  return report;
}

const sets = fs
  .readdirSync(path.join(repoRoot, 'packages/kg/bench'))
  .filter((f) => f.endsWith('.queries.json'))
  .map((f) => ({ name: f.replace('.queries.json', ''), ...JSON.parse(fs.readFileSync(path.join(repoRoot, 'packages/kg/bench', f), 'utf8')) }))
  .filter((set) => !values.sets || values.sets.split(',').includes(set.name));
const pct = (x) => `${(100 * x).toFixed(0)}%`.padStart(4);
const line = (m) => `hits@5 ${pct(m.hits5)}  MRR@5 ${m.mrr5.toFixed(3)}  recall@10 ${pct(m.recall)}  MRR@10 ${m.mrr.toFixed(3)}  (${m.queries} queries)`;
const rounded = (m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, +v.toFixed(3)]));
const results = {};
for (const backend of backends) {
  console.log(`\n== ${backend === 'pg' ? 'PostgreSQL' : 'PGlite'}`);
  results[backend] = { relevance: {}, latency: {} };
  for (const set of sets) {
    const { sql } = await indexed(backend, set.name, roots[set.root]());
    const tuned = set.queries.filter((q) => !q.heldOut);
    const heldOut = set.queries.filter((q) => q.heldOut);
    const report = await evaluateRelevance(sql, tuned);
    const held = heldOut.length > 0 ? await evaluateRelevance(sql, heldOut) : null;
    results[backend].relevance[set.name] = { ...rounded(relevanceMetrics(report.outcomes)), ...(held ? { heldOut: rounded(relevanceMetrics(held.outcomes)) } : {}) };
    console.log(`  relevance ${set.name.padEnd(13)} ${line(report)}`);
    if (held) console.log(`    held out ${''.padEnd(13)} ${line(held)}`);
    const misses = (outcomes, mark) =>
      outcomes.filter((o) => (values.verbose ? o.rank !== 1 : o.rank === null || o.rank > 5)).forEach((o) => console.log(`    ${mark}${String(o.rank ?? '-').padStart(2)}  ${o.q}${o.top ? `  (first: ${o.top})` : ''}`));
    misses(report.outcomes, ' ');
    if (held) misses(held.outcomes, 'h');
    await sql.close();
  }
  if (values['skip-latency']) continue;
  const { sql, summary } = await indexed(backend, 'large', largeRoot);
  if (summary.objects < 100_000) console.log(`  (note: ${summary.objects} objects, fewer than the 100k the targets assume)`);
  const queries = sets.flatMap((s) => s.queries.map((q) => q.q));
  for (const q of queries) await searchObjects(sql, q); // warm caches and plans
  results[backend].latency.search = await timed('search (limit 20)', queries.length * rounds, (i) => searchObjects(sql, queries[i % queries.length]));
  const { rows } = await sql.query(
    `SELECT o.id FROM kg.objects o JOIN kg.object_ranks r ON r.id = o.id WHERE o.kind IN ('function', 'method', 'class') ORDER BY r.rank DESC, o.id LIMIT 200`,
  );
  const ids = rows.map((r) => r.id);
  results[backend].latency.relations2hop = await timed('relations, both ways, 2 hops', ids.length, (i) => relationsOf(sql, ids[i], { direction: 'both', depth: 2, limit: 500 }));
  await buildContext(sql, { query: queries[0], budgetTokens: 4096 });
  results[backend].latency.context4k = await timed('context pack, 4k tokens', Math.min(queries.length, 60), (i) => buildContext(sql, { query: queries[i], budgetTokens: 4096 }));
  await sql.close();
}
console.log(`\ntargets: hits@5 ≥ 90% on each library; search p95 ≤ 10 ms (PostgreSQL) / ≤ 15 ms (PGlite); context pack ≤ 200 ms`);
if (process.env.BENCH_JSON) console.log(JSON.stringify(results));
