/**
 * Where the lane keeps its local state, under the agentlane home
 * (AGENTLANE_HOME, else `<repo>/.agentlane`):
 *
 *   lane/run.lock                  one lane run per repository at a time
 *   lane/scratch.gitignore         HOME scratch the lane never commits
 *   lane/worktrees/<run>-<task>/   the microtasks' worktrees (swept at start)
 *   lane/probe/                    HOME and working directory of the agents' health probes
 *   lane/runs/<run id>/events.jsonl  the event buffer, synced to the database
 *   lane/runs/<run id>/<task>/attempt-<n>/instructions.md
 */
import fs from 'node:fs';
import path from 'node:path';
import { SCRATCH_PATTERNS, TMP_DIR_NAME } from './defaults.js';

export interface LanePaths {
  home: string;
  root: string;
  lock: string;
  scratchExcludes: string;
  worktrees: string;
  runs: string;
  probe: string;
}

export function lanePaths(home: string): LanePaths {
  const root = path.join(home, 'lane');
  return {
    home,
    root,
    lock: path.join(root, 'run.lock'),
    scratchExcludes: path.join(root, 'scratch.gitignore'),
    worktrees: path.join(root, 'worktrees'),
    runs: path.join(root, 'runs'),
    probe: path.join(root, 'probe'),
  };
}

/** Create the directories; keep local state out of the user's commits. */
export function ensureLanePaths(paths: LanePaths): void {
  fs.mkdirSync(paths.worktrees, { recursive: true });
  fs.mkdirSync(paths.runs, { recursive: true });
  fs.mkdirSync(path.join(paths.probe, TMP_DIR_NAME), { recursive: true });
  const ignore = path.join(paths.home, '.gitignore');
  if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '# agentlane local state\n*\n');
  fs.writeFileSync(paths.scratchExcludes, `${SCRATCH_PATTERNS.join('\n')}\n`);
}

export function runDir(paths: LanePaths, runId: string): string {
  return path.join(paths.runs, runId);
}

export function attemptDir(paths: LanePaths, runId: string, taskId: string, attempt: number): string {
  return path.join(paths.runs, runId, taskId, `attempt-${attempt}`);
}
