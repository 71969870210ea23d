/**
 * What the lane checks in a worktree before it reads any of the agent's output
 * through git: how much the worktree grew, files too large to diff, and nested
 * repositories (`git add` fails on an empty `git init`, and a nested repository
 * would be committed as a submodule link). One walk, symlinks never followed,
 * nothing read but directory entries and sizes: an agent cannot make this step
 * fail or fill the lane's memory, and whatever it finds ends the attempt with a
 * finding, not the run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MAX_DIFFED_FILE_BYTES, type LimitsConfig } from './defaults.js';
import type { Finding } from './validators/types.js';

const MiB = 1024 * 1024;

export interface WorktreeScan {
  /** Bytes of every file, the worktree's own `.git` link excluded. */
  bytes: number;
  /** Files larger than MAX_DIFFED_FILE_BYTES, relative to the worktree. */
  large: { path: string; bytes: number }[];
  /** `.git` entries below the top (nested repositories or links to one). */
  nestedGit: string[];
}

export function scanWorktree(dir: string, maxFileBytes = MAX_DIFFED_FILE_BYTES): WorktreeScan {
  const scan: WorktreeScan = { bytes: 0, large: [], nestedGit: [] };
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.name === '.git') {
        if (current === dir) continue;
        scan.nestedGit.push(path.relative(dir, full));
      }
      if (entry.isDirectory()) {
        stack.push(full);
        continue;
      }
      let size: number;
      try {
        size = fs.lstatSync(full).size;
      } catch {
        continue;
      }
      scan.bytes += size;
      if (entry.isFile() && size > maxFileBytes) scan.large.push({ path: path.relative(dir, full), bytes: size });
    }
  }
  return scan;
}

/**
 * Findings that stop the attempt before its changes are collected. `baseSizes`
 * gives the size of each file at the base commit: a large file the base already
 * had, unchanged in size, is not the agent's.
 */
export function preflightFindings(scan: WorktreeScan, baseDisk: number, limits: LimitsConfig, baseSizes: ReadonlyMap<string, number>): Finding[] {
  const findings: Finding[] = [];
  const growth = Math.max(0, scan.bytes - baseDisk);
  if (growth > limits.diskBytes) {
    findings.push({
      validator: 'limits',
      rule: 'disk',
      severity: 'stop',
      message: `the worktree grew by ${(growth / MiB).toFixed(1)} MiB; the limit is ${(limits.diskBytes / MiB).toFixed(1)} MiB`,
    });
  }
  for (const file of scan.large.filter((f) => baseSizes.get(f.path) !== f.bytes).slice(0, 10)) {
    findings.push({
      validator: 'limits',
      rule: 'file_size',
      severity: 'stop',
      message: `${file.path} is ${(file.bytes / MiB).toFixed(1)} MiB; the lane does not diff or commit files over ${(MAX_DIFFED_FILE_BYTES / MiB).toFixed(0)} MiB`,
      file: file.path,
    });
  }
  for (const nested of scan.nestedGit.slice(0, 10)) {
    findings.push({
      validator: 'paths',
      rule: 'nested_repository',
      severity: 'stop',
      message: `${nested} makes a nested git repository; a microtask changes files of this repository only`,
      file: nested,
    });
  }
  return findings;
}
