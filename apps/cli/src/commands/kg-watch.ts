import path from 'node:path';
import type { Stats } from 'node:fs';
import { coerceError } from '@agentlane/core';
import type { IndexSummary, PathRules } from '@agentlane/kg';

/**
 * `agentlane kg index --watch`: after the first run, re-index whenever a file
 * the index reads changes. Changes are collected until the tree has been quiet
 * for `debounceMs`; a run never overlaps another (changes during a run make the
 * next one). Which paths matter is the walker's decision (`pathRules`), so what
 * is watched and what is indexed cannot drift apart. One line per run (a JSON
 * object with --json). SIGINT/SIGTERM stop it after the run in progress.
 */
export interface WatchOptions {
  repoRoot: string;
  json: boolean;
  /** @defaultValue 300 */
  debounceMs?: number;
  rules: PathRules;
  /** One incremental run. */
  run: () => Promise<IndexSummary>;
}

export interface RunLine {
  event: 'indexed' | 'failed';
  at: string;
  /** Repo-relative paths whose change started the run (at most 20). */
  changed: string[];
  changedCount: number;
  summary?: Pick<IndexSummary, 'runId' | 'mode' | 'durationMs' | 'files' | 'objects' | 'relations'>;
  error?: { code: string; message: string };
}

const toPosix = (p: string) => p.split(path.sep).join('/');

function lineText(line: RunLine): string {
  const time = line.at.slice(11, 19);
  const what = `${line.changedCount} change(s)${line.changed.length > 0 ? ` (${line.changed.slice(0, 3).join(', ')}${line.changedCount > 3 ? ', …' : ''})` : ''}`;
  if (line.event === 'failed') return `${time} ${what}: index run failed [${line.error?.code}]: ${line.error?.message}`;
  const s = line.summary as NonNullable<RunLine['summary']>;
  return `${time} ${what}: ${s.files.parsed} parsed · ${s.files.deleted} deleted · ${s.files.dependents} re-resolved in ${(s.durationMs / 1000).toFixed(1)}s · ${s.objects} objects`;
}

export function printRunLine(line: RunLine, json: boolean): void {
  process.stdout.write(`${json ? JSON.stringify(line) : lineText(line)}\n`);
}

export function runLine(changed: readonly string[], outcome: { summary: IndexSummary } | { error: unknown }): RunLine {
  const base = { at: new Date().toISOString(), changed: changed.slice(0, 20), changedCount: changed.length };
  if ('error' in outcome) {
    const failure = coerceError(outcome.error);
    return { event: 'failed', ...base, error: { code: failure.code, message: failure.message } };
  }
  const { runId, mode, durationMs, files, objects, relations } = outcome.summary;
  return { event: 'indexed', ...base, summary: { runId, mode, durationMs, files, objects, relations } };
}

/** Watch until SIGINT/SIGTERM (or `stop`), re-indexing on changes. */
export async function watchRepository(options: WatchOptions, stop?: AbortSignal): Promise<void> {
  const { watch } = await import('chokidar');
  const root = options.repoRoot;
  const relative = (p: string) => toPosix(path.relative(root, p));
  const watcher = watch(root, {
    ignoreInitial: true,
    followSymlinks: false,
    // Without stats (not known yet), a path is skipped only if it is ignored both as a directory and as a file.
    ignored: (p: string, stats?: Stats) => {
      const rel = relative(p);
      if (rel === '' || rel.startsWith('..')) return false;
      if (stats) return options.rules.ignores(rel, stats.isDirectory());
      return options.rules.ignores(rel, true) && options.rules.ignores(rel, false);
    },
  });
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;

  const runNow = async (): Promise<void> => {
    const changed = [...pending].sort();
    pending.clear();
    let line: RunLine;
    try {
      line = runLine(changed, { summary: await options.run() });
    } catch (error) {
      line = runLine(changed, { error });
    }
    printRunLine(line, options.json);
  };
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (running) return; // the run in progress schedules the next one
      running = (async () => {
        while (pending.size > 0) await runNow();
      })().finally(() => (running = null));
    }, options.debounceMs ?? 300);
  };
  const onChange = (p: string) => {
    const rel = relative(p);
    if (path.posix.basename(rel) === '.gitignore') options.rules.forget();
    pending.add(rel);
    schedule();
  };
  for (const event of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const) watcher.on(event, onChange);
  watcher.on('error', (error) => process.stderr.write(`agentlane: watch error: ${(error as Error).message}\n`));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  if (!options.json) process.stderr.write(`Watching ${root} for changes (Ctrl-C to stop)\n`);
  else process.stdout.write(`${JSON.stringify({ event: 'watching', at: new Date().toISOString(), root })}\n`);

  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    stop?.addEventListener('abort', done, { once: true });
  });
  if (timer) clearTimeout(timer);
  await watcher.close();
  await running;
}
