import { AgentlaneError, redactSecrets } from '@agentlane/core';
import Bottleneck from 'bottleneck';
import { App, Octokit, RequestError } from 'octokit';
import { assertBranchName, assertRepoPath } from '../git.js';
import type { ChangedFile } from '../policy/evaluate.js';
import { PERMISSIONS, type CheckRun, type CheckRunRequest, type CheckRunState, type CommitRequest, type Comment, type Forge, type Permission, type PullRequest, type PullRequestRequest } from './port.js';

export type GitHubAuth =
  | { kind: 'token'; token: string }
  | { kind: 'app'; appId: number; privateKey: string; installationId: number };

export interface GitHubForgeOptions {
  /** `owner/name`. */
  repo: string;
  auth: GitHubAuth;
  /** GitHub Enterprise Server: `https://ghe.example.com/api/v3`. Default api.github.com. */
  apiUrl?: string;
  /** Retries after a rate limit before giving up (primary and secondary limits). */
  rateLimitRetries?: number;
  /**
   * Spacing between content-creating requests. GitHub asks integrators for at least
   * one second (its secondary rate limits punish bursts), and that is the default;
   * a loopback test server or a GHES without secondary limits can use less.
   */
  writeSpacingMs?: number;
  /** Spacing between requests that notify people (comments, pull requests, merges): GitHub's default 3 s. */
  notificationSpacingMs?: number;
  /** What one second of a `retry-after` or of retry backoff is worth (default 1000 ms; tests shrink it). */
  retryAfterUnitMs?: number;
  /** Called on every rate-limit hit (for logs and metrics); never given the token. */
  onRateLimit?: (event: { kind: 'primary' | 'secondary'; retryAfterSeconds: number; method: string; url: string; retryCount: number }) => void;
}

type OctokitInstance = InstanceType<typeof Octokit>;

/** An Octokit with throttling and retry handlers, authenticated by token or as an App installation. */
export async function createOctokit(options: GitHubForgeOptions): Promise<OctokitInstance> {
  const retries = options.rateLimitRetries ?? 2;
  const handler =
    (kind: 'primary' | 'secondary') =>
    (retryAfter: number, request: { method: string; url: string; request: { retryCount: number } }): boolean => {
      options.onRateLimit?.({ kind, retryAfterSeconds: retryAfter, method: request.method, url: request.url, retryCount: request.request.retryCount });
      return request.request.retryCount < retries;
    };
  const base = {
    ...(options.apiUrl ? { baseUrl: options.apiUrl.replace(/\/+$/, '') } : {}),
    throttle: {
      onRateLimit: handler('primary'),
      onSecondaryRateLimit: handler('secondary'),
      ...(options.writeSpacingMs === undefined ? {} : { write: new Bottleneck.Group({ maxConcurrent: 1, minTime: options.writeSpacingMs }) }),
      ...(options.notificationSpacingMs === undefined ? {} : { notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: options.notificationSpacingMs }) }),
      ...(options.retryAfterUnitMs === undefined ? {} : { retryAfterBaseValue: options.retryAfterUnitMs }),
    },
    // Server errors are retried (with backoff); answers about the request itself are not.
    retry: {
      doNotRetry: [400, 401, 403, 404, 409, 410, 422, 451],
      ...(options.retryAfterUnitMs === undefined ? {} : { retryAfterBaseValue: options.retryAfterUnitMs }),
    },
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  };
  if (options.auth.kind === 'token') return new Octokit({ ...base, auth: options.auth.token });
  const app = new App({ appId: options.auth.appId, privateKey: options.auth.privateKey, Octokit: Octokit.defaults(base) });
  return (await app.getInstallationOctokit(options.auth.installationId)) as unknown as OctokitInstance;
}

/** A forge error that says what failed and how, without the request's credentials. */
function forgeError(action: string, error: unknown): AgentlaneError {
  if (error instanceof AgentlaneError) return error;
  const status = error instanceof RequestError ? error.status : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return new AgentlaneError('FORGE_REQUEST_FAILED', redactSecrets(`GitHub ${action} failed${status ? ` (HTTP ${status})` : ''}: ${message}`), {
    cause: error,
    details: { action, ...(status ? { status } : {}) },
  });
}

const isNotFound = (error: unknown) => error instanceof RequestError && error.status === 404;

/** The forge port on GitHub through Octokit: one commit with many files through the git data API. */
export class GitHubForge implements Forge {
  readonly kind = 'github' as const;
  readonly repo: string;
  private readonly owner: string;
  private readonly name: string;

  private constructor(
    private readonly octokit: OctokitInstance,
    repo: string,
  ) {
    const match = /^([A-Za-z0-9-]+)\/([A-Za-z0-9._-]+)$/.exec(repo);
    if (!match) throw new AgentlaneError('FORGE_REQUEST_FAILED', `Not an owner/name repository: ${JSON.stringify(repo)}`, { details: { repo } });
    this.repo = repo;
    this.owner = match[1] as string;
    this.name = match[2] as string;
  }

  static async create(options: GitHubForgeOptions): Promise<GitHubForge> {
    return new GitHubForge(await createOctokit(options), options.repo);
  }

  /** For callers that already hold a configured Octokit. */
  static fromOctokit(octokit: OctokitInstance, repo: string): GitHubForge {
    return new GitHubForge(octokit, repo);
  }

  private get where() {
    return { owner: this.owner, repo: this.name };
  }

  private async call<T>(action: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw forgeError(action, error);
    }
  }

  branchSha(branch: string): Promise<string> {
    return this.call('get ref', async () => {
      const { data } = await this.octokit.rest.git.getRef({ ...this.where, ref: `heads/${assertBranchName(branch)}` });
      return data.object.sha;
    });
  }

  async readFile(ref: string, file: string): Promise<string | null> {
    try {
      const { data } = await this.octokit.rest.repos.getContent({ ...this.where, path: assertRepoPath(file), ref });
      if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) return null;
      return Buffer.from(data.content, 'base64').toString('utf8');
    } catch (error) {
      if (isNotFound(error)) return null;
      throw forgeError('get content', error);
    }
  }

  commitToNewBranch(request: CommitRequest): Promise<{ sha: string }> {
    return this.call('commit', async () => {
      const branch = assertBranchName(request.branch);
      if (request.edits.length === 0) throw new AgentlaneError('FORGE_REQUEST_FAILED', 'A commit needs at least one edit');
      const baseSha = await this.branchSha(request.base);
      const { data: baseCommit } = await this.octokit.rest.git.getCommit({ ...this.where, commit_sha: baseSha });
      const tree = [];
      for (const edit of request.edits) {
        const path = assertRepoPath(edit.path);
        if (edit.content === null) {
          tree.push({ path, mode: '100644' as const, type: 'blob' as const, sha: null });
          continue;
        }
        const { data: blob } = await this.octokit.rest.git.createBlob({ ...this.where, content: Buffer.from(edit.content, 'utf8').toString('base64'), encoding: 'base64' });
        tree.push({ path, mode: '100644' as const, type: 'blob' as const, sha: blob.sha });
      }
      const { data: newTree } = await this.octokit.rest.git.createTree({ ...this.where, base_tree: baseCommit.tree.sha, tree });
      const { data: commit } = await this.octokit.rest.git.createCommit({
        ...this.where,
        message: request.message,
        tree: newTree.sha,
        parents: [baseSha],
        ...(request.author ? { author: request.author } : {}),
      });
      await this.octokit.rest.git.createRef({ ...this.where, ref: `refs/heads/${branch}`, sha: commit.sha });
      return { sha: commit.sha };
    });
  }

  openPullRequest(request: PullRequestRequest): Promise<PullRequest> {
    return this.call('open pull request', async () => {
      const { data } = await this.octokit.rest.pulls.create({
        ...this.where,
        title: request.title,
        head: request.head,
        base: request.base,
        body: request.body,
        draft: request.draft ?? false,
      });
      if (request.labels && request.labels.length > 0) {
        await this.octokit.rest.issues.addLabels({ ...this.where, issue_number: data.number, labels: [...request.labels] });
      }
      return { number: data.number, url: data.html_url, head: request.head, base: request.base, headSha: data.head.sha, state: 'open' };
    });
  }

  getPullRequest(number: number): Promise<PullRequest> {
    return this.call('get pull request', async () => {
      const { data } = await this.octokit.rest.pulls.get({ ...this.where, pull_number: number });
      const state = data.merged ? 'merged' : data.state === 'closed' ? 'closed' : 'open';
      return { number: data.number, url: data.html_url, head: data.head.ref, base: data.base.ref, headSha: data.head.sha, state };
    });
  }

  pullRequestFiles(number: number): Promise<ChangedFile[]> {
    return this.call('list pull request files', async () => {
      const files = await this.octokit.paginate(this.octokit.rest.pulls.listFiles, { ...this.where, pull_number: number, per_page: 100 });
      return files.map((file) => ({
        path: file.filename,
        status: file.status === 'added' ? 'added' : file.status === 'removed' ? 'removed' : file.status === 'renamed' ? 'renamed' : 'modified',
        ...(file.previous_filename ? { previousPath: file.previous_filename } : {}),
        additions: file.additions,
        deletions: file.deletions,
      }));
    });
  }

  createCheckRun(request: CheckRunRequest): Promise<CheckRun> {
    return this.call('create check run', async () => {
      const { data } = await this.octokit.rest.checks.create({
        ...this.where,
        name: request.name,
        head_sha: request.headSha,
        status: request.status,
        ...(request.conclusion ? { conclusion: request.conclusion } : {}),
        ...(request.title ? { output: { title: request.title, summary: request.summary ?? '' } } : {}),
      });
      return { id: data.id, url: data.html_url ?? data.url };
    });
  }

  updateCheckRun(id: number, update: Omit<CheckRunRequest, 'headSha' | 'name'>): Promise<void> {
    return this.call('update check run', async () => {
      await this.octokit.rest.checks.update({
        ...this.where,
        check_run_id: id,
        status: update.status,
        ...(update.conclusion ? { conclusion: update.conclusion } : {}),
        ...(update.title ? { output: { title: update.title, summary: update.summary ?? '' } } : {}),
      });
    });
  }

  listCheckRuns(headSha: string): Promise<CheckRunState[]> {
    return this.call('list check runs', async () => {
      const runs = await this.octokit.paginate(this.octokit.rest.checks.listForRef, { ...this.where, ref: headSha, filter: 'all', per_page: 100 });
      return runs
        .map((run) => ({ id: run.id, name: run.name, status: run.status as CheckRunState['status'], conclusion: (run.conclusion ?? null) as CheckRunState['conclusion'] }))
        .sort((a, b) => a.id - b.id);
    });
  }

  requestReview(number: number, logins: readonly string[]): Promise<void> {
    return this.call('request review', async () => {
      await this.octokit.rest.pulls.requestReviewers({ ...this.where, pull_number: number, reviewers: [...logins] });
    });
  }

  closePullRequest(number: number): Promise<void> {
    return this.call('close pull request', async () => {
      await this.octokit.rest.pulls.update({ ...this.where, pull_number: number, state: 'closed' });
    });
  }

  changedPathsBetween(fromSha: string, toSha: string): Promise<string[]> {
    return this.call('compare commits', async () => {
      const { data } = await this.octokit.rest.repos.compareCommitsWithBasehead({ ...this.where, basehead: `${fromSha}...${toSha}` });
      return [...new Set((data.files ?? []).flatMap((f) => (f.previous_filename ? [f.filename, f.previous_filename] : [f.filename])))].sort();
    });
  }

  comment(issueNumber: number, body: string): Promise<Comment> {
    return this.call('create comment', async () => {
      const { data } = await this.octokit.rest.issues.createComment({ ...this.where, issue_number: issueNumber, body });
      return { id: data.id, url: data.html_url };
    });
  }

  async permissionOf(login: string): Promise<Permission> {
    try {
      const { data } = await this.octokit.rest.repos.getCollaboratorPermissionLevel({ ...this.where, username: login });
      // role_name carries maintain/triage, which `permission` folds into write/read.
      const role = (data.role_name ?? data.permission) as Permission;
      return PERMISSIONS.includes(role) ? role : (data.permission as Permission);
    } catch (error) {
      if (isNotFound(error)) return 'none';
      throw forgeError('get collaborator permission', error);
    }
  }

  mergePullRequest(number: number, expectedHeadSha: string, title: string): Promise<{ sha: string }> {
    return this.call('merge pull request', async () => {
      const { data } = await this.octokit.rest.pulls.merge({ ...this.where, pull_number: number, sha: expectedHeadSha, merge_method: 'squash', commit_title: `${title} (#${number})` });
      return { sha: data.sha };
    });
  }
}
