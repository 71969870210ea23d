#!/usr/bin/env node
/**
 * npm run bench:cli -- [--repo <dir>] [--home <dir>] [--rounds N] [--query <words>]
 *
 * Wall and CPU time of `agentlane kg search <query>` from the shell on the embedded
 * database, in the two situations a user meets:
 *   cold  — no other agentlane process has the database open: the command opens PGlite itself;
 *   owner — `agentlane kg index --watch` (like `serve`/`mcp`) holds it: the command connects to its socket.
 * The index lives in a scratch AGENTLANE_HOME under the OS temp dir (or --home) and persists
 * between runs (the first run indexes the repository; default: Python's standard library,
 * ~75k objects).
 * CPU is the child's user+system time (getrusage via /usr/bin/time when present): on a
 * busy machine wall times say more about the neighbours than about the command.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', 'apps', 'cli', 'dist', 'main.js');
const { values } = parseArgs({
  options: {
    repo: { type: 'string' },
    home: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    query: { type: 'string', default: 'parse a JSON string' },
  },
});
const repo = path.resolve(values.repo ?? execFileSync('python3', ['-c', "import sysconfig; print(sysconfig.get_paths()['stdlib'])"], { encoding: 'utf8' }).trim());
const rounds = Number(values.rounds);
const home = values.home ? path.resolve(values.home) : path.join(os.tmpdir(), 'agentlane-bench-cli', crypto.createHash('sha256').update(repo).digest('hex').slice(0, 12));
const env = { ...process.env, AGENTLANE_HOME: home, DATABASE_URL: '', LOG_LEVEL: 'warn' };
const timeBin = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

function cliRun(args) {
  const started = performance.now();
  const result = timeBin
    ? spawnSync(timeBin, ['-f', '%U %S', process.execPath, cli, ...args], { env, encoding: 'utf8' })
    : spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8' });
  const wallMs = performance.now() - started;
  if (result.status !== 0) throw new Error(`agentlane ${args.join(' ')} failed: ${result.stderr}`);
  let cpuMs = null;
  if (timeBin) {
    const last = result.stderr.trim().split('\n').at(-1) ?? '';
    const [user, sys] = last.split(' ').map(Number);
    cpuMs = (user + sys) * 1000;
  }
  return { wallMs, cpuMs, stdout: result.stdout };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => (ms === null || Number.isNaN(ms) ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);

function measure(label) {
  const runs = [];
  for (let i = 0; i < rounds; i += 1) runs.push(cliRun(['kg', 'search', ...values.query.split(' '), '--repo', repo]));
  const wall = median(runs.map((r) => r.wallMs));
  const cpu = timeBin ? median(runs.map((r) => r.cpuMs)) : null;
  console.log(`${label.padEnd(8)} kg search: median wall ${fmt(wall)} · median CPU ${fmt(cpu)} (${rounds} runs)`);
  return { wall, cpu };
}

fs.mkdirSync(home, { recursive: true });
// "cold" means nobody holds the database: refuse to measure a client and call it cold.
const lockPid = Number.parseInt(fs.existsSync(path.join(home, 'db.lock')) ? fs.readFileSync(path.join(home, 'db.lock'), 'utf8') : '', 10);
if (Number.isInteger(lockPid)) {
  try {
    process.kill(lockPid, 0);
    console.error(`process ${lockPid} holds ${home}/db: stop it first (the cold figures would be a client's)`);
    process.exit(1);
  } catch {
    // A stale lock: the next command takes it over.
  }
}
console.log(`repository ${repo}\nindex      ${home} (load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, ${os.cpus().length} CPUs)`);
const indexed = cliRun(['kg', 'index', repo, '--json']);
const summary = JSON.parse(indexed.stdout);
console.log(`index run  ${summary.mode}, ${summary.objects.toLocaleString('en-US')} objects, ${fmt(indexed.wallMs)} wall`);
measure('cold');

const owner = spawn(process.execPath, [cli, 'kg', 'index', repo, '--watch', '--json'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve, reject) => {
  let out = '';
  owner.stdout.on('data', (chunk) => {
    out += chunk.toString();
    if (out.includes('"event":"watching"')) resolve();
  });
  owner.once('exit', (code) => reject(new Error(`the watcher exited (${code})`)));
});
try {
  measure('owner');
} finally {
  owner.kill('SIGINT');
  await new Promise((resolve) => owner.once('exit', resolve));
}
