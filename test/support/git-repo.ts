import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const identity = { GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 'test@localhost', GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 'test@localhost' };

/** Run git in a directory (argv, never a shell) and return its trimmed stdout. */
export function gitIn(dir: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: dir, env: { ...process.env, ...identity }, encoding: 'utf8' }).trim();
}

/**
 * A bare repository with one commit on `main` holding `files`, as a forge would
 * host it, plus a clone to look at. Returns both paths.
 */
export function bareRepoWith(files: Record<string, string>): { bare: string; work: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-git-'));
  const work = path.join(root, 'work');
  const bare = path.join(root, 'origin.git');
  fs.mkdirSync(work);
  gitIn(work, 'init', '-q', '-b', 'main');
  for (const [rel, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(work, rel)), { recursive: true });
    fs.writeFileSync(path.join(work, rel), content);
  }
  gitIn(work, 'add', '-A');
  gitIn(work, 'commit', '-qm', 'initial');
  gitIn(root, 'clone', '-q', '--bare', work, bare);
  return { bare, work };
}
