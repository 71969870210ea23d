import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SAMPLE_REPO, editFile, writeRepo } from '../../../test/support/repo.js';
import { runCli, startCli } from './support/cli.js';

interface Line {
  event: string;
  changed?: string[];
  summary?: { files: { parsed: number } };
}

/** The JSON lines a process has printed so far, and a way to wait for the next one that matches. */
function lines(child: ReturnType<typeof startCli>['child']) {
  const seen: Line[] = [];
  let buffer = '';
  const waiters: { test: (l: Line) => boolean; resolve: (l: Line) => void }[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = JSON.parse(buffer.slice(0, newline)) as Line;
      buffer = buffer.slice(newline + 1);
      seen.push(line);
      for (const waiter of waiters.splice(0)) {
        if (waiter.test(line)) waiter.resolve(line);
        else waiters.push(waiter);
      }
    }
  });
  return {
    seen,
    next: (test: (l: Line) => boolean) => new Promise<Line>((resolve) => waiters.push({ test, resolve })),
  };
}

describe('agentlane kg index --watch', () => {
  it('re-indexes a saved file (not an ignored one), the change is visible to a query, and Ctrl-C ends it cleanly', async () => {
    const root = writeRepo({ ...SAMPLE_REPO, '.gitignore': 'scratch/\n' });
    const watch = startCli(['kg', 'index', root, '--watch', '--json']);
    try {
      const out = lines(watch.child);
      const first = await out.next((l) => l.event === 'indexed' || l.event === 'failed');
      expect(first.event).toBe('indexed');
      await out.next((l) => l.event === 'watching');

      // Ignored by the walker's rules: vendored, gitignored, not source. Then a real edit.
      fs.mkdirSync(path.join(root, 'node_modules', 'dep'), { recursive: true });
      fs.writeFileSync(path.join(root, 'node_modules', 'dep', 'index.ts'), 'export const x = 1;\n');
      fs.mkdirSync(path.join(root, 'scratch'));
      fs.writeFileSync(path.join(root, 'scratch', 'tmp.py'), 'x = 1\n');
      fs.writeFileSync(path.join(root, 'notes.txt'), 'hello\n');
      const file = Object.keys(SAMPLE_REPO).find((p) => p.endsWith('.py')) as string;
      editFile(root, file, `${SAMPLE_REPO[file]}\n\ndef watched_marker() -> int:\n    return 2\n`);

      const second = await out.next((l) => l.event === 'indexed' && (l.changed ?? []).includes(file));
      expect(second.summary?.files.parsed).toBeGreaterThanOrEqual(1);
      const changed = out.seen.flatMap((l) => l.changed ?? []);
      expect(changed.filter((p) => p.startsWith('node_modules') || p.startsWith('scratch') || p === 'notes.txt')).toEqual([]);

      // The watcher holds the database; a query from the shell goes through it.
      const found = await runCli(['kg', 'search', 'watched_marker', '--repo', root, '--json']);
      expect(found.code, found.stderr).toBe(0);
      expect(JSON.parse(found.stdout).hits[0].name).toBe('watched_marker');

      watch.child.kill('SIGINT');
      const done = await watch.result;
      expect(done.code, done.stderr).toBe(0);
      expect(fs.existsSync(path.join(root, '.agentlane', 'db.lock'))).toBe(false);
    } finally {
      watch.child.kill('SIGKILL');
    }
  }, 240_000);
});
