import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bwrapSandbox, probeBwrap, runCommand, sandboxEnv, secretPathsUnder, selectSandbox, worktreeSandbox } from '../src/index.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-sandbox-'));
  dirs.push(dir);
  return dir;
}

describe('sandbox environment', () => {
  it('keeps the allowlist, sets HOME and TMPDIR to the worktree and drops every proxy variable', () => {
    const env = sandboxEnv({
      worktree: '/w/t1',
      allow: ['ANTHROPIC_API_KEY', 'HTTPS_PROXY'],
      source: { PATH: '/bin', HOME: '/root', SECRET_TOKEN: 'x', ANTHROPIC_API_KEY: 'k', http_proxy: 'http://p', HTTPS_PROXY: 'http://p', LANG: 'C.UTF-8' },
      extra: { AGENTLANE_TASK_ID: 't1', npm_config_proxy: 'http://p' },
    });
    expect(env).toEqual({ PATH: '/bin', LANG: 'C.UTF-8', ANTHROPIC_API_KEY: 'k', HOME: '/w/t1', TMPDIR: '/w/t1/.agentlane-tmp', AGENTLANE_TASK_ID: 't1' });
  });
});

describe('runCommand', () => {
  it('gives a process without HOME its working directory as HOME, so no shell reads the host user\'s rc files', async () => {
    const cwd = tmp();
    const result = await runCommand(['bash', '-c', 'printf %s "$HOME"'], { cwd, env: { PATH: process.env.PATH }, timeoutMs: 30_000 });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(cwd);
    const given = await runCommand(['bash', '-c', 'printf %s "$HOME"'], { cwd, env: { PATH: process.env.PATH, HOME: '/nonexistent-home' }, timeoutMs: 30_000 });
    expect(given.stdout).toBe('/nonexistent-home');
  });

  it('kills the whole process group when the time runs out', async () => {
    const started = Date.now();
    const result = await runCommand(['bash', '-c', 'sleep 30 & sleep 30'], { cwd: tmp(), env: { PATH: process.env.PATH }, timeoutMs: 300, killGraceMs: 200 });
    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('feeds stdin, keeps output and reports a program that cannot start', async () => {
    const dir = tmp();
    // HOME set: bash sources ~/.bashrc when stdin is a socket, as node's pipes are.
    const echo = await runCommand(['bash', '-c', 'cat; echo err >&2; exit 3'], { cwd: dir, env: { PATH: process.env.PATH, HOME: dir }, timeoutMs: 5000, stdin: 'hello' });
    expect(echo).toMatchObject({ exitCode: 3, stdout: 'hello', stderr: 'err\n', timedOut: false, spawnError: null });
    const missing = await runCommand(['/nonexistent/agent'], { cwd: tmp(), env: {}, timeoutMs: 5000 });
    expect(missing.spawnError).toMatch(/ENOENT/);
  });

  it('kills the command at once when the lane is interrupted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const result = await runCommand(['sleep', '30'], { cwd: tmp(), env: { PATH: process.env.PATH }, timeoutMs: 30_000, signal: controller.signal });
    expect(result.aborted).toBe(true);
    expect(result.exitCode).toBeNull();
  });
});

describe('sandbox view', () => {
  it('masks the secrets of /etc by name, and every entry that is not world-readable', () => {
    const etc = tmp();
    fs.writeFileSync(path.join(etc, 'passwd'), 'root:x:0:0\n', { mode: 0o644 });
    fs.writeFileSync(path.join(etc, 'shadow'), 'root:$6$\n', { mode: 0o644 });
    fs.mkdirSync(path.join(etc, 'app'));
    fs.writeFileSync(path.join(etc, 'app', 'token.conf'), 'x', { mode: 0o600 });
    fs.mkdirSync(path.join(etc, 'private'), { mode: 0o700 });
    fs.writeFileSync(path.join(etc, 'private', 'key'), 'x', { mode: 0o644 });
    expect(secretPathsUnder(etc, [path.join(etc, 'shadow')])).toEqual([
      { path: path.join(etc, 'app', 'token.conf'), kind: 'file' },
      { path: path.join(etc, 'private'), kind: 'dir' },
      { path: path.join(etc, 'shadow'), kind: 'file' },
    ]);
  });
});

describe('worktree sandbox', () => {
  it('kills the whole tree at the time limit, daemons that wiped their environment included, and does not wait on their pipes', async () => {
    const token = `agentlane-unit-daemon-${process.pid}`;
    const started = Date.now();
    const result = await worktreeSandbox(null).run(['bash', '-c', `( env -i /usr/bin/setsid /bin/bash -c 'exec -a ${token} sleep 300' & ); sleep 60`], {
      worktree: tmp(),
      env: { PATH: process.env.PATH },
      network: false,
      timeoutMs: 1000,
    });
    expect(result.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(6000);
    const left = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p) && (() => { try { return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(token); } catch { return false; } })());
    expect(left).toEqual([]);
  });
});

describe('sandbox selection', () => {
  it('falls back to worktree isolation with a warning when bwrap cannot run, and refuses when the lane requires it', () => {
    const missing = () => ({ usable: false, reason: 'bwrap is not installed (Debian package bubblewrap)', version: null });
    const fallback = selectSandbox('auto', missing);
    expect(fallback.kind).toBe('worktree');
    expect(fallback.warning).toContain('bwrap is not installed');
    expect(fallback.warning).toContain('falling back to worktree isolation');
    expect(fallback.warning).toContain('write outside its worktree');
    expect(() => selectSandbox('bwrap', missing)).toThrow(expect.objectContaining({ code: 'LANE_SANDBOX_UNAVAILABLE' }));
    expect(selectSandbox('worktree', () => ({ usable: true, reason: null, version: 'x' })).kind).toBe('worktree');
    expect(selectSandbox('auto', () => ({ usable: true, reason: null, version: 'x' })).kind).toBe('bwrap');
  });

  it('refuses an unattended run under sandbox: auto without bwrap, saying what worktree mode gives up; sandbox: worktree still runs', () => {
    const missing = () => ({ usable: false, reason: 'bwrap is not installed (Debian package bubblewrap)', version: null });
    let caught: unknown;
    try {
      selectSandbox('auto', { unattended: true, probe: missing });
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'LANE_SANDBOX_UNAVAILABLE', details: { unattended: true } });
    expect((caught as Error).message).toMatch(/unattended[\s\S]*read every file[\s\S]*sandbox: worktree/);
    const explicit = selectSandbox('worktree', { unattended: true, probe: missing });
    expect(explicit.kind).toBe('worktree');
    expect(explicit.warning).toContain('use the network');
  });

  it('reports a missing bwrap binary by name', () => {
    expect(probeBwrap('/nonexistent/bwrap')).toMatchObject({ usable: false, reason: 'bwrap is not installed (Debian package bubblewrap)' });
  });
});

/**
 * The bwrap sandbox itself. These tests do not skip when bwrap is unusable: they
 * fail and say why. `AGENTLANE_TEST_BWRAP=off` marks them skipped on purpose.
 */
const bwrapOff = process.env.AGENTLANE_TEST_BWRAP === 'off';
describe.skipIf(bwrapOff)(`bwrap sandbox${bwrapOff ? ' (skipped: AGENTLANE_TEST_BWRAP=off)' : ''}`, () => {
  it('is usable on this machine (scripts/ensure-services.mjs installs it)', () => {
    const status = probeBwrap();
    expect(status.reason, `bwrap is not usable here: ${status.reason}`).toBeNull();
    expect(status.usable).toBe(true);
  });

  it('lets the command write its worktree but nothing else of the host', async () => {
    const worktree = tmp();
    const outside = path.join(tmp(), 'escaped.txt');
    const result = await bwrapSandbox().run(['bash', '-c', `echo in > inside.txt; echo out > '${outside}'; echo usr > /usr/escaped-${process.pid}; exit 0`], {
      worktree,
      env: { PATH: process.env.PATH },
      network: false,
      timeoutMs: 10_000,
    });
    // The host's /tmp is not there (a private, empty one is); /usr is read-only.
    expect(result.stderr).toMatch(/Read-only file system/);
    expect(fs.readFileSync(path.join(worktree, 'inside.txt'), 'utf8')).toBe('in\n');
    expect(fs.existsSync(outside)).toBe(false);
    expect(fs.existsSync(`/usr/escaped-${process.pid}`)).toBe(false);
  });

  it('never reaches host loopback, with or without network, and gets a real uplink with network: true', async () => {
    let connections = 0;
    const server = net.createServer((socket) => {
      connections += 1;
      socket.end();
    });
    // On every address: the loopback one must stay unreachable, the host's outside address is the uplink's proof.
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const probe = (host: string) => ['node', '-e', `require('net').connect(${port}, '${host}').on('connect', () => process.exit(0)).on('error', (e) => { console.error(e.code); process.exit(7); })`];
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
    try {
      for (const network of [false, true]) {
        const loop = await bwrapSandbox().run(probe('127.0.0.1'), { worktree: tmp(), env: { PATH: process.env.PATH }, network, timeoutMs: 10_000 });
        expect(loop.exitCode, `network: ${network}`).toBe(7);
      }
      expect(connections).toBe(0);
      if (external) {
        const isolated = await bwrapSandbox().run(probe(external), { worktree: tmp(), env: { PATH: process.env.PATH }, network: false, timeoutMs: 10_000 });
        expect(isolated.exitCode).toBe(7);
        const online = await bwrapSandbox().run(probe(external), { worktree: tmp(), env: { PATH: process.env.PATH }, network: true, timeoutMs: 10_000 });
        expect(online.stderr).toBe('');
        expect(online.exitCode).toBe(0);
        expect(connections).toBe(1);
      }
    } finally {
      server.close();
    }
  });
});
