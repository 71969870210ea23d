import { FORGE_PERMISSIONS, type ForgePermission } from '@agentlane/core';
import type { ChangedFile } from '../policy/evaluate.js';

/**
 * The forge port: what agentlane needs from a code host, and nothing more. Two
 * adapters implement it: GitHub (Octokit, the git data API) and a local git
 * repository with pull-request records in Postgres, so everything runs offline.
 */

/** A file's new content, or `null` to delete it. */
export interface FileEdit {
  path: string;
  content: string | null;
}

export interface CommitRequest {
  /** The branch to start from. */
  base: string;
  /** The new branch; it must not exist yet. */
  branch: string;
  message: string;
  edits: readonly FileEdit[];
  author?: { name: string; email: string };
}

export interface PullRequestRequest {
  head: string;
  base: string;
  title: string;
  body: string;
  draft?: boolean;
  labels?: readonly string[];
}

export interface PullRequest {
  number: number;
  url: string;
  head: string;
  base: string;
  headSha: string;
  state: 'open' | 'closed' | 'merged';
}

export type CheckConclusion = 'success' | 'failure' | 'neutral' | 'cancelled' | 'skipped' | 'timed_out' | 'action_required';

export interface CheckRunRequest {
  headSha: string;
  name: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion?: CheckConclusion;
  title?: string;
  summary?: string;
}

export interface CheckRun {
  id: number;
  url: string;
}

/** A check run as the forge reports it on a commit. */
export interface CheckRunState {
  id: number;
  name: string;
  status: CheckRunRequest['status'];
  conclusion: CheckConclusion | null;
}

export interface Comment {
  id: number;
  url: string;
}

/** GitHub's collaborator permission levels, highest first. */
export const PERMISSIONS = FORGE_PERMISSIONS;
export type Permission = ForgePermission;

export function canWrite(permission: Permission): boolean {
  return permission === 'admin' || permission === 'maintain' || permission === 'write';
}

export interface Forge {
  readonly kind: 'github' | 'local';
  /** `owner/name` on GitHub, the repository path for the local forge. */
  readonly repo: string;
  /** The commit a branch points to. */
  branchSha(branch: string): Promise<string>;
  /** A file's text at a ref, or null when it does not exist there. */
  readFile(ref: string, path: string): Promise<string | null>;
  /** One commit holding every edit, on a new branch from `base`. Returns the commit. */
  commitToNewBranch(request: CommitRequest): Promise<{ sha: string }>;
  openPullRequest(request: PullRequestRequest): Promise<PullRequest>;
  getPullRequest(number: number): Promise<PullRequest>;
  /** The files a pull request changes against its base. */
  pullRequestFiles(number: number): Promise<ChangedFile[]>;
  createCheckRun(request: CheckRunRequest): Promise<CheckRun>;
  updateCheckRun(id: number, update: Omit<CheckRunRequest, 'headSha' | 'name'>): Promise<void>;
  /** Every check run on a commit, oldest first (a name can appear more than once: re-runs). */
  listCheckRuns(headSha: string): Promise<CheckRunState[]>;
  comment(issueNumber: number, body: string): Promise<Comment>;
  /** Ask people to review an open pull request. */
  requestReview(number: number, logins: readonly string[]): Promise<void>;
  /** Close an open pull request without merging it. */
  closePullRequest(number: number): Promise<void>;
  /** The paths (old and new, for renames) that differ between two commits. */
  changedPathsBetween(fromSha: string, toSha: string): Promise<string[]>;
  /** The permission a user has on the repository ('none' when not a collaborator). */
  permissionOf(login: string): Promise<Permission>;
  /** Squash-merge, only if the head is still `expectedHeadSha`. */
  mergePullRequest(number: number, expectedHeadSha: string, title: string): Promise<{ sha: string }>;
}
