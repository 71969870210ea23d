import { describe, expect, it } from 'vitest';
import { writeRepo } from '../../../test/support/repo.js';
import { runCli, startCli } from './support/cli.js';

const NO_TOKEN = { AGENTLANE_API_TOKEN: '', GITHUB_WEBHOOK_SECRET: '' };

/** Start `serve`, wait for its banner, stop it (SIGTERM to the child this test started). */
async function bannerOf(args: string[], env: Record<string, string>): Promise<string> {
  const { child, result } = startCli(['serve', ...args], { env });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 120_000;
  while (!stderr.includes('agentlane API on') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGTERM');
  await result;
  return stderr;
}

describe('agentlane serve: binding', { timeout: 300_000 }, () => {
  it('refuses a non-loopback host without AGENTLANE_API_TOKEN (exit 2, CLI_USAGE), before opening anything', async () => {
    const repo = writeRepo({ 'a.ts': 'export const a = 1;\n' });
    for (const host of ['0.0.0.0', '::', '192.168.0.10']) {
      const result = await runCli(['serve', '--repo', repo, '--host', host, '--port', '0'], { env: NO_TOKEN });
      expect({ host, code: result.code }).toEqual({ host, code: 2 });
      expect(result.stderr).toMatch(/CLI_USAGE.*AGENTLANE_API_TOKEN/);
    }
  });

  it('--allow-no-token on 0.0.0.0: a warning, and the banner names the address really bound', async () => {
    const repo = writeRepo({ 'a.ts': 'export const a = 1;\n' });
    const stderr = await bannerOf(['--repo', repo, '--host', '0.0.0.0', '--port', '0', '--allow-no-token'], NO_TOKEN);
    expect(stderr).toMatch(/WARNING: listening on http:\/\/0\.0\.0\.0:\d+ without AGENTLANE_API_TOKEN/);
    expect(stderr).toMatch(/agentlane API on http:\/\/0\.0\.0\.0:\d+ \(no token\)/);
    expect(stderr).not.toContain('127.0.0.1');
  });

  it('with a token on 0.0.0.0: no warning; on loopback without a token: no warning', async () => {
    const repo = writeRepo({ 'a.ts': 'export const a = 1;\n' });
    const withToken = await bannerOf(['--repo', repo, '--host', '0.0.0.0', '--port', '0'], { ...NO_TOKEN, AGENTLANE_API_TOKEN: 'serve-token-0123456789' });
    expect(withToken).toMatch(/agentlane API on http:\/\/0\.0\.0\.0:\d+ \(bearer token required\)/);
    expect(withToken).not.toContain('WARNING');
    const loopback = await bannerOf(['--repo', repo, '--port', '0'], NO_TOKEN);
    expect(loopback).toMatch(/agentlane API on http:\/\/127\.0\.0\.1:\d+/);
    expect(loopback).not.toContain('WARNING');
  });
});
