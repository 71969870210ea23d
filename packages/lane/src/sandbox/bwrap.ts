/**
 * bubblewrap: every command in a fresh set of namespaces (user where possible,
 * mount, PID, IPC, UTS, network, cgroup where available), a new session (no
 * TIOCSTI into the lane's terminal), no capabilities, killed with its parent,
 * and a default-deny file-system view (view.ts) where only the worktree is
 * writable. The network namespace is always a fresh one: `network: true` never
 * shares the host's (whose loopback reaches PostgreSQL, Redis and every abstract
 * Unix socket); see sandbox.ts for what it gets instead.
 */
import { spawnSync } from 'node:child_process';
import { viewArgs, type MaskedPath, type ViewOptions } from './view.js';

export interface BwrapStatus {
  usable: boolean;
  /** Why not, in words (missing binary, namespaces forbidden, …). */
  reason: string | null;
  version: string | null;
}

/** The namespace and privilege arguments of every sandbox. */
export const BWRAP_ISOLATION_ARGS: readonly string[] = ['--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--hostname', 'agentlane-sandbox'];

/**
 * Is bwrap installed, and can it create the lane's sandbox here? Installed is not
 * enough: containers often forbid the namespaces it needs.
 */
export function probeBwrap(binary = 'bwrap'): BwrapStatus {
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 5000 });
  if (version.error || version.status !== 0) {
    const missing = (version.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
    return {
      usable: false,
      reason: missing ? 'bwrap is not installed (Debian package bubblewrap)' : `bwrap --version failed: ${(version.stderr || version.error?.message || '').trim()}`,
      version: null,
    };
  }
  const trial = spawnSync(binary, [...BWRAP_ISOLATION_ARGS, ...viewArgs({ worktree: '/tmp' }), 'true'], { encoding: 'utf8', timeout: 10_000 });
  const v = version.stdout.trim();
  if (trial.status !== 0) {
    return { usable: false, reason: `bwrap cannot create a sandbox here: ${(trial.stderr || trial.error?.message || `exit ${trial.status}`).trim()}`, version: v };
  }
  return { usable: true, reason: null, version: v };
}

export interface BwrapOptions extends ViewOptions {
  binary?: string;
  /** The masks of /etc (computed once per sandbox). */
  etcMasks?: readonly MaskedPath[];
}

/** The argv that runs `command` inside the sandbox. */
export function bwrapArgv(command: readonly string[], options: BwrapOptions): string[] {
  return [options.binary ?? 'bwrap', ...BWRAP_ISOLATION_ARGS, ...viewArgs(options, options.etcMasks), '--', ...command];
}
