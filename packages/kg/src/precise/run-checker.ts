import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CheckedFile, CheckerJob, CheckerMessage, CheckerStats } from './checker-job.js';

/**
 * Worker threads need compiled JavaScript: from the built package this resolves
 * next to this file; when the sources run directly (vitest), it points at the
 * same module in `dist/` (see index/parse-pool.ts).
 */
function workerFilename(): string {
  if (import.meta.url.endsWith('.ts')) return fileURLToPath(new URL('../../dist/precise/checker-worker.js', import.meta.url));
  return fileURLToPath(new URL('./checker-worker.js', import.meta.url));
}

export interface CheckerRun {
  files: CheckedFile[];
  /** Null when the worker never reported (terminated or crashed before the end). */
  stats: CheckerStats | null;
  /** Why the worker did not finish on its own, when it did not. */
  failure: 'hard_timeout' | 'crashed' | null;
  failureDetail: string | null;
}

/**
 * Run the checker on a worker thread with a heap limit and a hard deadline: the
 * worker stops itself at `job.deadline`; one call that never returns (a
 * pathological type) is cut off at `hardStopAt` by terminating the thread.
 */
export function runChecker(job: CheckerJob, limits: { hardStopAt: number; maxHeapMb: number }): Promise<CheckerRun> {
  return new Promise((resolve) => {
    const files: CheckedFile[] = [];
    let stats: CheckerStats | null = null;
    let failure: CheckerRun['failure'] = null;
    let failureDetail: string | null = null;
    const worker = new Worker(workerFilename(), { workerData: job, resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb }, stdout: true, stderr: true });
    // Its output is the compiler's, never needed; drain it so the thread never blocks on a full pipe.
    worker.stdout.resume();
    worker.stderr.resume();
    const timer = setTimeout(
      () => {
        failure = 'hard_timeout';
        failureDetail = 'the checker overran its time budget inside one step and was terminated';
        void worker.terminate();
      },
      Math.max(0, limits.hardStopAt - Date.now()),
    );
    worker.on('message', (message: CheckerMessage) => {
      if (message.type === 'file') files.push(message.file);
      else stats = message.stats;
    });
    worker.on('error', (error) => {
      failure ??= 'crashed';
      failureDetail ??= error.message.slice(0, 500);
    });
    worker.on('exit', () => {
      clearTimeout(timer);
      resolve({ files, stats, failure: stats === null ? (failure ?? 'crashed') : null, failureDetail: stats === null ? failureDetail : null });
    });
  });
}
