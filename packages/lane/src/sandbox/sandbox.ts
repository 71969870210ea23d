/**
 * Where agents and test commands run: under bwrap when the machine can, else
 * with worktree isolation only (own worktree, HOME = worktree, reduced
 * environment, no proxies) and a warning saying what is missing.
 */
import { AgentlaneError } from '@agentlane/core';
import type { SandboxMode } from '../lane-file.js';
import { bwrapArgv, probeBwrap, type BwrapStatus } from './bwrap.js';
import { runCommand, type RunResult } from './process.js';

export interface SandboxRunOptions {
  worktree: string;
  env: NodeJS.ProcessEnv;
  network: boolean;
  timeoutMs: number;
  stdin?: string;
  onSpawn?: (pid: number) => void;
  signal?: AbortSignal;
}

export interface Sandbox {
  kind: 'bwrap' | 'worktree';
  /** Set when the lane runs with less isolation than it could have. */
  warning: string | null;
  run(command: readonly string[], options: SandboxRunOptions): Promise<RunResult>;
}

export function worktreeSandbox(warning: string | null): Sandbox {
  return {
    kind: 'worktree',
    warning,
    run: (command, options) => runCommand(command, { cwd: options.worktree, env: options.env, timeoutMs: options.timeoutMs, stdin: options.stdin, onSpawn: options.onSpawn, signal: options.signal }),
  };
}

export function bwrapSandbox(binary = 'bwrap'): Sandbox {
  return {
    kind: 'bwrap',
    warning: null,
    run: (command, options) =>
      runCommand(bwrapArgv(command, { worktree: options.worktree, network: options.network, binary }), {
        cwd: options.worktree,
        env: options.env,
        timeoutMs: options.timeoutMs,
        stdin: options.stdin,
        onSpawn: options.onSpawn,
        signal: options.signal,
      }),
  };
}

/**
 * The sandbox for a lane file's `sandbox:` setting. `auto` falls back with a
 * warning; `bwrap` insists (LANE_SANDBOX_UNAVAILABLE); `worktree` never uses bwrap.
 */
export function selectSandbox(mode: SandboxMode, probe: () => BwrapStatus = probeBwrap): Sandbox {
  if (mode === 'worktree') {
    return worktreeSandbox('sandbox: worktree — agents run without bwrap: they can read the whole machine, write outside the worktree and use the network');
  }
  const status = probe();
  if (status.usable) return bwrapSandbox();
  if (mode === 'bwrap') {
    throw new AgentlaneError('LANE_SANDBOX_UNAVAILABLE', `The lane file requires bwrap: ${status.reason}`, { details: { reason: status.reason } });
  }
  return worktreeSandbox(
    `${status.reason}; falling back to worktree isolation only (own worktree, HOME = worktree, reduced environment, no proxies) — agents can still write outside the worktree and use the network`,
  );
}
