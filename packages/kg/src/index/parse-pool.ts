import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { AgentlaneError } from '@agentlane/core';
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
}

export function createParsePool(threads: number, options: ParsePoolOptions = {}): ParsePool {
  const pool = new Piscina<ParseTask, ParseOutcome>({
    ...(options.maxHeapMb ? { resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb } } : {}),
    filename: workerFilename(),
    minThreads: threads,
    maxThreads: threads,
    // Parsing is CPU-bound; queueing beats oversubscribing the cores.
    concurrentTasksPerWorker: 1,
    // tree-sitter trees are native memory released by N-API finalizers, which run
    // only when the worker's event loop turns. Piscina's default Atomics wait never
    // yields to it, so trees pile up (≈1 GiB over Python's stdlib) and parsing slows.
    atomics: 'disabled',
    idleTimeout: 1_000,
  });
  return {
    async parse(task) {
      try {
        return await pool.run(task);
      } catch (error) {
        throw new AgentlaneError('KG_PARSE_WORKER_FAILED', `Parse worker failed on ${task.path}: ${(error as Error).message}`, {
          cause: error,
          details: { path: task.path },
        });
      }
    },
    close: () => pool.destroy(),
  };
}
