import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AgentlaneError } from '@agentlane/core';
import type { Sql } from '@agentlane/store';
import { assertBranchName, assertRepoPath, git } from '../git.js';
import type { ChangedFile } from '../policy/evaluate.js';
import type { CheckRun, CheckRunRequest, CheckRunState, CommitRequest, Comment, Forge, Permission, PullRequest, PullRequestRequest } from './port.js';

const ZERO = '0000000000000000000000000000000000000000';

export interface LocalForgeOptions {
  /** A git repository (bare is best: the forge never touches a working tree). */
  repoPath: string;
  sql: Sql;
  /** Who may do what (AGENTLANE_LOCAL_PERMISSIONS); logins compare case-insensitively; everyone else has `none`. */
  collaborators?: Readonly<Record<string, Permission>>;
  /** The author of comments the forge writes. */
  botLogin?: string;
}

interface PullRow {
  number: number;
  head: string;
  base: string;
  head_sha: string;
  state: PullRequest['state'];
}

/**
 * The forge port on a local git repository: branches and commits through git's
 * plumbing (the same blob → tree → commit → ref steps as GitHub's git data API),
 * pull requests, check runs and comments as rows in `gitops.local_*`.
 */
export class LocalForge implements Forge {
  readonly kind = 'local' as const;
  readonly repo: string;
  private readonly sql: Sql;
  private readonly collaborators: Readonly<Record<string, Permission>>;
  private readonly botLogin: string;

  constructor(options: LocalForgeOptions) {
    this.repo = path.resolve(options.repoPath);
    this.sql = options.sql;
    this.collaborators = options.collaborators ?? {};
    this.botLogin = options.botLogin ?? 'agentlane[bot]';
  }

  private git(args: readonly string[], extra: { input?: string; env?: Record<string, string>; okCodes?: number[] } = {}) {
    return git(args, { cwd: this.repo, ...extra });
  }

  async branchSha(branch: string): Promise<string> {
    const { stdout, code } = await this.git(['rev-parse', '--verify', '--quiet', `refs/heads/${assertBranchName(branch)}^{commit}`], { okCodes: [1] });
    if (code !== 0) throw new AgentlaneError('FORGE_REQUEST_FAILED', `No branch ${branch} in ${this.repo}`, { details: { branch } });
    return stdout.trim();
  }

  async readFile(ref: string, file: string): Promise<string | null> {
    const spec = `${/^[0-9a-f]{40}$/.test(ref) ? ref : `refs/heads/${assertBranchName(ref)}`}:${assertRepoPath(file)}`;
    const exists = await this.git(['cat-file', '-e', spec], { okCodes: [1, 128] });
    if (exists.code !== 0) return null;
    return (await this.git(['cat-file', 'blob', spec])).stdout;
  }

  async commitToNewBranch(request: CommitRequest): Promise<{ sha: string }> {
    const branch = assertBranchName(request.branch);
    const baseSha = await this.branchSha(request.base);
    if (request.edits.length === 0) throw new AgentlaneError('FORGE_REQUEST_FAILED', 'A commit needs at least one edit');
    const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'agentlane-forge-'));
    const env = { GIT_INDEX_FILE: path.join(scratch, 'index') };
    try {
      await this.git(['read-tree', baseSha], { env });
      // One `--index-info` batch: mode 0 removes a path; NUL-terminated, so any file name is safe.
      const entries: string[] = [];
      for (const edit of request.edits) {
        const file = assertRepoPath(edit.path);
        if (edit.content === null) entries.push(`0 ${ZERO}\t${file}`);
        else {
          const blob = (await this.git(['hash-object', '-w', '--stdin'], { input: edit.content })).stdout.trim();
          entries.push(`100644 ${blob}\t${file}`);
        }
      }
      await this.git(['update-index', '-z', '--index-info'], { env, input: entries.map((e) => `${e}\0`).join('') });
      const tree = (await this.git(['write-tree'], { env })).stdout.trim();
      const author = request.author ?? { name: 'agentlane', email: 'agentlane@localhost' };
      const identity = { GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email, GIT_COMMITTER_NAME: author.name, GIT_COMMITTER_EMAIL: author.email };
      const sha = (await this.git(['commit-tree', tree, '-p', baseSha, '-F', '-'], { input: request.message, env: identity })).stdout.trim();
      // Create-only: the old value must be "no such ref", so an existing branch is never overwritten.
      await this.git(['update-ref', `refs/heads/${branch}`, sha, ZERO]);
      return { sha };
    } finally {
      await fs.rm(scratch, { recursive: true, force: true });
    }
  }

  private url(number: number): string {
    return `local://${this.repo}/pull/${number}`;
  }

  private toPullRequest(row: PullRow): PullRequest {
    return { number: row.number, url: this.url(row.number), head: row.head, base: row.base, headSha: row.head_sha, state: row.state };
  }

  async openPullRequest(request: PullRequestRequest): Promise<PullRequest> {
    const headSha = await this.branchSha(request.head);
    await this.branchSha(request.base);
    return this.sql.transaction(async (tx) => {
      // One numbering per repository, as on GitHub; the advisory lock serialises openers.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('gitops.local_pull_requests:' || $1))`, [this.repo]);
      const { rows } = await tx.query<PullRow>(
        `INSERT INTO gitops.local_pull_requests (repo, number, title, body, head, base, head_sha, draft, labels)
         SELECT $1, coalesce(max(number), 0) + 1, $2, $3, $4, $5, $6, $7, $8 FROM gitops.local_pull_requests WHERE repo = $1
         RETURNING number, head, base, head_sha, state`,
        [this.repo, request.title, request.body, request.head, request.base, headSha, request.draft ?? false, [...(request.labels ?? [])]],
      );
      return this.toPullRequest(rows[0] as PullRow);
    });
  }

  async getPullRequest(number: number): Promise<PullRequest> {
    const { rows } = await this.sql.query<PullRow>(
      'SELECT number, head, base, head_sha, state FROM gitops.local_pull_requests WHERE repo = $1 AND number = $2',
      [this.repo, number],
    );
    const row = rows[0];
    if (!row) throw new AgentlaneError('FORGE_REQUEST_FAILED', `No pull request #${number}`, { details: { number } });
    return this.toPullRequest(row);
  }

  async pullRequestFiles(number: number): Promise<ChangedFile[]> {
    const pr = await this.getPullRequest(number);
    const base = pr.state === 'merged' ? `${pr.headSha}^` : await this.branchSha(pr.base);
    const mergeBase = (await this.git(['merge-base', base, pr.headSha])).stdout.trim();
    return diffFiles(this.repo, mergeBase, pr.headSha);
  }

  async createCheckRun(request: CheckRunRequest): Promise<CheckRun> {
    const { rows } = await this.sql.query<{ id: string }>(
      `INSERT INTO gitops.local_check_runs (repo, head_sha, name, status, conclusion, title, summary) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [this.repo, request.headSha, request.name, request.status, request.conclusion ?? null, request.title ?? null, request.summary ?? null],
    );
    const id = Number(rows[0]?.id);
    return { id, url: `local://${this.repo}/check-runs/${id}` };
  }

  async updateCheckRun(id: number, update: Omit<CheckRunRequest, 'headSha' | 'name'>): Promise<void> {
    const { rowCount } = await this.sql.query(
      `UPDATE gitops.local_check_runs SET status = $3, conclusion = $4, title = coalesce($5, title), summary = coalesce($6, summary), updated_at = now()
        WHERE repo = $1 AND id = $2`,
      [this.repo, id, update.status, update.conclusion ?? null, update.title ?? null, update.summary ?? null],
    );
    if (rowCount === 0) throw new AgentlaneError('FORGE_REQUEST_FAILED', `No check run ${id}`, { details: { id } });
  }

  async listCheckRuns(headSha: string): Promise<CheckRunState[]> {
    const { rows } = await this.sql.query<{ id: string; name: string; status: CheckRunState['status']; conclusion: CheckRunState['conclusion'] }>(
      'SELECT id, name, status, conclusion FROM gitops.local_check_runs WHERE repo = $1 AND head_sha = $2 ORDER BY id',
      [this.repo, headSha],
    );
    return rows.map((row) => ({ ...row, id: Number(row.id) }));
  }

  async requestReview(number: number, logins: readonly string[]): Promise<void> {
    const { rowCount } = await this.sql.query(
      `UPDATE gitops.local_pull_requests SET requested_reviewers = ARRAY(SELECT DISTINCT unnest(requested_reviewers || $3::text[]) ORDER BY 1)
        WHERE repo = $1 AND number = $2 AND state = 'open'`,
      [this.repo, number, [...logins]],
    );
    if (rowCount === 0) throw new AgentlaneError('FORGE_REQUEST_FAILED', `Pull request #${number} is not open`, { details: { number } });
  }

  /** Who was asked to review a pull request (the local forge's record of it). */
  async reviewRequests(number: number): Promise<string[]> {
    const { rows } = await this.sql.query<{ requested_reviewers: string[] }>('SELECT requested_reviewers FROM gitops.local_pull_requests WHERE repo = $1 AND number = $2', [this.repo, number]);
    return rows[0]?.requested_reviewers ?? [];
  }

  async closePullRequest(number: number): Promise<void> {
    const { rowCount } = await this.sql.query(`UPDATE gitops.local_pull_requests SET state = 'closed' WHERE repo = $1 AND number = $2 AND state = 'open'`, [this.repo, number]);
    if (rowCount === 0) throw new AgentlaneError('FORGE_REQUEST_FAILED', `Pull request #${number} is not open`, { details: { number } });
  }

  async changedPathsBetween(fromSha: string, toSha: string): Promise<string[]> {
    for (const sha of [fromSha, toSha]) if (!/^[0-9a-f]{40}$/.test(sha)) throw new AgentlaneError('FORGE_REQUEST_FAILED', `Not a commit SHA: ${JSON.stringify(sha)}`);
    const files = await diffFiles(this.repo, fromSha, toSha);
    return [...new Set(files.flatMap((f) => (f.previousPath ? [f.path, f.previousPath] : [f.path])))].sort();
  }

  async comment(issueNumber: number, body: string): Promise<Comment> {
    const { rows } = await this.sql.query<{ id: string }>(
      'INSERT INTO gitops.local_comments (repo, issue_number, author, body) VALUES ($1, $2, $3, $4) RETURNING id',
      [this.repo, issueNumber, this.botLogin, body],
    );
    const id = Number(rows[0]?.id);
    return { id, url: `local://${this.repo}/issues/${issueNumber}#comment-${id}` };
  }

  async permissionOf(login: string): Promise<Permission> {
    if (Object.hasOwn(this.collaborators, login)) return this.collaborators[login] as Permission;
    const key = Object.keys(this.collaborators).find((name) => name.toLowerCase() === login.toLowerCase());
    // Deny by default: a login nobody configured may not even read (GitHub answers 404 → none too).
    return key === undefined ? 'none' : (this.collaborators[key] as Permission);
  }

  async mergePullRequest(number: number, expectedHeadSha: string, title: string): Promise<{ sha: string }> {
    const pr = await this.getPullRequest(number);
    if (pr.state !== 'open') throw new AgentlaneError('FORGE_REQUEST_FAILED', `Pull request #${number} is ${pr.state}`, { details: { number } });
    const headSha = await this.branchSha(pr.head);
    if (headSha !== expectedHeadSha) {
      throw new AgentlaneError('FORGE_REQUEST_FAILED', `Pull request #${number} head moved (${headSha.slice(0, 7)}, expected ${expectedHeadSha.slice(0, 7)})`, {
        details: { number },
      });
    }
    const baseSha = await this.branchSha(pr.base);
    const merged = await this.git(['merge-tree', '--write-tree', baseSha, headSha], { okCodes: [1] });
    if (merged.code !== 0) throw new AgentlaneError('FORGE_REQUEST_FAILED', `Pull request #${number} conflicts with ${pr.base}`, { details: { number } });
    const tree = merged.stdout.split('\n')[0]?.trim() as string;
    const identity = { GIT_AUTHOR_NAME: 'agentlane', GIT_AUTHOR_EMAIL: 'agentlane@localhost', GIT_COMMITTER_NAME: 'agentlane', GIT_COMMITTER_EMAIL: 'agentlane@localhost' };
    const sha = (await this.git(['commit-tree', tree, '-p', baseSha, '-F', '-'], { input: `${title} (#${number})\n`, env: identity })).stdout.trim();
    // Compare-and-swap: if the base moved meanwhile, the merge fails instead of losing a commit.
    await this.git(['update-ref', `refs/heads/${assertBranchName(pr.base)}`, sha, baseSha]);
    await this.sql.query(`UPDATE gitops.local_pull_requests SET state = 'merged', merged_sha = $3 WHERE repo = $1 AND number = $2`, [this.repo, number, sha]);
    return { sha };
  }
}

/** The files changed between two commits, with line counts and renames. */
export async function diffFiles(repo: string, from: string, to: string): Promise<ChangedFile[]> {
  const statuses = (await git(['diff', '--name-status', '-z', '-M', from, to], { cwd: repo })).stdout.split('\0');
  const numstat = (await git(['diff', '--numstat', '-z', '-M', from, to], { cwd: repo })).stdout.split('\0');
  const counts = new Map<string, { additions: number; deletions: number }>();
  for (let i = 0; i < numstat.length; i += 1) {
    const entry = numstat[i] as string;
    if (entry === '') continue;
    const [added, deleted, file] = entry.split('\t') as [string, string, string];
    const lines = { additions: added === '-' ? 0 : Number(added), deletions: deleted === '-' ? 0 : Number(deleted) };
    // A rename is "a\td\t" followed by the old and new paths as separate fields.
    if (file === '') {
      i += 2;
      counts.set(numstat[i] as string, lines);
    } else counts.set(file, lines);
  }
  const files: ChangedFile[] = [];
  for (let i = 0; i < statuses.length; i += 1) {
    const status = statuses[i] as string;
    if (status === '') continue;
    if (status.startsWith('R')) {
      const previousPath = statuses[++i] as string;
      const file = statuses[++i] as string;
      files.push({ path: file, previousPath, status: 'renamed', ...(counts.get(file) ?? { additions: 0, deletions: 0 }) });
      continue;
    }
    const file = statuses[++i] as string;
    const kind = status === 'A' ? 'added' : status === 'D' ? 'removed' : 'modified';
    files.push({ path: file, status: kind, ...(counts.get(file) ?? { additions: 0, deletions: 0 }) });
  }
  return files;
}
