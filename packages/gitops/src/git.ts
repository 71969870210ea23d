import { execFile } from 'node:child_process';
import { AgentlaneError } from '@agentlane/core';

export interface GitOptions {
  cwd: string;
  input?: string;
  env?: Record<string, string>;
  /** Exit codes that are answers, not failures (`git rev-parse --verify --quiet` → 1). */
  okCodes?: readonly number[];
}

export interface GitResult {
  stdout: string;
  code: number;
}

/** Run git with an argv array (never a shell), returning stdout; a failure names the command. */
export function git(args: readonly string[], options: GitOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      [...args],
      {
        cwd: options.cwd,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...options.env },
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        if (code === 0 || options.okCodes?.includes(code)) return resolve({ stdout, code });
        reject(
          new AgentlaneError('FORGE_REQUEST_FAILED', `git ${args[0]} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`, {
            details: { command: `git ${args[0]}`, exitCode: code },
          }),
        );
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** A path inside a repository as git stores it: relative, no `.`/`..`, never into `.git`. */
export function assertRepoPath(path: string): string {
  const parts = path.split('/');
  if (
    path.length === 0 ||
    path.startsWith('/') ||
    path.includes('\\') ||
    path.includes('\0') ||
    parts.some((part) => part === '' || part === '.' || part === '..' || part.toLowerCase() === '.git')
  ) {
    throw new AgentlaneError('FORGE_REQUEST_FAILED', `Not a repository path: ${JSON.stringify(path)}`, { details: { path } });
  }
  return path;
}

/** A branch name git accepts and that cannot be mistaken for an option. */
export function assertBranchName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,200}$/.test(name) || name.includes('..') || name.endsWith('.lock') || name.endsWith('/') || name.includes('//')) {
    throw new AgentlaneError('FORGE_REQUEST_FAILED', `Not a branch name: ${JSON.stringify(name)}`, { details: { branch: name } });
  }
  return name;
}
