/**
 * A small stateful GitHub behind the contract server: refs, blobs, trees and
 * commits of the git data API, pull requests, labels, check runs, comments and
 * collaborator permissions. Every answer starts from GitHub's own example for the
 * operation, with the fields that carry state replaced.
 */
import { createHash } from 'node:crypto';
import { exampleResponse, startGitHubContractServer, type ContractRequest, type ContractServer } from './github-contract.js';

type Files = Map<string, string>;
interface Commit {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
}
export interface FakePull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  headSha: string;
  draft: boolean;
  labels: string[];
  state: 'open' | 'closed';
  merged: boolean;
  mergedSha?: string;
  reviewers?: string[];
}
export interface FakeCheckRun {
  id: number;
  name: string;
  headSha: string;
  status: string;
  conclusion?: string;
  output?: { title: string; summary: string };
}

/** Lines added and removed, counted as a multiset difference (exact for the edits tests make). */
function lineDiff(before: string, after: string): { additions: number; deletions: number } {
  const lines = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));
  const counts = new Map<string, number>();
  for (const line of lines(before)) counts.set(line, (counts.get(line) ?? 0) + 1);
  let additions = 0;
  for (const line of lines(after)) {
    const left = counts.get(line) ?? 0;
    if (left > 0) counts.set(line, left - 1);
    else additions += 1;
  }
  const deletions = [...counts.values()].reduce((sum, n) => sum + n, 0);
  return { additions, deletions };
}

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex');

export class FakeGitHub {
  readonly owner: string;
  readonly name: string;
  readonly refs = new Map<string, string>();
  readonly blobs = new Map<string, string>();
  readonly trees = new Map<string, Files>();
  readonly commits = new Map<string, Commit>();
  readonly pulls: FakePull[] = [];
  readonly checkRuns: FakeCheckRun[] = [];
  readonly comments: Array<{ id: number; issueNumber: number; body: string }> = [];
  readonly permissions = new Map<string, 'admin' | 'maintain' | 'write' | 'triage' | 'read'>();
  /** Answer the next N requests with these statuses first (rate limits, outages). */
  readonly failures: Array<{ status: number; message?: string; headers?: Record<string, string> }> = [];
  server!: ContractServer;

  constructor(repo = 'octo-org/agentlane-demo', files: Record<string, string> = { 'README.md': '# demo\n' }) {
    [this.owner, this.name] = repo.split('/') as [string, string];
    const tree = this.storeTree(new Map(Object.entries(files)));
    const commit = this.storeCommit(tree, [], 'initial');
    this.refs.set('heads/main', commit);
  }

  get repo(): string {
    return `${this.owner}/${this.name}`;
  }

  async start(): Promise<this> {
    this.server = await startGitHubContractServer((request) => {
      const failure = this.failures.shift();
      if (failure) return { status: failure.status, body: { message: failure.message ?? 'injected failure' }, ...(failure.headers ? { headers: failure.headers } : {}) };
      return this.handle(request);
    });
    return this;
  }

  close(): Promise<void> {
    return this.server.close();
  }

  storeTree(files: Files): string {
    const sha = sha1(`tree ${JSON.stringify([...files.entries()].sort())}`);
    this.trees.set(sha, new Map(files));
    return sha;
  }

  storeCommit(tree: string, parents: string[], message: string): string {
    const sha = sha1(`commit ${tree} ${parents.join(',')} ${message} ${this.commits.size}`);
    this.commits.set(sha, { sha, tree, parents, message });
    return sha;
  }

  /** The files at a branch or commit. */
  filesAt(refOrSha: string): Files {
    const sha = this.refs.get(`heads/${refOrSha}`) ?? refOrSha;
    const commit = this.commits.get(sha);
    if (!commit) throw new Error(`no commit ${refOrSha}`);
    return this.trees.get(commit.tree) as Files;
  }

  private example(request: ContractRequest, overrides: Record<string, unknown>, status?: number) {
    const { status: code, body } = exampleResponse(request.operationId, status);
    return { status: code, body: { ...(body as object), ...overrides } };
  }

  private notFound() {
    return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } };
  }

  private pullBody(request: ContractRequest, pull: FakePull) {
    const { body } = exampleResponse('pulls/get');
    const example = body as { head: object; base: object };
    return this.example(request, {
      number: pull.number,
      title: pull.title,
      body: pull.body,
      state: pull.state,
      draft: pull.draft,
      merged: pull.merged,
      html_url: `https://github.com/${this.repo}/pull/${pull.number}`,
      head: { ...example.head, ref: pull.head, sha: pull.headSha },
      base: { ...example.base, ref: pull.base, sha: this.refs.get(`heads/${pull.base}`) },
    });
  }

  private handle(request: ContractRequest) {
    const { params } = request;
    if ((params.owner !== undefined || params.repo !== undefined) && (params.owner !== this.owner || params.repo !== this.name)) return this.notFound();
    // Request bodies were validated against GitHub's schema already; read them as loose JSON.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const body = (request.body ?? {}) as Record<string, any>;
    switch (request.operationId) {
      case 'git/get-ref': {
        const sha = this.refs.get(params.ref as string);
        return sha ? this.example(request, { ref: `refs/${params.ref}`, object: { type: 'commit', sha, url: '' } }) : this.notFound();
      }
      case 'git/get-commit': {
        const commit = this.commits.get(params.commit_sha as string);
        return commit ? this.example(request, { sha: commit.sha, tree: { sha: commit.tree, url: '' }, message: commit.message }) : this.notFound();
      }
      case 'git/create-blob': {
        const content = body.encoding === 'base64' ? Buffer.from(body.content, 'base64').toString('utf8') : body.content;
        const sha = sha1(`blob ${content}`);
        this.blobs.set(sha, content);
        return this.example(request, { sha, url: '' });
      }
      case 'git/create-tree': {
        const base = body.base_tree ? this.trees.get(body.base_tree) : new Map<string, string>();
        if (!base) return { status: 422, body: { message: 'base_tree not found' } };
        const files = new Map(base);
        for (const entry of body.tree as Array<{ path: string; sha: string | null }>) {
          if (entry.sha === null) files.delete(entry.path);
          else {
            const content = this.blobs.get(entry.sha);
            if (content === undefined) return { status: 422, body: { message: `blob ${entry.sha} not found` } };
            files.set(entry.path, content);
          }
        }
        return this.example(request, { sha: this.storeTree(files), tree: [] });
      }
      case 'git/create-commit': {
        if (!this.trees.has(body.tree)) return { status: 422, body: { message: 'tree not found' } };
        return this.example(request, { sha: this.storeCommit(body.tree, body.parents ?? [], body.message) });
      }
      case 'git/create-ref': {
        const ref = String(body.ref).replace(/^refs\//, '');
        if (this.refs.has(ref)) return { status: 422, body: { message: 'Reference already exists' } };
        if (!this.commits.has(body.sha)) return { status: 422, body: { message: 'Object does not exist' } };
        this.refs.set(ref, body.sha);
        return this.example(request, { ref: body.ref, object: { type: 'commit', sha: body.sha, url: '' } });
      }
      case 'repos/get-content': {
        const ref = request.query.get('ref') ?? 'main';
        const content = this.filesAt(ref).get(params.path as string);
        if (content === undefined) return this.notFound();
        return this.example(request, { type: 'file', path: params.path, encoding: 'base64', content: Buffer.from(content).toString('base64') });
      }
      case 'pulls/create': {
        const headSha = this.refs.get(`heads/${body.head}`);
        if (!headSha || !this.refs.has(`heads/${body.base}`)) return { status: 422, body: { message: 'Validation Failed' } };
        const pull: FakePull = {
          number: this.pulls.length + 1,
          title: body.title,
          body: body.body ?? '',
          head: body.head,
          base: body.base,
          headSha,
          draft: Boolean(body.draft),
          labels: [],
          state: 'open',
          merged: false,
        };
        this.pulls.push(pull);
        return { ...this.pullBody(request, pull), status: 201 };
      }
      case 'pulls/get': {
        const pull = this.pulls[Number(params.pull_number) - 1];
        return pull ? this.pullBody(request, pull) : this.notFound();
      }
      case 'pulls/list-files': {
        const pull = this.pulls[Number(params.pull_number) - 1];
        if (!pull) return this.notFound();
        const before = this.filesAt(this.commits.get(pull.headSha)?.parents[0] as string);
        const after = this.filesAt(pull.headSha);
        const { body: example } = exampleResponse('pulls/list-files');
        const template = (example as object[])[0] as object;
        const files: object[] = [];
        for (const path of new Set([...before.keys(), ...after.keys()])) {
          const old = before.get(path);
          const now = after.get(path);
          if (old === now) continue;
          const { additions, deletions } = lineDiff(old ?? '', now ?? '');
          files.push({
            ...template,
            filename: path,
            status: old === undefined ? 'added' : now === undefined ? 'removed' : 'modified',
            additions,
            deletions,
            changes: additions + deletions,
          });
        }
        const page = Number(request.query.get('page') ?? '1');
        const perPage = Number(request.query.get('per_page') ?? '30');
        return { status: 200, body: files.slice((page - 1) * perPage, page * perPage) };
      }
      case 'pulls/merge': {
        const pull = this.pulls[Number(params.pull_number) - 1];
        if (!pull) return this.notFound();
        if (body.sha && body.sha !== pull.headSha) return { status: 409, body: { message: 'Head branch was modified. Review and try the merge again.' } };
        const baseSha = this.refs.get(`heads/${pull.base}`) as string;
        const merged = this.storeCommit(this.commits.get(pull.headSha)?.tree as string, [baseSha], body.commit_title ?? pull.title);
        this.refs.set(`heads/${pull.base}`, merged);
        Object.assign(pull, { merged: true, state: 'closed', mergedSha: merged });
        return this.example(request, { sha: merged, merged: true, message: 'Pull Request successfully merged' });
      }
      case 'pulls/request-reviewers': {
        const pull = this.pulls[Number(params.pull_number) - 1];
        if (!pull) return this.notFound();
        pull.reviewers = [...new Set([...(pull.reviewers ?? []), ...((body.reviewers as string[] | undefined) ?? [])])];
        return { ...this.pullBody(request, pull), status: 201 };
      }
      case 'pulls/update': {
        const pull = this.pulls[Number(params.pull_number) - 1];
        if (!pull) return this.notFound();
        if (body.state === 'closed' && !pull.merged) pull.state = 'closed';
        return this.pullBody(request, pull);
      }
      case 'repos/compare-commits-with-basehead': {
        const [from, to] = String(params.basehead).split('...') as [string, string];
        if (!this.commits.has(from) || !this.commits.has(to)) return this.notFound();
        const before = this.filesAt(from);
        const after = this.filesAt(to);
        const { body: example } = exampleResponse('repos/compare-commits-with-basehead');
        const template = ((example as { files?: object[] }).files ?? [{}])[0] as object;
        const files = [...new Set([...before.keys(), ...after.keys()])]
          .filter((path) => before.get(path) !== after.get(path))
          .map((path) => ({ ...template, filename: path, status: before.has(path) ? (after.has(path) ? 'modified' : 'removed') : 'added', previous_filename: undefined }));
        return this.example(request, { files, total_commits: 1 });
      }
      case 'checks/list-for-ref': {
        const runs = this.checkRuns.filter((r) => r.headSha === params.ref);
        const { body: example } = exampleResponse('checks/list-for-ref');
        const template = ((example as { check_runs: object[] }).check_runs[0] ?? {}) as object;
        return this.example(request, {
          total_count: runs.length,
          check_runs: runs.map((r) => ({ ...template, id: r.id, name: r.name, head_sha: r.headSha, status: r.status, conclusion: r.conclusion ?? null })),
        });
      }
      case 'issues/add-labels': {
        const pull = this.pulls[Number(params.issue_number) - 1];
        if (!pull) return this.notFound();
        pull.labels.push(...(body.labels as string[]));
        return { status: 200, body: pull.labels.map((name, i) => ({ ...((exampleResponse('issues/add-labels').body as object[])[0] as object), id: i + 1, name })) };
      }
      case 'issues/create-comment': {
        const id = this.comments.length + 1;
        this.comments.push({ id, issueNumber: Number(params.issue_number), body: body.body });
        return this.example(request, { id, body: body.body, html_url: `https://github.com/${this.repo}/issues/${params.issue_number}#issuecomment-${id}` });
      }
      case 'checks/create': {
        const run: FakeCheckRun = { id: this.checkRuns.length + 1, name: body.name, headSha: body.head_sha, status: body.status ?? 'queued', conclusion: body.conclusion, output: body.output };
        this.checkRuns.push(run);
        return this.example(request, { id: run.id, name: run.name, head_sha: run.headSha, status: run.status, conclusion: run.conclusion ?? null, html_url: `https://github.com/${this.repo}/runs/${run.id}` });
      }
      case 'checks/update': {
        const run = this.checkRuns[Number(params.check_run_id) - 1];
        if (!run) return this.notFound();
        Object.assign(run, { status: body.status ?? run.status, conclusion: body.conclusion ?? run.conclusion, output: body.output ?? run.output });
        return this.example(request, { id: run.id, status: run.status, conclusion: run.conclusion ?? null });
      }
      case 'repos/get-collaborator-permission-level': {
        const permission = this.permissions.get(params.username as string);
        if (!permission) return this.notFound();
        const legacy = permission === 'maintain' ? 'write' : permission === 'triage' ? 'read' : permission;
        return this.example(request, { permission: legacy, role_name: permission });
      }
      default:
        return undefined;
    }
  }
}
