import fs from 'node:fs';
import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import type { IndexProgress } from '@agentlane/kg';

export const fmt = (n: number) => n.toLocaleString('en-US');

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Write a report as pretty JSON at `file` (relative to `root`), making its directory; returns the absolute path. */
export function writeJsonReport(root: string, file: string, value: unknown): string {
  const out = path.resolve(root, file);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(value, null, 2)}\n`);
  return out;
}

export function table(rows: readonly (readonly string[])[], alignRight: ReadonlySet<number> = new Set()): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) => row.map((cell, i) => (alignRight.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd())
    .join('\n');
}

/** A progress bar on an interactive terminal; nothing at all in CI or when piped. */
export function progressReporter(enabled: boolean): { update(p: IndexProgress): void; stop(): void } {
  const interactive = enabled && process.stderr.isTTY === true && !process.env.CI;
  if (!interactive) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    { format: ' {phase} [{bar}] {value}/{total} files', stream: process.stderr, hideCursor: true, clearOnComplete: true },
    Presets.shades_classic,
  );
  let started = false;
  let phase = '';
  return {
    update(p) {
      if (p.phase !== 'parse' && p.phase !== 'resolve') return;
      if (!started) {
        bar.start(p.total, p.done, { phase: p.phase.padEnd(7) });
        started = true;
      }
      if (p.phase !== phase) {
        phase = p.phase;
        bar.setTotal(p.total);
      }
      bar.update(p.done, { phase: p.phase.padEnd(7) });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
