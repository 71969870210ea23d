/**
 * One microtask: its own worktree on a fresh branch from the lane branch's tip,
 * at most two attempts (the second told why the first failed), and on success
 * one commit of exactly the validated tree, moved onto the lane branch.
 */
import path from 'node:path';
import { runAttempt, type AttemptOutcome } from './attempt.js';
import { moveBranch } from './checkpoints.js';
import { git } from './git.js';
import type { LaneFile, Microtask } from './lane-file.js';
import type { LanePaths } from './paths.js';
import type { Recorder } from './records/recorder.js';
import { MAX_ATTEMPTS } from './retry.js';
import type { Sandbox } from './sandbox/sandbox.js';
import { createWorktree, diskUsage, removeWorktree, TASK_BRANCH_PREFIX } from './sandbox/worktree.js';
import { STATIC_VALIDATORS, stops, type Finding } from './validators/index.js';

export interface MicrotaskContext {
  repoRoot: string;
  lane: LaneFile;
  runId: string;
  paths: LanePaths;
  sandbox: Sandbox;
  recorder: Recorder;
  env: NodeJS.ProcessEnv;
  /** The lane branch's tip: the worktree starts here, the commit goes on top. */
  laneTip: string;
  signal?: AbortSignal;
}

export interface MicrotaskOutcome {
  ok: boolean;
  attempts: number;
  commit: string | null;
  /** Stop findings of the last attempt when it failed; every finding (warnings) when it succeeded. */
  findings: Finding[];
  aborted: boolean;
}

function commitMessage(task: Microtask, runId: string, attempt: number): string {
  const first = task.instructions.split('\n').find((line) => line.trim() !== '')?.trim() ?? '';
  const subject = first.length > 72 ? `${first.slice(0, 71)}…` : first;
  return [
    `lane(${task.kind}): ${task.id}`,
    '',
    subject,
    '',
    `Agentlane-Run: ${runId}`,
    `Agentlane-Task: ${task.id}`,
    `Agentlane-Attempt: ${attempt}`,
    `Agentlane-Checks: ${[...STATIC_VALIDATORS.map(([name]) => name), 'tests'].join(', ')}`,
    '',
  ].join('\n');
}

export async function runMicrotask(ctx: MicrotaskContext, task: Microtask): Promise<MicrotaskOutcome> {
  const { repoRoot, recorder } = ctx;
  const short = ctx.runId.slice(0, 8);
  const worktree = await createWorktree(repoRoot, path.join(ctx.paths.worktrees, `${short}-${task.id}`), `${TASK_BRANCH_PREFIX}${short}/${task.id}`, ctx.laneTip);
  try {
    recorder.emit('task_started', { worktree: worktree.dir, base: ctx.laneTip }, { taskId: task.id });
    const baseDisk = diskUsage(worktree.dir);
    let retryContext: string | null = null;
    let last: AttemptOutcome | null = null;
    let attempts = 0;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      attempts = attempt;
      last = await runAttempt({ ...ctx, task, attempt, worktree, retryContext, baseDisk });
      if (last.aborted) break;
      if (last.ok && last.changes) {
        const commit = (await git(repoRoot, ['commit-tree', last.changes.tree, '-p', ctx.laneTip, '-F', '-'], { input: commitMessage(task, ctx.runId, attempt) })).trim();
        await moveBranch(repoRoot, ctx.lane.branch, commit, ctx.laneTip, `agentlane lane ${ctx.lane.name}: ${task.id}`);
        recorder.emit('task_finished', { outcome: 'succeeded', attempts: attempt, commit, failure: null }, { taskId: task.id });
        return { ok: true, attempts: attempt, commit, findings: last.findings, aborted: false };
      }
      retryContext = last.failureSummary;
    }
    const failure = stops(last?.findings ?? []);
    recorder.emit('task_finished', { outcome: 'failed', attempts, commit: null, failure }, { taskId: task.id });
    return { ok: false, attempts, commit: null, findings: failure, aborted: last?.aborted ?? false };
  } finally {
    await removeWorktree(repoRoot, worktree);
  }
}
