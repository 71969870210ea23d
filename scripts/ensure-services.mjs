#!/usr/bin/env node
/**
 * Make sure the services the test suite talks to are up: PostgreSQL on
 * 127.0.0.1:5432 and Redis on 127.0.0.1:6379. A service that is down is started
 * with the machine's own start command; if that is impossible, exit 1 saying
 * exactly what is missing. Never lets the suite silently skip.
 *
 * Override the targets with AGENTLANE_TEST_DATABASE_URL / AGENTLANE_TEST_REDIS_URL;
 * set AGENTLANE_TEST_BACKENDS=pglite to run without PostgreSQL.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

const pgUrl = new URL(process.env.AGENTLANE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
const redisUrl = new URL(process.env.AGENTLANE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
const backends = (process.env.AGENTLANE_TEST_BACKENDS ?? 'pg,pglite').split(',');
const needPostgres = backends.includes('pg') || backends.includes('postgres');

function reachable(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitFor(host, port, seconds) {
  for (let i = 0; i < seconds * 4; i += 1) {
    if (await reachable(host, port, 250)) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

function commandExists(name) {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { stdio: 'ignore' }).status === 0;
}

function startPostgres() {
  if (!commandExists('pg_ctlcluster') || !fs.existsSync('/etc/postgresql')) {
    return 'pg_ctlcluster is not installed (Debian package postgresql)';
  }
  const versions = fs.readdirSync('/etc/postgresql');
  if (versions.length === 0) return 'no cluster under /etc/postgresql';
  try {
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', versions[0], 'main', 'start'], { stdio: 'inherit' });
    return null;
  } catch (error) {
    return `pg_ctlcluster failed: ${error.message}`;
  }
}

function startRedis() {
  if (!commandExists('redis-server')) return 'redis-server is not installed (Debian package redis-server)';
  try {
    fs.mkdirSync('/var/lib/redis', { recursive: true });
    fs.mkdirSync('/var/log/redis', { recursive: true });
    execFileSync(
      'redis-server',
      ['--daemonize', 'yes', '--bind', '127.0.0.1', '-::1', '--port', '6379', '--save', '', '--appendonly', 'no', '--dir', '/var/lib/redis', '--logfile', '/var/log/redis/ci.log'],
      { stdio: 'inherit' },
    );
    return null;
  } catch (error) {
    return `redis-server failed: ${error.message}`;
  }
}

/**
 * bubblewrap (`bwrap`) and slirp4netns (the uplink of a sandbox whose agent has
 * `network: true`) for the agent-lane sandbox tests (packages/lane). When one is missing
 * and this runs as root on a Debian-like system, install the Debian package `bubblewrap`;
 * otherwise say so. Never fatal here: the lane's bwrap tests fail with the reason themselves
 * (set AGENTLANE_TEST_BWRAP=off to mark them skipped on purpose).
 */
function ensureBubblewrap() {
  if (process.platform !== 'linux' || process.env.AGENTLANE_TEST_BWRAP === 'off') return;
  const missing = ['bwrap', 'slirp4netns'].filter((name) => !commandExists(name));
  if (missing.length > 0) {
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    if (!isRoot || !commandExists('apt-get')) {
      console.error(
        `[ensure-services] ${missing.join(' and ')} not installed and cannot be installed from here (needs root and apt-get): ` +
          'install the packages bubblewrap and slirp4netns, or set AGENTLANE_TEST_BWRAP=off; until then the lane sandbox tests fail',
      );
      return;
    }
    console.error(`[ensure-services] ${missing.join(' and ')} not installed; installing the Debian packages bubblewrap and slirp4netns`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'bubblewrap', 'slirp4netns'], { stdio: 'inherit', env }).status === 0;
    if (!install() && !(spawnSync('apt-get', ['update'], { stdio: 'inherit', env }).status === 0 && install())) {
      console.error('[ensure-services] apt-get could not install bubblewrap and slirp4netns; the lane sandbox tests will fail');
      return;
    }
  }
  // Installed is not enough: containers often forbid the namespaces bwrap needs.
  const probe = spawnSync('bwrap', ['--unshare-all', '--die-with-parent', '--ro-bind', '/', '/', 'true'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.error(
      `[ensure-services] bwrap is installed but cannot create a sandbox here (${(probe.stderr || probe.error?.message || '').trim()}); ` +
        'the lane falls back to worktree isolation and its bwrap tests fail',
    );
  }
}

ensureBubblewrap();

const services = [
  needPostgres && { name: 'PostgreSQL', host: pgUrl.hostname, port: pgUrl.port || 5432, start: startPostgres },
  { name: 'Redis', host: redisUrl.hostname, port: redisUrl.port || 6379, start: startRedis },
].filter(Boolean);

const problems = [];
for (const service of services) {
  if (await reachable(service.host, service.port)) continue;
  const isLocal = ['127.0.0.1', 'localhost', '::1'].includes(service.host);
  if (!isLocal) {
    problems.push(`${service.name} is not reachable at ${service.host}:${service.port} and is not local, so it cannot be started here`);
    continue;
  }
  console.error(`[ensure-services] ${service.name} is down at ${service.host}:${service.port}; starting it`);
  const failure = service.start();
  if (failure) problems.push(`${service.name} is down and could not be started: ${failure}`);
  else if (!(await waitFor(service.host, service.port, 20))) {
    problems.push(`${service.name} was started but does not answer on ${service.host}:${service.port}`);
  }
}

if (problems.length > 0) {
  for (const problem of problems) console.error(`[ensure-services] ${problem}`);
  console.error('[ensure-services] the test suite needs these services; see README "Running the tests"');
  process.exit(1);
}
