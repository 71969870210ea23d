import type { ParsePool } from './parse-pool.js';
import type { ParseOutcome, ParseTask } from './parse-worker.js';
import { parseTaskOf } from './parse-task.js';
import { ModuleMap } from '../resolve/module-map.js';
import { walkRepository } from './walk.js';
import { canonicalRoot } from './repository.js';

/**
 * Parsing started before the database is ready. Opening the embedded database
 * and migrating it takes seconds of main-thread work during which the parse
 * workers would sit idle; a caller that knows the run will parse (nearly)
 * everything — a first index, `--full` — walks and queues every file first,
 * then opens the database, and hands this to `indexRepository`.
 *
 * Nothing here touches the database. The run takes an outcome only for a task
 * identical to the one it would queue itself (same path, size, mtime, module
 * name, limits); anything else is parsed again, so a file that changed in
 * between, or a run that turns out incremental, stays exactly right: at worst
 * the early work is wasted.
 */
export interface ParsePrefetch {
  /** The pool the files were queued on: the run must use the same one. */
  readonly pool: ParsePool;
  /** The outcome parsed ahead for exactly this task, once; undefined when there is none. */
  take(task: ParseTask): Promise<ParseOutcome> | undefined;
  /** Forget every outcome not taken (they hold the files' rows). */
  discard(): void;
}

export interface PrefetchOptions {
  pool: ParsePool;
  /** The same limit the run will use. @defaultValue 1 MiB */
  maxFileBytes?: number;
}

const sameTask = (a: ParseTask, b: ParseTask) =>
  a.path === b.path &&
  a.absolutePath === b.absolutePath &&
  a.language === b.language &&
  a.moduleName === b.moduleName &&
  a.size === b.size &&
  a.mtimeMs === b.mtimeMs &&
  a.root === b.root &&
  a.maxBytes === b.maxBytes;

export function prefetchParse(repoRoot: string, options: PrefetchOptions): ParsePrefetch {
  const maxBytes = options.maxFileBytes ?? 1024 * 1024;
  const walk = walkRepository(canonicalRoot(repoRoot), { maxFileBytes: maxBytes });
  const map = new ModuleMap({ ...walk, files: walk.files });
  const queued = new Map<string, { task: ParseTask; outcome: Promise<ParseOutcome> }>();
  for (const f of walk.files) {
    const task = parseTaskOf(f, map, walk.root, maxBytes);
    const outcome = options.pool.parse(task);
    // Observed by the run when taken; a failure is then handled there like any other.
    outcome.catch(() => undefined);
    queued.set(f.path, { task, outcome });
  }
  return {
    pool: options.pool,
    take(task) {
      const entry = queued.get(task.path);
      if (!entry) return undefined;
      queued.delete(task.path);
      return sameTask(entry.task, task) ? entry.outcome : undefined;
    },
    discard() {
      queued.clear();
    },
  };
}
