/**
 * What an attempt changed, read from git after staging everything it left in
 * the worktree (scratch excluded): the files with their status and modes, the
 * line counts, every added line with its number, and the tree to commit. The
 * agent may even have committed: everything is compared with the base commit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { redactSecrets } from '@agentlane/core';
import { DIFF_RECORD_CHARS } from './defaults.js';
import type { LanePaths } from './paths.js';
import { gitIn, gitInMaybe, type Worktree } from './sandbox/worktree.js';

export type ChangeStatus = 'added' | 'modified' | 'deleted' | 'type_changed';

export interface ChangedFile {
  path: string;
  status: ChangeStatus;
  oldMode: string;
  newMode: string;
  /** null for binary files. */
  linesAdded: number | null;
  linesDeleted: number | null;
}

export interface AddedLine {
  line: number;
  text: string;
}

export interface ChangeSet {
  base: string;
  /** The staged tree: exactly what a success commits. */
  tree: string;
  files: ChangedFile[];
  /** Added lines per path, with their line numbers in the new file. */
  added: Map<string, AddedLine[]>;
  linesAdded: number;
  linesDeleted: number;
  filesCreated: number;
  /** `git diff --stat` then the patch, trimmed for the records. */
  diff: string;
  /** `git diff --stat` alone (what the records keep when the patch holds a secret). */
  stat: string;
}

const STATUS: Record<string, ChangeStatus> = { A: 'added', M: 'modified', D: 'deleted', T: 'type_changed' };

function parseRaw(out: string): Omit<ChangedFile, 'linesAdded' | 'linesDeleted'>[] {
  // `:100644 100644 <sha> <sha> M\0path\0` repeated.
  const parts = out.split('\0');
  const files: Omit<ChangedFile, 'linesAdded' | 'linesDeleted'>[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const meta = parts[i] as string;
    const file = parts[i + 1] as string;
    if (!meta.startsWith(':')) break;
    const [oldMode, newMode, , , code] = meta.slice(1).split(' ') as [string, string, string, string, string];
    files.push({ path: file, status: STATUS[code.charAt(0)] ?? 'modified', oldMode, newMode });
  }
  return files;
}

function parseNumstat(out: string): Map<string, { added: number | null; deleted: number | null }> {
  const counts = new Map<string, { added: number | null; deleted: number | null }>();
  for (const record of out.split('\0')) {
    const match = /^(\d+|-)\t(\d+|-)\t(.*)$/s.exec(record);
    if (!match) continue;
    const added = match[1] === '-' ? null : Number(match[1]);
    const deleted = match[2] === '-' ? null : Number(match[2]);
    counts.set(match[3] as string, { added, deleted });
  }
  return counts;
}

/** Added lines with their new-file line numbers, from a `-U0` patch. */
export function parseAddedLines(patch: string): Map<string, AddedLine[]> {
  const added = new Map<string, AddedLine[]>();
  let current: AddedLine[] | null = null;
  let next = 0;
  for (const line of patch.split('\n')) {
    if (line.startsWith('+++ ')) {
      const target = line.slice(4);
      if (target === '/dev/null') current = null;
      else {
        const file = target.startsWith('b/') ? target.slice(2) : target;
        current = [];
        added.set(file, current);
      }
      continue;
    }
    const hunk = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) {
      next = Number(hunk[1]);
      continue;
    }
    if (current && line.startsWith('+')) {
      current.push({ line: next, text: line.slice(1) });
      next += 1;
    }
  }
  return added;
}

/** Stage everything the attempt left and describe it against the base commit. */
export async function collectChanges(worktree: Worktree, paths: LanePaths): Promise<ChangeSet> {
  const run = (args: string[]) => gitIn(worktree, args, paths);
  // Ignored files are never committed, so they are not part of the change (see keepOnlyTheTree).
  await run(['add', '--all', '--', '.']);
  const tree = (await run(['write-tree'])).trim();
  // --text: a .gitattributes the agent wrote (`*.js -diff`) must not hide lines from the validators.
  const common = ['--cached', '--no-renames', '--no-color', '--no-ext-diff', '--no-textconv', '--text', worktree.base];
  const raw = parseRaw(await run(['diff', '--raw', '-z', ...common]));
  const numstat = parseNumstat(await run(['diff', '--numstat', '-z', ...common]));
  // Paths are not quoted (core.quotepath=false), and the b/ prefix is fixed whatever the user's config says.
  const patchU0 = await run(['diff', '-U0', '--src-prefix=a/', '--dst-prefix=b/', ...common]);
  const files: ChangedFile[] = raw.map((file) => {
    const count = numstat.get(file.path);
    return { ...file, linesAdded: count?.added ?? null, linesDeleted: count?.deleted ?? null };
  });
  const stat = await run(['diff', '--stat=120', ...common]);
  const patch = await run(['diff', '--src-prefix=a/', '--dst-prefix=b/', ...common]);
  let diff = `${stat}\n${patch}`;
  if (diff.length > DIFF_RECORD_CHARS) diff = `${diff.slice(0, DIFF_RECORD_CHARS)}\n… (diff trimmed at ${DIFF_RECORD_CHARS} characters)\n`;
  return {
    base: worktree.base,
    tree,
    files,
    added: parseAddedLines(patchU0),
    linesAdded: files.reduce((sum, f) => sum + (f.linesAdded ?? 0), 0),
    linesDeleted: files.reduce((sum, f) => sum + (f.linesDeleted ?? 0), 0),
    filesCreated: files.filter((f) => f.status === 'added').length,
    diff: redactSecrets(diff),
    stat: redactSecrets(stat),
  };
}

/** Size of every blob at the base commit, by path (`git ls-tree -r -l`). */
export async function baseFileSizes(worktree: Worktree, paths: LanePaths): Promise<Map<string, number>> {
  const out = await gitIn(worktree, ['ls-tree', '-r', '-l', '-z', worktree.base], paths);
  const sizes = new Map<string, number>();
  for (const record of out.split('\0')) {
    const match = /^\d+ blob [0-9a-f]+ +(\d+)\t(.*)$/s.exec(record);
    if (match) sizes.set(match[2] as string, Number(match[1]));
  }
  return sizes;
}

/**
 * Remove the ignored files the attempt created (a fresh worktree has none), so
 * the test command runs on exactly the tree a success commits: a test must not
 * pass thanks to a file that would never reach the repository.
 */
export async function keepOnlyTheTree(worktree: Worktree, paths: LanePaths): Promise<void> {
  await gitIn(worktree, ['clean', '-ffdXq'], paths);
}

/** A file's text at the base commit, or null (new file, binary, gone). */
export async function readBase(worktree: Worktree, file: string, paths: LanePaths): Promise<string | null> {
  return gitInMaybe(worktree, ['show', `${worktree.base}:${file}`], paths);
}

/** A file's text as the attempt left it, or null when it is not a regular file. */
export function readCurrent(worktree: Worktree, file: string): string | null {
  const full = path.join(worktree.dir, file);
  try {
    const stat = fs.lstatSync(full);
    if (!stat.isFile()) return null;
    return fs.readFileSync(full, 'utf8');
  } catch {
    return null;
  }
}
