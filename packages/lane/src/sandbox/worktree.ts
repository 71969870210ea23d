/**
 * One git worktree per microtask, on its own branch from the lane branch's tip;
 * rolled back with reset + clean; removed when the microtask ends; and swept at
 * start (`git worktree prune` plus every leftover lane worktree and task branch).
 */
import fs from 'node:fs';
import path from 'node:path';
import { git, gitMaybe } from '../git.js';
import type { LanePaths } from '../paths.js';
import { scanWorktree } from '../preflight.js';

export const TASK_BRANCH_PREFIX = 'agentlane-task/';

export interface Worktree {
  dir: string;
  branch: string;
  /** The commit it was created from; rollbacks return here. */
  base: string;
  /** Its administrative directory in the main repository (`.git/worktrees/<name>`). */
  gitDir: string;
}

/** git settings for every command run inside a lane worktree. */
export function worktreeConfig(paths: LanePaths): string[] {
  return [`core.excludesFile=${paths.scratchExcludes}`];
}

/**
 * Run git in a worktree with its git directory named explicitly: the worktree's
 * own `.git` link is the agent's to write, and must not steer the lane's git
 * calls to another repository.
 */
export function gitIn(worktree: Worktree, args: readonly string[], paths: LanePaths): Promise<string> {
  return git(worktree.dir, ['--git-dir', worktree.gitDir, '--work-tree', worktree.dir, ...args], { config: worktreeConfig(paths) });
}

export function gitInMaybe(worktree: Worktree, args: readonly string[], paths: LanePaths): Promise<string | null> {
  return gitMaybe(worktree.dir, ['--git-dir', worktree.gitDir, '--work-tree', worktree.dir, ...args], { config: worktreeConfig(paths) });
}

/** What the worktree's `.git` file must say. */
export function gitLink(worktree: Worktree): string {
  return `gitdir: ${worktree.gitDir}\n`;
}

/** True when the worktree's `.git` link is still the one git wrote. */
export function gitLinkIntact(worktree: Worktree): boolean {
  try {
    const file = path.join(worktree.dir, '.git');
    return fs.lstatSync(file).isFile() && fs.readFileSync(file, 'utf8') === gitLink(worktree);
  } catch {
    return false;
  }
}

export async function createWorktree(repoRoot: string, dir: string, branch: string, base: string): Promise<Worktree> {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  await git(repoRoot, ['worktree', 'add', '--force', '-B', branch, dir, base]);
  const gitDir = (await git(dir, ['rev-parse', '--absolute-git-dir'])).trim();
  const worktree = { dir, branch, base, gitDir };
  // Written by us in the form gitLinkIntact checks (git may have written a relative or differently spelt path).
  fs.writeFileSync(path.join(dir, '.git'), gitLink(worktree));
  return worktree;
}

export interface RollbackResult {
  ok: boolean;
  /** What was still there when `ok` is false. */
  leftovers: string[];
}

/**
 * Back to the base commit: HEAD, index and files, untracked and ignored files
 * included. Verified afterwards: a rollback that left something behind says so.
 */
export async function rollbackWorktree(worktree: Worktree, paths: LanePaths): Promise<RollbackResult> {
  if (!gitLinkIntact(worktree)) {
    fs.rmSync(path.join(worktree.dir, '.git'), { recursive: true, force: true });
    fs.writeFileSync(path.join(worktree.dir, '.git'), gitLink(worktree));
  }
  await gitIn(worktree, ['reset', '--hard', '--quiet', worktree.base], paths);
  await gitIn(worktree, ['clean', '-ffdxq'], paths);
  const status = await gitIn(worktree, ['status', '--porcelain', '--ignored', '--untracked-files=all'], paths);
  const head = (await gitIn(worktree, ['rev-parse', 'HEAD'], paths)).trim();
  const leftovers = status.split('\n').filter(Boolean);
  if (head !== worktree.base) leftovers.push(`HEAD at ${head}, not ${worktree.base}`);
  return { ok: leftovers.length === 0, leftovers };
}

export async function removeWorktree(repoRoot: string, worktree: Worktree): Promise<void> {
  const removed = await gitMaybe(repoRoot, ['worktree', 'remove', '--force', '--force', worktree.dir]);
  if (removed === null) {
    fs.rmSync(worktree.dir, { recursive: true, force: true });
    await git(repoRoot, ['worktree', 'prune']);
  }
  await gitMaybe(repoRoot, ['branch', '-D', '--', worktree.branch]);
}

interface ListedWorktree {
  dir: string;
  branch: string | null;
}

export async function listWorktrees(repoRoot: string): Promise<ListedWorktree[]> {
  const out = await git(repoRoot, ['worktree', 'list', '--porcelain']);
  const list: ListedWorktree[] = [];
  for (const block of out.split('\n\n')) {
    const dir = /^worktree (.+)$/m.exec(block)?.[1];
    if (!dir) continue;
    list.push({ dir, branch: /^branch refs\/heads\/(.+)$/m.exec(block)?.[1] ?? null });
  }
  return list;
}

function realpathOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function isInside(child: string, parent: string): boolean {
  const rel = path.relative(realpathOrSelf(parent), realpathOrSelf(child));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export interface CleanResult {
  worktrees: string[];
  branches: string[];
}

/**
 * Remove every lane worktree and task branch: called at the start of a run (under
 * the lane lock, so nothing of them is live) and by `agentlane lane clean`.
 */
export async function cleanStaleWorktrees(repoRoot: string, paths: LanePaths): Promise<CleanResult> {
  await git(repoRoot, ['worktree', 'prune']);
  const removed: string[] = [];
  for (const entry of await listWorktrees(repoRoot)) {
    if (!isInside(entry.dir, paths.worktrees) || realpathOrSelf(entry.dir) === realpathOrSelf(paths.worktrees)) continue;
    if ((await gitMaybe(repoRoot, ['worktree', 'remove', '--force', '--force', entry.dir])) === null) {
      fs.rmSync(entry.dir, { recursive: true, force: true });
    }
    removed.push(entry.dir);
  }
  // Directories git no longer knows about (a crash between mkdir and `worktree add`).
  if (fs.existsSync(paths.worktrees)) {
    for (const name of fs.readdirSync(paths.worktrees)) {
      const dir = path.join(paths.worktrees, name);
      fs.rmSync(dir, { recursive: true, force: true });
      if (!removed.includes(dir)) removed.push(dir);
    }
  }
  await git(repoRoot, ['worktree', 'prune']);
  const branches: string[] = [];
  const refs = await git(repoRoot, ['for-each-ref', '--format=%(refname:short)', `refs/heads/${TASK_BRANCH_PREFIX}`]);
  for (const branch of refs.split('\n').filter(Boolean)) {
    if ((await gitMaybe(repoRoot, ['branch', '-D', '--', branch])) !== null) branches.push(branch);
  }
  return { worktrees: removed, branches };
}

/** Bytes of the files in a worktree, its `.git` link excluded; symlinks are not followed. */
export function diskUsage(dir: string): number {
  return scanWorktree(dir).bytes;
}

/**
 * The repository's git directory (the worktree's `commondir`): the sandbox shows
 * it read-only so `git status` and `git diff` work inside, with its `config`
 * masked (a remote URL there may carry a token).
 */
export function gitCommonDir(worktree: Worktree): string {
  try {
    return path.resolve(worktree.gitDir, fs.readFileSync(path.join(worktree.gitDir, 'commondir'), 'utf8').trim());
  } catch {
    return worktree.gitDir;
  }
}

/** What a sandboxed command in this worktree may read besides it, and what stays hidden inside that. */
export function worktreeView(worktree: Worktree): { readOnly: string[]; masked: string[] } {
  const common = gitCommonDir(worktree);
  return { readOnly: [common, worktree.gitDir], masked: [path.join(common, 'config'), path.join(worktree.gitDir, 'config.worktree')] };
}
