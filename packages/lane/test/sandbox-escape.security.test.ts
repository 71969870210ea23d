/**
 * Escapes from the agent lane sandbox, each tried by a scripted agent through the
 * real lane (bwrap, the same view for the agent and the test command). An agent
 * script exits 0 and writes what it got into the change only when its attack
 * worked; every `it` asserts the attack was held: nothing of the host reached,
 * read or changed, and nothing committed onto the lane branch.
 *
 * These tests never skip: without a usable bwrap they fail saying why
 * (scripts/ensure-services.mjs installs bubblewrap and slirp4netns).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_FILE, lanePaths, loadLaneFile, probeBwrap, readEvents, runLane, type LaneEvent, type LaneRunResult } from '../src/index.js';
import { BASE_FILES, FIX_ADD, lane, task, useLaneRepos, type LaneRepo } from './support/lane-repo.js';

const repo = useLaneRepos();

async function run(
  r: LaneRepo,
  laneObject: Record<string, unknown>,
  extra: Partial<Parameters<typeof runLane>[0]> = {},
): Promise<{ result: LaneRunResult; events: LaneEvent[] }> {
  const laneFile = loadLaneFile(r.laneFile(laneObject), { repoRoot: r.root });
  const result = await runLane({ lane: laneFile, repoRoot: r.root, home: r.home, ...extra });
  const events = readEvents(path.join(lanePaths(r.home).runs, result.runId, EVENTS_FILE)).events;
  return { result, events };
}

/** One attack as one microtask under bwrap; returns its result and events. */
async function attack(r: LaneRepo, id: string, body: string, options: { network?: boolean; lane?: Record<string, unknown>; task?: Record<string, unknown>; env?: NodeJS.ProcessEnv } = {}) {
  const script = r.agent(id, body);
  const spec = { ...task(id, script, options.task ?? {}), ...(options.network ? { agent: { command: ['bash', script], network: true } } : {}) };
  const out = await run(r, lane([spec], { sandbox: 'bwrap', stop_after_failures: 5, ...options.lane }), options.env ? { env: options.env } : {});
  return { ...out, task: out.result.tasks[0] as LaneRunResult['tasks'][number] };
}

/** Held: the task failed and the lane branch did not move. */
function expectHeld(r: LaneRepo, out: { result: LaneRunResult; task: LaneRunResult['tasks'][number] }, label: string): void {
  expect(out.task.status, `${label}: ${JSON.stringify(out.task.findings[0])}`).toBe('failed');
  expect(out.task.commit).toBeNull();
  expect(r.git('rev-parse', 'lane/nightly').trim(), label).toBe(r.git('rev-parse', 'main').trim());
}

/** Held because the attack itself failed inside the sandbox (the agent said so with exit 3). */
function expectRefusedInside(out: { task: LaneRunResult['tasks'][number] }, label: string): void {
  expect(out.task.findings[0], label).toMatchObject({ validator: 'agent', rule: 'exit_code', message: 'the agent exited with 3' });
}

/** An agent body: if `attempt` succeeds, commit the loot (a breach); else exit 3. */
const tryTo = (attempt: string, loot = 'breach') => `if ${attempt}; then\n${FIX_ADD}\necho '${loot}' > src/loot.txt\nexit 0\nfi\necho "held" >&2\nexit 3`;

/** Every Unix socket of the host: paths in /proc/net/unix, abstract names, and sockets in the usual directories. */
function hostUnixSockets(): string[] {
  const found = new Set<string>();
  for (const line of fs.readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
    const name = line.trim().split(/\s+/)[7];
    if (name) found.add(name);
  }
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isSocket()) found.add(full);
      else if (e.isDirectory() && depth > 0) walk(full, depth - 1);
    }
  };
  for (const dir of ['/run', '/var/run', '/tmp', '/var/lib/postgresql']) walk(dir, 4);
  return [...found];
}

function processWithToken(token: string): number[] {
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(token)) pids.push(Number(name));
    } catch {
      // Gone.
    }
  }
  return pids;
}

const sentinels: ChildProcess[] = [];
afterAll(() => sentinels.forEach((s) => s.kill('SIGKILL')));
function sentinel(): ChildProcess {
  const child = spawn('sleep', ['300'], { stdio: 'ignore', env: { PATH: process.env.PATH, SENTINEL_SECRET: 'sentinel-env-secret-value' } });
  sentinels.push(child);
  return child;
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const external = Object.values(os.networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

describe('security: sandbox', () => {
  beforeAll(() => {
    const status = probeBwrap();
    if (!status.usable) {
      throw new Error(`bwrap cannot create the lane sandbox on this machine (${status.reason}); install bubblewrap (scripts/ensure-services.mjs does) — these tests do not skip`);
    }
  });

  it('connects to no Unix socket of the host (every path in /proc/net/unix, abstract names, /run, /var/run, /tmp, /var/lib/postgresql)', async () => {
    const sockets = hostUnixSockets();
    expect(sockets.length).toBeGreaterThan(0);
    const r = repo();
    const targets = JSON.stringify(sockets.map((s) => (s.startsWith('@') ? `\0${s.slice(1)}` : s)));
    const probe = `node -e '
const net = require("net"); const targets = ${targets.replace(/'/g, '')};
let left = targets.length, hit = [];
for (const t of targets) { const s = net.connect({ path: t }); const done = () => { s.destroy(); if (--left === 0) { if (hit.length) { console.log(hit.join(",")); process.exit(0); } process.exit(1); } };
  s.on("connect", () => { hit.push(JSON.stringify(t)); done(); }); s.on("error", done); s.setTimeout(1000, done); }'`;
    for (const network of [false, true]) {
      const out = await attack(r, `unix-sockets-${network}`, tryTo(probe), { network });
      expectRefusedInside(out, `network: ${network}`);
      expectHeld(r, out, `network: ${network}`);
    }
  });

  it('cannot run a command on the host through PostgreSQL (socket and 127.0.0.1:5432, network false and true)', async () => {
    const r = repo();
    // World-writable, so the postgres server process could create it if an attack got through.
    const marker = path.join(os.tmpdir(), `agentlane-pg-pwned-${process.pid}`);
    const copy = `COPY (SELECT 1) TO PROGRAM 'touch ${marker}'`;
    for (const network of [false, true]) {
      for (const host of ['/var/run/postgresql', '/run/postgresql', '127.0.0.1', ...(network ? ['10.0.2.2'] : [])]) {
        // Connecting at all is the breach (trust auth, superuser); the COPY is what it would lead to.
        const psql = `PGCONNECT_TIMEOUT=3 psql -h ${host} -U postgres -d postgres`;
        const out = await attack(r, `pg-${network}-${host.replace(/\W/g, '')}`, tryTo(`${psql} -c "${copy}" >&2 || ${psql} -c 'SELECT 1' >&2`), { network });
        expectRefusedInside(out, `${host} network: ${network}`);
        expectHeld(r, out, `${host} network: ${network}`);
        expect(out.task.findings[0]?.evidence ?? '', host).not.toMatch(/\(1 row\)|COPY 1/);
      }
    }
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('reaches no host loopback service (PostgreSQL, Redis) even with network: true', async () => {
    const r = repo();
    const probe = `node -e 'const n = require("net"); let left = 4, ok = false; for (const [h, p] of [["127.0.0.1", 5432], ["127.0.0.1", 6379], ["10.0.2.2", 5432], ["10.0.2.2", 6379]]) { const s = n.connect(p, h); const done = () => { s.destroy(); if (--left === 0) process.exit(ok ? 0 : 1); }; s.on("connect", () => { ok = true; done(); }); s.on("error", done); s.setTimeout(2000, done); }'`;
    const out = await attack(r, 'loopback', tryTo(probe), { network: true });
    expectRefusedInside(out, 'loopback');
    expectHeld(r, out, 'loopback');
  });

  it('reaches no network at all without network: true', async () => {
    const r = repo();
    const hosts = [['1.1.1.1', 443], ['8.8.8.8', 53], ...(external ? [[external, 22]] : [])];
    const probe = `node -e 'const n = require("net"); const hosts = ${JSON.stringify(hosts)}; let left = hosts.length, ok = false; for (const [h, p] of hosts) { const s = n.connect(p, h); const done = () => { s.destroy(); if (--left === 0) process.exit(ok ? 0 : 1); }; s.on("connect", () => { ok = true; done(); }); s.on("error", (e) => { if (e.code === "ECONNREFUSED") ok = true; done(); }); s.setTimeout(2000, done); }'`;
    const out = await attack(r, 'offline', tryTo(probe));
    expectRefusedInside(out, 'offline');
    expectHeld(r, out, 'offline');
  });

  it('cannot read /etc/shadow, /etc/gshadow or the SSH host keys', async () => {
    const r = repo();
    const out = await attack(r, 'shadow', tryTo('grep -qs "^root:" /etc/shadow /etc/gshadow || cat /etc/ssh/ssh_host_*_key 2>/dev/null | grep -q PRIVATE'));
    expectRefusedInside(out, 'shadow');
    expectHeld(r, out, 'shadow');
  });

  it('cannot read /root or /home', async () => {
    const r = repo();
    const out = await attack(r, 'homes', tryTo('[ -n "$(ls -A /root 2>/dev/null)" ] || [ -n "$(ls -A /home 2>/dev/null)" ]'));
    expectRefusedInside(out, 'homes');
    expectHeld(r, out, 'homes');
  });

  it("cannot read the main checkout's ignored .env, another repository, or the git config's token", async () => {
    const r = repo({ ...BASE_FILES, '.gitignore': '.env\n' });
    fs.writeFileSync(path.join(r.root, '.env'), 'DATABASE_PASSWORD=main-checkout-secret\n');
    r.git('config', 'remote.origin.url', 'https://x-access-token:ghp_abcdefghijklmnopqrstuvwxyz0123456789@example.invalid/r.git');
    const other = repo();
    const out = await attack(
      r,
      'dotenv',
      tryTo(`grep -qs main-checkout-secret '${r.root}/.env' || [ -s '${other.root}/README.md' ] || grep -rqs ghp_ '${r.root}/.git/config' || [ -s /work/main/README.md ]`),
    );
    expectRefusedInside(out, 'dotenv');
    expectHeld(r, out, 'dotenv');
  });

  it('writes nothing outside the worktree', async () => {
    const r = repo();
    const targets = [path.join(r.scratch, 'pwned'), path.join(r.root, 'pwned'), path.join(r.home, 'pwned'), '/usr/pwned-lane', '/etc/pwned-lane', '/var/tmp/pwned-lane'];
    const body = `${targets.map((t) => `echo pwned > '${t}' 2>/dev/null || true`).join('\n')}\necho held >&2\nexit 3`;
    const out = await attack(r, 'writes', body);
    expectRefusedInside(out, 'writes');
    expectHeld(r, out, 'writes');
    for (const t of targets) expect(fs.existsSync(t), t).toBe(false);
  });

  it('cannot ptrace or read the memory and environment of a host process', async () => {
    const r = repo();
    const victim = sentinel();
    const pid = victim.pid as number;
    const out = await attack(r, 'ptrace', tryTo(`grep -qs sentinel-env-secret /proc/${pid}/environ || head -c 16 /proc/${pid}/mem >/dev/null 2>&1 || ls /proc/${pid}/root/ >/dev/null 2>&1`));
    expectRefusedInside(out, 'ptrace');
    expectHeld(r, out, 'ptrace');
  });

  it('cannot kill a host process', async () => {
    const r = repo();
    const victim = sentinel();
    const pid = victim.pid as number;
    const out = await attack(r, 'killer', tryTo(`kill -9 ${pid} 2>/dev/null || kill -9 -1 2>/dev/null; sleep 0.2; false`));
    expectHeld(r, out, 'killer');
    expect(isAlive(pid)).toBe(true);
  });

  it('leaves no daemon behind and keeps the wall time, whatever holds stdout (setsid, double fork, env wiped)', async () => {
    for (const sandbox of ['bwrap', 'worktree'] as const) {
      const r = repo();
      const token = `agentlane-daemon-${process.pid}-${sandbox}`;
      const body = [
        `setsid bash -c 'exec -a ${token}-a sleep 300' &`,
        `( setsid bash -c 'exec -a ${token}-b sleep 300' & ) `,
        `( env -i /usr/bin/setsid /bin/bash -c 'exec -a ${token}-c sleep 300' & )`,
        'sleep 60',
      ].join('\n');
      const started = Date.now();
      const out = await attack(r, `daemon-${sandbox}`, body, { lane: { sandbox, limits: { wall_time_s: 2 } } });
      expect(Date.now() - started, sandbox).toBeLessThan(20_000);
      expect(out.task.findings[0]).toMatchObject({ validator: 'limits', rule: 'wall_time' });
      expectHeld(r, out, sandbox);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(processWithToken(token), sandbox).toEqual([]);
    }
  });

  it('nothing it started survives a kill -9 of the lane process', async () => {
    const dist = path.resolve(__dirname, '../dist/index.js');
    expect(fs.existsSync(dist), 'packages/lane must be built (npm test builds it)').toBe(true);
    for (const sandbox of ['bwrap', 'worktree'] as const) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-kill9-'));
      const token = `agentlane-orphan-${process.pid}-${sandbox}`;
      // The token reaches the agent through its environment, so that no command line but the agent's own processes carries it.
      const script = [
        `setsid bash -c 'exec -a "$1-a" sleep 300' _ "$T" &`,
        `( env -i /usr/bin/setsid /bin/bash -c 'exec -a "$1-b" sleep 300' _ "$T" & )`,
        'exec -a "$T-main" sleep 300',
      ].join('\n');
      const program = `import(${JSON.stringify(dist)}).then(async (m) => { const s = ${sandbox === 'bwrap' ? 'm.bwrapSandbox()' : 'm.worktreeSandbox(null)'}; await s.run(['bash', '-c', ${JSON.stringify(script)}], { worktree: ${JSON.stringify(dir)}, env: { PATH: process.env.PATH, HOME: ${JSON.stringify(dir)}, T: process.env.T }, network: false, timeoutMs: 300000 }); });`;
      const lane = spawn(process.execPath, ['-e', program], { stdio: 'ignore', env: { ...process.env, T: token } });
      // HOME is the worktree, as the lane sets it: without one, bash (its stdin a socket) would source
      // the host's ~/.bashrc with HOME unset. Starting node, the sandbox and three processes can take
      // long on a loaded machine: wait for all three.
      const until = Date.now() + 45_000;
      while (processWithToken(token).length < 3 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(processWithToken(token).length, `${sandbox}: the agent and its two daemons started`).toBe(3);
      lane.kill('SIGKILL');
      const gone = Date.now() + 5000;
      while (processWithToken(token).length > 0 && Date.now() < gone) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(processWithToken(token), sandbox).toEqual([]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);

  it('ends the attempt, not the run, on an empty nested git init; the next task still runs', async () => {
    const r = repo();
    const { result } = await run(
      r,
      lane([task('nested', r.agent('nested', `${FIX_ADD}\ngit init -q src/inner`)), task('good', r.agent('good', FIX_ADD))], { sandbox: 'bwrap', stop_after_failures: 5 }),
    );
    const [nested, good] = result.tasks;
    expect(nested?.findings[0]).toMatchObject({ validator: 'paths', rule: 'nested_repository', file: 'src/inner/.git' });
    expect(nested?.status).toBe('failed');
    expect(good?.status).toBe('succeeded');
    expect(r.git('ls-tree', '-r', '--name-only', 'lane/nightly')).not.toContain('inner');
  });

  it('ends the attempt, not the run, on a 300 MB file, before reading it (disk limit, and the size cap when the disk limit is raised)', async () => {
    const r = repo();
    const big = `${FIX_ADD}\nhead -c 300M /dev/zero | tr '\\0' a > src/big.txt`;
    const { result } = await run(
      r,
      lane([task('big', r.agent('big', big)), task('big-raised', r.agent('big2', big), { limits: { disk_mb: 2000 } }), task('good', r.agent('good', FIX_ADD))], {
        sandbox: 'bwrap',
        stop_after_failures: 5,
      }),
    );
    const [plain, raised, good] = result.tasks;
    expect(plain?.findings[0]).toMatchObject({ validator: 'limits', rule: 'disk' });
    expect(raised?.findings[0]).toMatchObject({ validator: 'limits', rule: 'file_size', file: 'src/big.txt' });
    expect(good?.status).toBe('succeeded');
    expect(r.git('ls-tree', '-r', '--name-only', 'lane/nightly')).not.toContain('big.txt');
  });

  const shapes: Record<string, string> = {
    github_token: `ghp_${'A1b2C3d4E5'.repeat(4)}`,
    github_fine_grained_token: `github_pat_${'A1b2C3d4E5f6'.repeat(6)}`,
    anthropic_key: `sk-ant-api03-${'Zx9Yw8Vu7T'.repeat(4)}`,
    openai_key: `sk-proj-${'Qr5St6Uv7W'.repeat(4)}`,
    aws_access_key_id: 'AKIAQWERTYUIOPASDFGH',
    private_key: '-----BEGIN OPENSSH PRIVATE KEY-----',
  };
  for (const [kind, secret] of Object.entries(shapes)) {
    it(`stops a ${kind} in an added line, with evidence that does not print it`, async () => {
      const r = repo();
      const out = await attack(r, `secret-${kind.replace(/_/g, '-')}`, `${FIX_ADD}\necho "export const key = '${secret}';" > src/config.mjs`);
      expectHeld(r, out, kind);
      const finding = out.task.findings.find((f) => f.validator === 'secrets');
      expect(finding).toMatchObject({ validator: 'secrets', file: 'src/config.mjs', line: 1 });
      expect(finding?.pattern).toContain(kind);
      expect(JSON.stringify(out.events)).not.toContain(secret.slice(0, 24));
    });
  }

  it('stops the exact value of a configured secret (even in no known shape), without printing it', async () => {
    const r = repo();
    const value = 'plain-words-but-configured-9q';
    const out = await attack(r, 'secret-configured', `${FIX_ADD}\necho "// ${value}" >> src/math.mjs`, { env: { ...process.env, BILLING_SERVICE_TOKEN: value } });
    expectHeld(r, out, 'configured');
    expect(out.task.findings.find((f) => f.validator === 'secrets')).toMatchObject({ rule: 'configured_secret', file: 'src/math.mjs' });
    expect(JSON.stringify(out.events)).not.toContain(value);
  });

  it('stops a high-entropy string in a new file, without printing it', async () => {
    const r = repo();
    const value = 'q7Xv2LpZ9rT4mWk8Nb3Hc6Jd1Fs5Gy0Ae';
    const out = await attack(r, 'secret-entropy', `${FIX_ADD}\necho "export const k = '${value}';" > src/keys.mjs`);
    expectHeld(r, out, 'entropy');
    expect(out.task.findings.find((f) => f.validator === 'secrets')).toMatchObject({ rule: 'high_entropy_string', file: 'src/keys.mjs' });
    expect(JSON.stringify(out.events)).not.toContain(value);
  });

  it('commits no symlink to /etc/shadow or to a host path, and reads nothing through one', async () => {
    const r = repo();
    fs.writeFileSync(path.join(r.root, '.env'), 'HOST_SECRET=through-a-symlink\n');
    const out = await attack(r, 'symlinks', `${FIX_ADD}\nln -s /etc/shadow src/shadow\nln -s '${r.root}/.env' src/env\ncat src/shadow src/env > src/copied.txt 2>/dev/null || true`);
    expectHeld(r, out, 'symlinks');
    expect(out.task.findings.map((f) => `${f.validator}/${f.rule}/${f.file}`)).toEqual(expect.arrayContaining(['paths/symlink/src/shadow', 'paths/symlink/src/env']));
    const diffs = out.events.filter((e): e is LaneEvent<'attempt_finished'> => e.type === 'attempt_finished').map((e) => e.data.diff ?? '');
    for (const diff of diffs) {
      expect(diff).not.toContain('through-a-symlink');
      expect(diff).not.toMatch(/^\+root:/m);
    }
  });
});
