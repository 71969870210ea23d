import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLock } from '@agentlane/store';
import { editFile, SAMPLE_REPO, writeRepo } from '../../../test/support/repo.js';
import { runCli, startCli } from './support/cli.js';

/** Until the lock file of the repository's embedded database names the socket its owner serves. */
async function servedSocket(root: string, timeoutMs = 60_000): Promise<string> {
  const lockPath = path.join(root, '.agentlane', 'db.lock');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const socket = readLock(lockPath)?.socket;
    if (socket) return socket;
    if (Date.now() > deadline) throw new Error(`no socket in ${lockPath}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('agentlane serve and kg commands on one embedded database', () => {
  it('indexes, searches and re-indexes from the shell while serve holds the database', async () => {
    const root = writeRepo(SAMPLE_REPO);
    const serve = startCli(['serve', '--repo', root, '--port', '0']);
    try {
      const socket = await servedSocket(root);
      // A write, through the server's database.
      const index = await runCli(['kg', 'index', root, '--json']);
      expect(index.code, index.stderr).toBe(0);
      expect(JSON.parse(index.stdout).files.parsed).toBeGreaterThan(0);

      // Reads and a write at once.
      const file = Object.keys(SAMPLE_REPO).find((p) => p.endsWith('.py')) as string;
      editFile(root, file, `${SAMPLE_REPO[file]}\n\ndef shared_socket_marker() -> int:\n    return 1\n`);
      const [a, b, write] = await Promise.all([
        runCli(['kg', 'stats', root, '--json']),
        runCli(['kg', 'search', 'main', '--repo', root, '--json']),
        runCli(['kg', 'index', root, '--json']),
      ]);
      for (const run of [a, b, write]) expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(write.stdout).files.parsed).toBeGreaterThanOrEqual(1);
      const found = await runCli(['kg', 'search', 'shared_socket_marker', '--repo', root, '--json']);
      expect(found.code, found.stderr).toBe(0);
      expect(JSON.parse(found.stdout).hits[0].name).toBe('shared_socket_marker');
      // The server is still the owner.
      expect(readLock(path.join(root, '.agentlane', 'db.lock'))?.pid).toBe(serve.child.pid);
      serve.child.kill('SIGINT');
      const stopped = await serve.result;
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(fs.existsSync(socket)).toBe(false);
      expect(fs.existsSync(path.join(root, '.agentlane', 'db.lock'))).toBe(false);
    } finally {
      serve.child.kill('SIGKILL');
    }
  }, 240_000);
});
