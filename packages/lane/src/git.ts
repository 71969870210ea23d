/**
 * git, always as an argv array (never a shell string), with the settings every
 * lane operation needs: no hooks (a repository hook must not run inside the
 * lane's own git calls), no signing prompts, no terminal prompts, a fixed identity.
 */
import { execFile } from 'node:child_process';
import { AgentlaneError, type ErrorCode } from '@agentlane/core';

export const LANE_IDENTITY = { name: 'agentlane lane', email: 'lane@agentlane.invalid' } as const;

const BASE_CONFIG = [
  '-c', 'core.hooksPath=/dev/null',
  '-c', 'commit.gpgsign=false',
  '-c', 'tag.gpgsign=false',
  '-c', `user.name=${LANE_IDENTITY.name}`,
  '-c', `user.email=${LANE_IDENTITY.email}`,
  '-c', 'advice.detachedHead=false',
  '-c', 'core.quotepath=false',
];

export interface GitOptions {
  /** Extra `-c key=value` settings, e.g. core.excludesFile. */
  config?: readonly string[];
  input?: string;
  /** Return null instead of throwing when git exits non-zero. */
  allowFailure?: boolean;
  code?: ErrorCode;
}

export interface GitResult {
  stdout: string;
  stderr: string;
}

function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    // A GIT_DIR or GIT_INDEX_FILE inherited from a hook would point every call at the wrong repository.
    if (key.startsWith('GIT_')) continue;
    env[key] = value;
  }
  env.GIT_TERMINAL_PROMPT = '0';
  env.GIT_AUTHOR_NAME = LANE_IDENTITY.name;
  env.GIT_AUTHOR_EMAIL = LANE_IDENTITY.email;
  env.GIT_COMMITTER_NAME = LANE_IDENTITY.name;
  env.GIT_COMMITTER_EMAIL = LANE_IDENTITY.email;
  env.LC_ALL = 'C';
  return env;
}

export function gitRaw(cwd: string, args: readonly string[], options: GitOptions = {}): Promise<GitResult | null> {
  const config = (options.config ?? []).flatMap((c) => ['-c', c]);
  const argv = [...BASE_CONFIG, ...config, ...args];
  return new Promise((resolve, reject) => {
    const child = execFile('git', argv, { cwd, env: gitEnv(), maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (!error) return resolve({ stdout, stderr });
      if (options.allowFailure && typeof (error as { code?: unknown }).code === 'number') return resolve(null);
      const detail = (stderr || error.message).trim().split('\n').slice(-5).join(' | ');
      reject(
        new AgentlaneError(options.code ?? 'LANE_GIT_FAILED', `git ${args.join(' ')} failed in ${cwd}: ${detail}`, {
          cause: error,
          details: { cwd, args: [...args] },
        }),
      );
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Run git and return stdout; throws LANE_GIT_FAILED (or `options.code`) on failure. */
export async function git(cwd: string, args: readonly string[], options: Omit<GitOptions, 'allowFailure'> = {}): Promise<string> {
  return ((await gitRaw(cwd, args, options)) as GitResult).stdout;
}

/** stdout, or null when git exits non-zero (a missing ref, a path not in a commit). */
export async function gitMaybe(cwd: string, args: readonly string[], options: Omit<GitOptions, 'allowFailure'> = {}): Promise<string | null> {
  return (await gitRaw(cwd, args, { ...options, allowFailure: true }))?.stdout ?? null;
}

/** The commit a revision names, or null. */
export async function resolveCommit(cwd: string, rev: string): Promise<string | null> {
  const out = await gitMaybe(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`]);
  return out === null ? null : out.trim();
}

/** The repository's top-level directory; LANE_NOT_A_REPOSITORY when `dir` is not in one. */
export async function repoToplevel(dir: string): Promise<string> {
  const out = await gitMaybe(dir, ['rev-parse', '--show-toplevel']).catch(() => null);
  if (out === null) {
    throw new AgentlaneError('LANE_NOT_A_REPOSITORY', `${dir} is not inside a git repository`, { details: { dir } });
  }
  return out.trim();
}

export async function validBranchName(cwd: string, name: string): Promise<boolean> {
  return (await gitMaybe(cwd, ['check-ref-format', '--branch', name])) !== null;
}
