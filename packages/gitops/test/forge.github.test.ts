import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { GitHubForge } from '../src/index.js';
import { FakeGitHub } from '../../../test/support/github-fake.js';

const TOKEN = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';
const fast = { writeSpacingMs: 0, notificationSpacingMs: 0, retryAfterUnitMs: 5 };

describe('GitHub forge specifics', () => {
  let github: FakeGitHub;
  afterEach(async () => {
    expect(github.server.violations).toEqual([]);
    await github.close();
  });

  it('waits out a rate limit (retry-after) and tells the handler, then succeeds', async () => {
    github = await new FakeGitHub().start();
    const hits: Array<{ kind: string; retryAfterSeconds: number }> = [];
    const forge = await GitHubForge.create({ repo: github.repo, auth: { kind: 'token', token: TOKEN }, apiUrl: github.server.url, ...fast, onRateLimit: (e) => hits.push(e) });
    // GitHub's documented answers: a secondary limit (403, retry-after) and an exhausted quota (x-ratelimit-remaining: 0).
    github.failures.push({ status: 403, message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', headers: { 'retry-after': '2' } });
    expect(await forge.branchSha('main')).toMatch(/^[0-9a-f]{40}$/);
    const reset = String(Math.floor(Date.now() / 1000) + 1);
    github.failures.push({ status: 403, message: 'API rate limit exceeded', headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset } });
    expect(await forge.branchSha('main')).toMatch(/^[0-9a-f]{40}$/);
    expect(hits).toEqual([
      expect.objectContaining({ kind: 'secondary', retryAfterSeconds: 2, retryCount: 0 }),
      expect.objectContaining({ kind: 'primary', retryCount: 0 }),
    ]);
    // A limit that persists beyond the allowed retries is an error, not a hang.
    github.failures.push(...Array.from({ length: 5 }, () => ({ status: 403, message: 'You have exceeded a secondary rate limit.', headers: { 'retry-after': '1' } })));
    await expect(forge.branchSha('main')).rejects.toMatchObject({ code: 'FORGE_REQUEST_FAILED', details: { status: 403 } });
    github.failures.length = 0;
  });

  it('retries server errors, and when they persist fails with FORGE_REQUEST_FAILED and no token in the message', async () => {
    github = await new FakeGitHub().start();
    const forge = await GitHubForge.create({ repo: github.repo, auth: { kind: 'token', token: TOKEN }, apiUrl: github.server.url, ...fast });
    github.failures.push({ status: 502 });
    expect(await forge.branchSha('main')).toMatch(/^[0-9a-f]{40}$/);
    github.failures.push(...Array.from({ length: 10 }, () => ({ status: 500 })));
    const error = (await forge.branchSha('main').then(
      () => null,
      (e: unknown) => e,
    )) as Error & { code: string; details: Record<string, unknown> };
    expect(error).toMatchObject({ code: 'FORGE_REQUEST_FAILED', details: { action: 'get ref', status: 500 } });
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain(TOKEN);
    github.failures.length = 0;
  }, 30_000);

  it('authenticates as a GitHub App installation: a JWT for the token, then the installation token', async () => {
    github = await new FakeGitHub().start();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const forge = await GitHubForge.create({ repo: github.repo, auth: { kind: 'app', appId: 42, privateKey, installationId: 7 }, apiUrl: github.server.url, ...fast });
    await forge.branchSha('main');
    const [tokenRequest, refRequest] = github.server.requests;
    expect(tokenRequest?.operationId).toBe('apps/create-installation-access-token');
    expect(tokenRequest?.headers.authorization).toMatch(/^bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(refRequest?.operationId).toBe('git/get-ref');
    expect(refRequest?.headers.authorization).toMatch(/^token ghs_/);
  });

  it('maps a collaborator lookup 404 to "none" and keeps maintain/triage from role_name', async () => {
    github = await new FakeGitHub().start();
    const forge = await GitHubForge.create({ repo: github.repo, auth: { kind: 'token', token: TOKEN }, apiUrl: github.server.url, ...fast });
    github.permissions.set('m', 'maintain');
    github.permissions.set('t', 'triage');
    expect(await forge.permissionOf('m')).toBe('maintain');
    expect(await forge.permissionOf('t')).toBe('triage');
    expect(await forge.permissionOf('nobody')).toBe('none');
  });
});
