import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { checkSourceFile } from './call-sites.js';
import type { CheckerJob, CheckerMessage, StopReason } from './checker-job.js';
import { buildProgram } from './program.js';
import { Sandbox } from './sandbox-host.js';

/**
 * Worker-thread entry of the precise pass: builds the program, walks the job's
 * files and posts each file's sites as soon as it is done, so a worker
 * terminated at the hard deadline still leaves the files it finished.
 * Nothing here executes project code: the compiler only parses and type-checks.
 */

const job = workerData as CheckerJob;
const post = (message: CheckerMessage) => parentPort?.postMessage(message);

const sandbox = new Sandbox({ root: job.root, maxFileBytes: job.maxFileBytes, maxTotalBytes: job.maxTotalBytes });
const started = performance.now();
const built = buildProgram(
  sandbox,
  job.files.map((f) => path.join(job.root, f)),
);
const checker = built.program.getTypeChecker();
const programMs = Math.round(performance.now() - started);
const expired = () => Date.now() > job.deadline;

let stopReason: StopReason | null = null;
let unreadable = 0;
const checkStarted = performance.now();
for (const file of job.files) {
  if (expired()) {
    stopReason = 'time_budget';
    break;
  }
  const sf = built.program.getSourceFile(path.join(job.root, file));
  if (sf === undefined) {
    unreadable += 1;
    continue;
  }
  let sites: ReturnType<typeof checkSourceFile>;
  try {
    sites = checkSourceFile(sf, { program: built.program, checker, root: job.root, expired });
  } catch {
    // The checker overflowed its stack on this file (pathological nesting): the file keeps its tree-sitter edges.
    unreadable += 1;
    continue;
  }
  if (sites === null) {
    stopReason = 'time_budget';
    break;
  }
  post({ type: 'file', file: { path: file, sites } });
}
if (stopReason === null && sandbox.exhausted) stopReason = 'byte_budget';
post({
  type: 'done',
  stats: {
    config: built.config,
    configErrors: built.configErrors,
    programFiles: built.program.getSourceFiles().length,
    programMs,
    checkMs: Math.round(performance.now() - checkStarted),
    bytesRead: sandbox.bytesRead,
    refused: sandbox.refused,
    unreadable,
    stopReason,
  },
});
