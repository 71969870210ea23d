#!/usr/bin/env node
/**
 * engine_v2 throughput and claim latency (`npm run bench:engine`, after a build).
 *
 *   no-op DAG tasks/s through the engine, inline and BullMQ transports
 *   plain BullMQ no-op jobs/s with the same concurrency, and the ratio (target ≥ 0.25)
 *   claim latency p50/p95: the claim statement alone, and ready → claimed under load
 *   CPU per task of this process and of the local PostgreSQL and Redis servers (/proc)
 *
 * Runs on PostgreSQL (DATABASE_URL, else a fresh database made from the test admin URL
 * and dropped afterwards) and Redis (REDIS_URL, else the test Redis) under a private key
 * prefix it deletes at the end. Prints figures; asserts nothing.
 *
 * Each figure is the median of --rounds runs (the machine is shared; one short run is
 * noise), each run long enough that start-up does not dominate.
 *
 *   node scripts/bench-engine.mjs [--jobs 400] [--width 8] [--concurrency 16] [--rounds 3]
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { openPostgres } from '../packages/store/dist/index.js';
import { claimNext, createEngine, migrateEngine, parseWorkflow } from '../packages/engine/dist/index.js';

const { values: args } = parseArgs({
  options: {
    jobs: { type: 'string', default: '400' },
    rounds: { type: 'string', default: '3' },
    width: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '16' },
  },
});
const JOBS = Number(args.jobs);
const WIDTH = Number(args.width);
const CONCURRENCY = Number(args.concurrency);
const ROUNDS = Math.max(1, Number(args.rounds));
const TASKS_PER_JOB = WIDTH + 2;
const TOTAL = JOBS * TASKS_PER_JOB;

const redisUrl = process.env.REDIS_URL ?? process.env.AGENTLANE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `bench-engine-${process.pid}-${randomBytes(3).toString('hex')}`;
const staging = path.join(os.tmpdir(), `agentlane-bench-engine-${process.pid}`);

async function database() {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, drop: async () => undefined };
  const admin = process.env.AGENTLANE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `agentlane_bench_engine_${process.pid}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS ${name}`);
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** start → WIDTH parallel no-ops → end: a fan-out/fan-in DAG. */
const workflow = parseWorkflow({
  name: 'bench-noop',
  tasks: [
    { key: 'start', role: 'bench', agent: 'noop' },
    ...Array.from({ length: WIDTH }, (_, i) => ({ key: `m${i}`, role: 'bench', agent: 'noop' })),
    { key: 'end', role: 'bench', agent: 'noop' },
  ],
  dependencies: [...Array.from({ length: WIDTH }, (_, i) => ['start', `m${i}`]), ...Array.from({ length: WIDTH }, (_, i) => [`m${i}`, 'end'])],
});

/**
 * CPU time (ms) used so far by this process and by the local PostgreSQL and Redis server
 * processes, from /proc (Linux, servers on this machine; null elsewhere). Clock ticks are
 * taken as 100 per second, the Linux default.
 */
function cpuNow() {
  const node = process.cpuUsage();
  const servers = { postgres: 0, redis: 0 };
  try {
    for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      try {
        const comm = fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
        const kind = comm.startsWith('postgres') ? 'postgres' : comm.startsWith('redis-server') ? 'redis' : undefined;
        if (!kind) continue;
        const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
        servers[kind] += (Number(fields[11]) + Number(fields[12])) * 10;
      } catch {
        // the process ended meanwhile
      }
    }
  } catch {
    return { node: (node.user + node.system) / 1000, postgres: null, redis: null };
  }
  return { node: (node.user + node.system) / 1000, ...servers };
}

/** CPU ms per unit of work between two cpuNow() readings. */
function cpuPer(before, after, units) {
  const per = (key) => (before[key] === null || after[key] === null ? null : (after[key] - before[key]) / units);
  return { postgres: per('postgres'), node: per('node'), redis: per('redis') };
}

const fmtCpu = (cpu) =>
  ['postgres', 'node', 'redis'].filter((k) => cpu[k] !== null && cpu[k] >= 0.005).map((k) => `${k} ${fmt(cpu[k], 2)}`).join(', ');

const percentile = (sorted, p) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]);
const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

async function waitAllDone(sql) {
  for (;;) {
    const { rows } = await sql.query(`SELECT count(*)::int AS n FROM engine_v2.job_runs WHERE status = 'running'`);
    if (rows[0].n === 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function queueLatency(sql, since) {
  const { rows } = await sql.query(
    `SELECT extract(epoch FROM (a.started_at - t.ready_at)) * 1000 AS ms
     FROM engine_v2.job_task_attempts a JOIN engine_v2.job_tasks t ON t.id = a.task_id
     WHERE a.attempt_no = 1 AND a.started_at >= $1 ORDER BY 1`,
    [since],
  );
  return rows.map((r) => Number(r.ms));
}

async function engineRun(sql, label, makeEngines) {
  const engines = makeEngines();
  const submitter = engines[0];
  const since = new Date();
  const cpuBefore = cpuNow();
  const started = performance.now();
  let next = 0;
  // Submit with bounded parallelism, as many clients would.
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < JOBS) {
      next += 1;
      await submitter.submit(workflow, { input: {} });
    }
  }));
  await waitAllDone(sql);
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuPer(cpuBefore, cpuNow(), TOTAL);
  await Promise.all(engines.map((e) => e.close()));
  const { rows } = await sql.query(`SELECT status, count(*)::int AS n FROM engine_v2.job_runs WHERE created_at >= $1 GROUP BY 1`, [since]);
  const waits = await queueLatency(sql, since);
  return { label, tasksPerSecond: TOTAL / seconds, seconds, statuses: Object.fromEntries(rows.map((r) => [r.status, r.n])), waits, cpu };
}

/** Plain BullMQ over at least 10,000 jobs: short runs are dominated by start-up. */
const PLAIN = Math.max(TOTAL, 10_000);

async function plainBullmq(round) {
  const connection = { url: redisUrl, maxRetriesPerRequest: null };
  const queue = new Queue(`plain-noop-${round}`, { connection, prefix });
  let done = 0;
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  const worker = new Worker(`plain-noop-${round}`, async () => {
    done += 1;
    if (done === PLAIN) finish();
    return null;
  }, { connection, prefix, concurrency: CONCURRENCY });
  await worker.waitUntilReady();
  const cpuBefore = cpuNow();
  const started = performance.now();
  for (let i = 0; i < PLAIN; i += 500) {
    await queue.addBulk(Array.from({ length: Math.min(500, PLAIN - i) }, (_, j) => ({ name: 'noop', data: { i: i + j }, opts: { removeOnComplete: true } })));
  }
  await finished;
  const seconds = (performance.now() - started) / 1000;
  const cpu = cpuPer(cpuBefore, cpuNow(), PLAIN);
  await worker.close();
  await queue.close();
  return { jobsPerSecond: PLAIN / seconds, seconds, cpu };
}

async function claimStatementLatency(sql) {
  const single = parseWorkflow({ name: 'bench-claim', tasks: [{ key: 'only', role: 'claim', agent: 'noop' }] });
  const submitter = createEngine({ sql, workers: 0, stagingRoot: staging });
  for (let i = 0; i < 300; i += 1) await submitter.submit(single);
  const times = [];
  for (;;) {
    const t0 = performance.now();
    const claimed = await claimNext(sql, { workerId: 'bench', leaseMs: 60_000, roles: ['claim'] });
    if (!claimed) break;
    times.push(performance.now() - t0);
  }
  await submitter.close();
  return times.sort((a, b) => a - b);
}

async function clearPrefix() {
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.del(...keys);
  } while (cursor !== '0');
  client.disconnect();
}

const db = await database();
const sql = await openPostgres({ connectionString: db.url, maxConnections: CONCURRENCY + 4 });
try {
  await migrateEngine(sql);
  const common = { sql, stagingRoot: staging, pollIntervalMs: 50 };
  console.log(`engine_v2 bench: ${JOBS} jobs × ${TASKS_PER_JOB} no-op tasks (start → ${WIDTH} parallel → end) = ${fmt(TOTAL)} tasks; concurrency ${CONCURRENCY}; ${os.cpus().length} CPUs; median of ${ROUNDS} rounds`);
  console.log(`PostgreSQL ${db.url.replace(/:[^:@/]*@/, ':***@')} · Redis ${redisUrl}\n`);

  // Warm-up: connections, plans, BullMQ scripts.
  await engineRun(sql, 'warm-up', () => [createEngine({ ...common, workers: CONCURRENCY })]);

  // Rounds interleave the three measurements, so a slow patch of the machine hits all three.
  const transport = { kind: 'bullmq', url: redisUrl, prefix };
  const runs = { inline: [], bull: [], plain: [] };
  for (let round = 1; round <= ROUNDS; round += 1) {
    runs.inline.push(await engineRun(sql, 'engine, inline', () => [createEngine({ ...common, workers: CONCURRENCY })]));
    runs.bull.push(await engineRun(sql, 'engine, BullMQ', () => [
      createEngine({ ...common, workers: 0, transport }),
      createEngine({ ...common, workers: CONCURRENCY, roles: ['bench'], transport }),
    ]));
    runs.plain.push(await plainBullmq(round));
    console.log(`round ${round}/${ROUNDS}: inline ${fmt(runs.inline.at(-1).tasksPerSecond)} tasks/s, BullMQ ${fmt(runs.bull.at(-1).tasksPerSecond)} tasks/s, plain BullMQ ${fmt(runs.plain.at(-1).jobsPerSecond)} jobs/s`);
  }
  const median = (list, key) => [...list].sort((a, b) => a[key] - b[key])[Math.floor(list.length / 2)];
  const inline = median(runs.inline, 'tasksPerSecond');
  const bull = median(runs.bull, 'tasksPerSecond');
  const plain = median(runs.plain, 'jobsPerSecond');
  console.log('');
  const claims = await claimStatementLatency(sql);

  const rows = [
    ['engine, inline (no-op DAG tasks)', inline],
    ['engine, BullMQ (no-op DAG tasks)', bull],
  ];
  for (const [label, r] of rows) {
    console.log(`${label.padEnd(36)} ${fmt(r.tasksPerSecond).padStart(7)} tasks/s  (${fmt(r.seconds, 2)} s; runs ${JSON.stringify(r.statuses)})  ratio to plain BullMQ ${fmt(r.tasksPerSecond / plain.jobsPerSecond, 2)}`);
  }
  console.log(`${'plain BullMQ (no-op jobs)'.padEnd(36)} ${fmt(plain.jobsPerSecond).padStart(7)} jobs/s   (${fmt(PLAIN)} jobs in ${fmt(plain.seconds, 2)} s)`);
  console.log('');
  console.log(`CPU ms per task (median run): inline ${fmtCpu(inline.cpu)}; BullMQ ${fmtCpu(bull.cpu)}; plain BullMQ per job ${fmtCpu(plain.cpu)}`);
  console.log(`claim statement (FOR UPDATE SKIP LOCKED + attempt + event), idle: p50 ${fmt(percentile(claims, 0.5), 2)} ms, p95 ${fmt(percentile(claims, 0.95), 2)} ms (${claims.length} claims)`);
  for (const [label, r] of rows) {
    console.log(`ready → claimed under load, ${label.replace(' (no-op DAG tasks)', '')}: p50 ${fmt(percentile(r.waits, 0.5), 1)} ms, p95 ${fmt(percentile(r.waits, 0.95), 1)} ms`);
  }
  console.log(`\ntarget: engine (BullMQ) / plain BullMQ ≥ 0.25 → ${fmt(bull.tasksPerSecond / plain.jobsPerSecond, 2)}`);
} finally {
  await sql.close();
  await db.drop();
  await clearPrefix().catch(() => undefined);
}
