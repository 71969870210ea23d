/**
 * Where agents and test commands run: under bwrap (the default-deny view of
 * view.ts) when the machine can, else with worktree isolation only. Worktree
 * isolation is never chosen silently for a run nobody watches: `sandbox: auto`
 * without a usable bwrap refuses an unattended run; `sandbox: worktree` says so
 * explicitly.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { AgentlaneError } from '@agentlane/core';
import type { SandboxMode } from '../lane-file.js';
import { bwrapArgv, probeBwrap, type BwrapStatus } from './bwrap.js';
import { runCommand, type RunResult } from './process.js';
import { supervisorPrefix } from './supervisor.js';
import { secretPathsUnder, type MaskedPath } from './view.js';

export interface SandboxRunOptions {
  worktree: string;
  env: NodeJS.ProcessEnv;
  /**
   * The agent asked for the network. Under bwrap it still gets a fresh network
   * namespace (never the host's, whose loopback reaches the lane's own services).
   */
  network: boolean;
  timeoutMs: number;
  stdin?: string;
  /** Host paths the command needs to read (the instructions file, the repository's git directory). */
  readOnly?: readonly string[];
  /** Host paths hidden even inside `readOnly` ones (a git `config` that may hold a token). */
  masked?: readonly string[];
  onSpawn?: (pid: number) => void;
  signal?: AbortSignal;
  /** Scope of the process marker a later lane start sweeps (see tree.ts). */
  markerScope?: string;
}

export interface Sandbox {
  kind: 'bwrap' | 'worktree';
  /** Set when the lane runs with less isolation than it could have. */
  warning: string | null;
  /** Why an agent cannot be given `network: true` here (null: it can). */
  networkProblem: string | null;
  run(command: readonly string[], options: SandboxRunOptions): Promise<RunResult>;
}

/** What worktree isolation gives up, in the words every warning and refusal uses. */
export const WORKTREE_MODE_GIVES_UP =
  'without bwrap an agent runs as the lane user on the host: it can read every file that user can (other checkouts, ~/.ssh, .env files), ' +
  'write outside its worktree, use the network and every host socket (the lane database included) and signal host processes; ' +
  'only its own worktree, HOME = worktree, a reduced environment, no proxies and the process-tree kill remain';

function commandExists(name: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { stdio: 'ignore' }).status === 0;
}

/**
 * In worktree mode the command runs under the supervisor (supervisor.ts: child
 * subreaper, the whole tree killed when the command ends or the lane dies). Where
 * it cannot run, under `setpriv --pdeathsig KILL` plus a watchdog process, with
 * the group, marker and sampled-descendant nets of tree.ts in both cases.
 */
export function worktreeSandbox(warning: string | null): Sandbox {
  const supervisor = supervisorPrefix();
  const wrapper = supervisor ?? (process.platform === 'linux' && commandExists('setpriv') ? ['setpriv', '--pdeathsig', 'KILL', '--'] : []);
  return {
    kind: 'worktree',
    warning,
    networkProblem: null,
    run: (command, options) =>
      runCommand([...wrapper, ...command], {
        cwd: options.worktree,
        env: options.env,
        timeoutMs: options.timeoutMs,
        stdin: options.stdin,
        onSpawn: options.onSpawn,
        signal: options.signal,
        markerScope: options.markerScope,
        watchdog: supervisor === null,
      }),
  };
}

/** The program's path, found on PATH as the command would be. */
function resolveProgram(program: string, env: NodeJS.ProcessEnv): string | null {
  if (program.includes('/')) return path.resolve(program);
  for (const dir of (env.PATH ?? '').split(':')) {
    if (!dir) continue;
    const full = path.join(dir, program);
    try {
      if (fs.statSync(full).isFile()) return full;
    } catch {
      // Not here.
    }
  }
  return null;
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Files of the command itself the view must show: its program and every
 * absolute path argument naming a regular file (`[bash, /opt/agents/fix.sh]`).
 * The lane file wrote these, not the agent; directories are never opened up.
 */
export function commandFiles(command: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const [program, ...args] = command;
  const files: string[] = [];
  const resolved = program === undefined ? null : resolveProgram(program, env);
  if (resolved && isFile(resolved)) files.push(resolved, fs.realpathSync(resolved));
  for (const arg of args) if (path.isAbsolute(arg) && isFile(arg)) files.push(arg, fs.realpathSync(arg));
  return [...new Set(files)];
}

/**
 * `network: true` under bwrap: the sandbox keeps its own network namespace and
 * slirp4netns gives it a user-mode uplink with `--disable-host-loopback`, so the
 * agent reaches the internet but not the host's 127.0.0.1 (PostgreSQL, Redis,
 * the lane's own services) nor any abstract Unix socket of the host. The command
 * waits (in the sandbox) until the uplink's default route exists.
 */
const NETWORK_WAIT_SCRIPT =
  'i=0; while ! grep -q "^tap0[[:space:]]*00000000" /proc/net/route 2>/dev/null; do ' +
  'i=$((i+1)); if [ "$i" -gt 200 ]; then echo "agentlane: the sandbox network did not come up" >&2; exit 125; fi; sleep 0.05; done; exec "$@"';

/** The sandbox's first process (bwrap's child, in the new namespaces), once it exists. */
async function sandboxChild(bwrapPid: number, timeoutMs = 5000): Promise<number | null> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === bwrapPid) return Number(name);
      } catch {
        // Gone.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return null;
}

function startUplink(bwrapPid: number): { stop(): void } {
  let uplink: ChildProcess | null = null;
  let stopped = false;
  void sandboxChild(bwrapPid).then((pid) => {
    if (pid === null || stopped) return;
    uplink = spawn('slirp4netns', ['--configure', '--mtu=65520', '--disable-host-loopback', String(pid), 'tap0'], { stdio: 'ignore' });
    uplink.on('error', () => undefined);
  });
  return {
    stop() {
      stopped = true;
      uplink?.kill('SIGKILL');
    },
  };
}

export function bwrapSandbox(binary = 'bwrap'): Sandbox {
  let etcMasks: MaskedPath[] | undefined;
  const networkProblem = commandExists('slirp4netns')
    ? null
    : 'slirp4netns is not installed (Debian package slirp4netns): under bwrap an agent with network: true gets its own network namespace and slirp4netns as its uplink, never the host network';
  return {
    kind: 'bwrap',
    warning: null,
    networkProblem,
    run: async (command, options) => {
      etcMasks ??= secretPathsUnder();
      const readOnly = [...commandFiles(command, options.env), ...(options.readOnly ?? [])];
      const online = options.network && networkProblem === null;
      const inner = online ? ['sh', '-c', NETWORK_WAIT_SCRIPT, 'sh', ...command] : [...command];
      const argv = bwrapArgv(inner, { worktree: options.worktree, readOnly, masked: options.masked, binary, etcMasks, resolvConf: online });
      let uplink: { stop(): void } | null = null;
      try {
        return await runCommand(argv, {
          cwd: options.worktree,
          env: options.env,
          timeoutMs: options.timeoutMs,
          stdin: options.stdin,
          onSpawn: (pid) => {
            if (online) uplink = startUplink(pid);
            options.onSpawn?.(pid);
          },
          signal: options.signal,
          markerScope: options.markerScope,
        });
      } finally {
        (uplink as { stop(): void } | null)?.stop();
      }
    },
  };
}

export interface SelectSandboxOptions {
  /** Nobody watches the run (cron, CI, no TTY): `auto` must not fall back silently. */
  unattended?: boolean;
  probe?: () => BwrapStatus;
}

/**
 * The sandbox for a lane file's `sandbox:` setting. `bwrap` insists
 * (LANE_SANDBOX_UNAVAILABLE); `auto` falls back to worktree isolation with a
 * warning when someone watches, and refuses (LANE_SANDBOX_UNAVAILABLE) an
 * unattended run; `worktree` never uses bwrap.
 */
export function selectSandbox(mode: SandboxMode, options: SelectSandboxOptions | (() => BwrapStatus) = {}): Sandbox {
  const { unattended = false, probe = probeBwrap } = typeof options === 'function' ? { probe: options } : options;
  if (mode === 'worktree') {
    return worktreeSandbox(`sandbox: worktree — ${WORKTREE_MODE_GIVES_UP}`);
  }
  const status = probe();
  if (status.usable) return bwrapSandbox();
  if (mode === 'bwrap') {
    throw new AgentlaneError('LANE_SANDBOX_UNAVAILABLE', `The lane file requires bwrap: ${status.reason}`, { details: { reason: status.reason, mode } });
  }
  if (unattended) {
    throw new AgentlaneError(
      'LANE_SANDBOX_UNAVAILABLE',
      `sandbox: auto found no usable bwrap (${status.reason}) and the run is unattended, so the lane will not fall back on its own: ${WORKTREE_MODE_GIVES_UP}. ` +
        'Install bubblewrap, or write `sandbox: worktree` in the lane file to accept that.',
      { details: { reason: status.reason, mode, unattended: true } },
    );
  }
  return worktreeSandbox(`${status.reason}; falling back to worktree isolation — ${WORKTREE_MODE_GIVES_UP}`);
}
