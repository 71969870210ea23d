// A worker process for the process-death tests: an engine with one inline worker on an
// in-memory PGlite, running one exec task whose command is argv[2] (JSON). It prints
// `ready <jobId>` once the task has started, then waits to be killed.
import { openPglite } from '@agentlane/store';
import { createEngine, migrateEngine, parseWorkflow } from '../../dist/index.js';

const command = JSON.parse(process.argv[2]);
const stagingRoot = process.argv[3];
const sql = await openPglite();
await migrateEngine(sql);
const engine = createEngine({ sql, workers: 1, stagingRoot, pollIntervalMs: 20 });
const jobId = await engine.submit(parseWorkflow({ tasks: [{ key: 'long', role: 'r', agent: 'exec', command, max_attempts: 1 }] }));
void engine.wait(jobId, {
  onEvent: (event) => {
    if (event.type === 'taskStarted') process.stdout.write(`ready ${jobId}\n`);
  },
});
// Stay alive until killed (the test kills this process with SIGKILL).
globalThis.setInterval(() => undefined, 60_000);
