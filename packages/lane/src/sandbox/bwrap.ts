/**
 * bubblewrap: the worktree read-write, the rest of the file system read-only,
 * fresh PID/IPC/UTS/user namespaces, and no network unless the lane file gives
 * the agent some. Validators and tests never get the network.
 */
import { spawnSync } from 'node:child_process';

export interface BwrapStatus {
  usable: boolean;
  /** Why not, in words (missing binary, namespaces forbidden, …). */
  reason: string | null;
  version: string | null;
}

/**
 * Is bwrap installed, and can it create a sandbox here? Installed is not enough:
 * containers often forbid the user and network namespaces it needs.
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
  const trial = spawnSync(binary, ['--die-with-parent', '--unshare-all', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', 'true'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  const v = version.stdout.trim();
  if (trial.status !== 0) {
    return { usable: false, reason: `bwrap cannot create a sandbox here: ${(trial.stderr || trial.error?.message || `exit ${trial.status}`).trim()}`, version: v };
  }
  return { usable: true, reason: null, version: v };
}

export interface BwrapOptions {
  /** Mounted read-write at the same path; the command's working directory. */
  worktree: string;
  network: boolean;
  binary?: string;
}

/** The argv that runs `command` inside the sandbox. */
export function bwrapArgv(command: readonly string[], options: BwrapOptions): string[] {
  return [
    options.binary ?? 'bwrap',
    '--die-with-parent',
    '--unshare-all',
    ...(options.network ? ['--share-net'] : []),
    '--ro-bind', '/', '/',
    '--dev', '/dev',
    '--proc', '/proc',
    '--bind', options.worktree, options.worktree,
    '--chdir', options.worktree,
    '--',
    ...command,
  ];
}
