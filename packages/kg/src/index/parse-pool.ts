import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { AgentlaneError } from '@agentlane/core';
import { fromParseMessage, type ParseMessage } from './parse-message.js';
import type { ParseOutcome, ParseTask } from './parse-worker.js';

/**
 * Worker threads need compiled JavaScript. From the built package this resolves
 * next to this file; when the sources run directly (vitest), it points at the
 * same module in `dist/`, which `npm test` builds first.
 */
function workerFilename(): string {
  const here = new URL('./parse-worker.js', import.meta.url);
  if (import.meta.url.endsWith('.ts')) {
    return fileURLToPath(new URL('../../dist/index/parse-worker.js', import.meta.url));
  }
  return fileURLToPath(here);
}

export interface ParsePool {
  parse(task: ParseTask): Promise<ParseOutcome>;
  close(): Promise<void>;
}

export interface ParsePoolOptions {
  /** V8 heap limit per worker, in MiB. A file that exhausts it fails alone; the worker is replaced. */
  maxHeapMb?: number;
  /**
   * Files handed to each worker at once (the one it parses and those queued behind it).
   * The main thread hands out work only when its event loop turns, so while it is busy
   * (PGlite runs on it) a worker with nothing queued sits idle. But a queued worker does
   * not turn its own event loop between files, so the N-API finalizers that free
   * tree-sitter trees wait: measured on Python's stdlib with PostgreSQL, 8 raised peak RSS
   * from 525 to 772 MiB and saved no time. @defaultValue 1
   */
  queueDepth?: number;
}

const DEFAULT_QUEUE_DEPTH = 1;

function piscina(threads: number, options: ParsePoolOptions, depth: number): Piscina<ParseTask, ParseMessage> {
  return new Piscina<ParseTask, ParseMessage>({
    ...(options.maxHeapMb ? { resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb } } : {}),
    filename: workerFilename(),
    minThreads: threads,
    maxThreads: threads,
    // Tasks run one at a time on a worker (parsing is synchronous); the others wait in its queue.
    concurrentTasksPerWorker: depth,
    // tree-sitter trees are native memory released by N-API finalizers, which run
    // only when the worker's event loop turns. Piscina's default Atomics wait never
    // yields to it, so trees pile up (≈1 GiB over Python's stdlib) and parsing slows.
    atomics: 'disabled',
    idleTimeout: 1_000,
  });
}

export function createParsePool(threads: number, options: ParsePoolOptions = {}): ParsePool {
  const depth = Math.max(1, options.queueDepth ?? DEFAULT_QUEUE_DEPTH);
  const pool = piscina(threads, options, depth);
  // A worker that dies (out of memory, a native crash) fails every file queued on it. With a
  // queue, each is tried once more on a worker of its own that parses one file at a time:
  // the file that killed the worker fails again, alone; the others lose only their place.
  let isolated: Piscina<ParseTask, ParseMessage> | null = null;
  const failed = (task: ParseTask, error: unknown) =>
    new AgentlaneError('KG_PARSE_WORKER_FAILED', `Parse worker failed on ${task.path}: ${(error as Error).message}`, {
      cause: error,
      details: { path: task.path },
    });
  return {
    async parse(task) {
      try {
        return fromParseMessage(await pool.run(task));
      } catch (error) {
        // Alone on its worker, the file that failed is the one that killed it.
        if (depth === 1) throw failed(task, error);
        isolated ??= piscina(1, options, 1);
        try {
          return fromParseMessage(await isolated.run(task));
        } catch (error) {
          throw failed(task, error);
        }
      }
    },
    async close() {
      await Promise.all([pool.destroy(), isolated?.destroy()]);
    },
  };
}
