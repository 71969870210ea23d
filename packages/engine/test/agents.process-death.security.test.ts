import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './support/engine.js';

const WORKER = fileURLToPath(new URL('./support/exec-worker.mjs', import.meta.url));

/** Live processes whose environment names this job (every process of its attempts has AGENTLANE_JOB_ID). */
function processesOfJob(jobId: string): number[] {
  const needle = Buffer.from(`AGENTLANE_JOB_ID=${jobId}\0`);
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      if (/\) [ZX] /.test(stat)) continue;
      if (fs.readFileSync(`/proc/${name}/environ`).includes(needle)) found.push(Number(name));
    } catch {
      // gone, or not ours
    }
  }
  return found;
}

async function until<T>(fn: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = fn();
    if (value !== undefined || Date.now() > end) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Start the worker, wait until its task runs `script` and wrote `pids` in the staging dir; then kill -9 the worker. */
async function killWorkerMidTask(script: string): Promise<{ jobId: string; survivors: number[]; pids: number[] }> {
  const staging = tempDir('death');
  const child = spawn(process.execPath, [WORKER, JSON.stringify(['sh', '-c', script]), staging], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const jobId = await until(() => /ready (\S+)/.exec(out)?.[1], 90_000);
  if (!jobId) {
    child.kill('SIGKILL');
    throw new Error(`the worker did not start its task: ${out}`);
  }
  const pidFile = path.join(staging, jobId, 'pids');
  const pids = await until(() => {
    const text = fs.existsSync(pidFile) ? fs.readFileSync(pidFile, 'utf8') : '';
    return text.includes('done') ? text.split(/\s+/).filter((p) => /^\d+$/.test(p)).map(Number) : undefined;
  }, 30_000);
  expect(pids, 'the task wrote its pids').toBeDefined();
  expect(processesOfJob(jobId).length).toBeGreaterThan(0);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  const survivors = (await until(() => {
    const alive = processesOfJob(jobId);
    return alive.length === 0 ? alive : undefined;
  }, 5000)) ?? processesOfJob(jobId);
  for (const pid of survivors) process.kill(pid, 'SIGKILL');
  return { jobId, survivors, pids: pids ?? [] };
}

describe('security: engine', () => {
  it('kill -9 of a worker kills its running agent and the agent\'s children (no attempt outlives its worker)', async () => {
    const { survivors, pids } = await killWorkerMidTask('sleep 300 & echo $! >> pids; sh -c "sleep 301" & echo $! >> pids; echo $$ done >> pids; wait');
    expect(pids.length).toBe(3);
    expect(survivors).toEqual([]);
  }, 150_000);

  it('kill -9 of a worker also kills a grandchild that left the process group with setsid', async () => {
    const { survivors } = await killWorkerMidTask('setsid sleep 302 & echo $! >> pids; echo $$ done >> pids; wait');
    expect(survivors).toEqual([]);
  }, 150_000);
});
