/**
 * Checkpoints: every N successful microtasks the lane branch's tip is recorded
 * (and tagged) as a stable commit; the lane's start is checkpoint 0. After a
 * stop the lane branch goes back to the last one. Branch moves are
 * compare-and-swap (`update-ref new old`): nobody else's commit is overwritten.
 */
import { git, gitMaybe } from './git.js';

export interface Checkpoint {
  seq: number;
  commit: string;
  tag: string | null;
  successes: number;
}

export function checkpointTag(lane: string, runId: string, seq: number): string {
  return `agentlane/checkpoint/${lane}/${runId.slice(0, 8)}-${seq}`;
}

export async function tagCheckpoint(repoRoot: string, lane: string, runId: string, seq: number, commit: string): Promise<string> {
  const tag = checkpointTag(lane, runId, seq);
  await git(repoRoot, ['update-ref', `refs/tags/${tag}`, commit, '']);
  return tag;
}

/** Move the lane branch from `expected` to `commit`; LANE_GIT_FAILED when someone else moved it. */
export async function moveBranch(repoRoot: string, branch: string, commit: string, expected: string, reason: string): Promise<void> {
  await git(repoRoot, ['update-ref', '-m', reason, `refs/heads/${branch}`, commit, expected]);
}

export async function branchTip(repoRoot: string, branch: string): Promise<string | null> {
  const out = await gitMaybe(repoRoot, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`]);
  return out === null ? null : out.trim();
}
