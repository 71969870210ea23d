/**
 * The exec agent's supervisor: a small Node program between the worker and the agent
 * command, so that an agent and everything it started dies with its worker, even when the
 * worker dies by SIGKILL and no JavaScript cleanup runs there.
 *
 * The worker spawns it (`node -e SUPERVISOR_SOURCE -- graceMs file args…`) with the
 * agent's stdin/stdout/stderr pipes on fds 0–2 and a lifeline on fd 3. The supervisor starts
 * the command in a process group of its own, with the same pipes. Then:
 *
 * - the lifeline reaches end-of-file (the worker closed it, or the kernel did because the
 *   worker died, however it died): every process of the attempt is killed with SIGKILL at
 *   once and the supervisor exits;
 * - the worker writes `T` (an abort: timeout, cancellation, lost lease): SIGTERM to the
 *   command's group, SIGKILL to everything after `graceMs`;
 * - the command exits: whatever it left behind is killed, and the supervisor exits the way
 *   the command did (same code, or same signal).
 *
 * "Every process of the attempt" is found by a /proc scan, repeated until a pass finds
 * none (so a process forking during the kill is caught): the command's process group,
 * the supervisor's descendants, and any process whose environment carries this attempt's
 * `AGENTLANE_PROCESS_TAG` (which catches a grandchild that left the group with setsid and
 * was re-parented). A process that both leaves the group and scrubs its environment and
 * is re-parented escapes the scan; containing hostile code is the sandbox's job (lane),
 * not this one's. Off Linux (no /proc) only the process group is killed.
 *
 * The source is a string, run with `node -e`, so that it works from the TypeScript
 * sources (tests) and the built package alike, with no file to locate at runtime.
 */
export const PROCESS_TAG_ENV = 'AGENTLANE_PROCESS_TAG';

export const SUPERVISOR_SOURCE = String.raw`
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const [graceArg, file, ...args] = process.argv.slice(1);
const graceMs = Number(graceArg) || 1000;
const tag = process.env.${PROCESS_TAG_ENV} ? Buffer.from('${PROCESS_TAG_ENV}=' + process.env.${PROCESS_TAG_ENV} + '\0') : null;
const self = process.pid;
for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGPIPE']) process.on(s, () => undefined);

let agent;
try {
  agent = spawn(file, args, { stdio: 'inherit', detached: true });
} catch (error) {
  report({ spawnError: String(error && error.message || error) });
  process.exit(127);
}
const pgid = agent.pid;

function report(message) {
  try { fs.writeSync(3, JSON.stringify(message) + '\n'); } catch {}
}

function scan() {
  const procs = [];
  let names;
  try { names = fs.readdirSync('/proc'); } catch { return []; }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === self) continue;
    let stat;
    try { stat = fs.readFileSync('/proc/' + pid + '/stat', 'utf8'); } catch { continue; }
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] === 'Z' || rest[0] === 'X') continue;
    procs.push({ pid, ppid: Number(rest[1]), pgrp: Number(rest[2]) });
  }
  const hit = new Set();
  for (const p of procs) if (pgid !== undefined && p.pgrp === pgid) hit.add(p.pid);
  const tree = new Set([self]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of procs) if (!tree.has(p.pid) && tree.has(p.ppid)) { tree.add(p.pid); grew = true; }
  }
  tree.delete(self);
  for (const pid of tree) hit.add(pid);
  if (tag) {
    for (const p of procs) {
      if (hit.has(p.pid)) continue;
      try { if (fs.readFileSync('/proc/' + p.pid + '/environ').includes(tag)) hit.add(p.pid); } catch {}
    }
  }
  return [...hit];
}

function killAll() {
  if (pgid !== undefined) { try { process.kill(-pgid, 'SIGKILL'); } catch {} }
  for (let round = 0; round < 20; round++) {
    const pids = scan();
    if (pids.length === 0) break;
    for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch {} }
  }
}

let ending = false;
function finish(code, signal) {
  if (ending) return;
  ending = true;
  killAll();
  if (signal) {
    process.removeAllListeners(signal);
    try { process.kill(self, signal); } catch {}
  }
  process.exit(code === null || code === undefined ? 1 : code);
}

agent.on('error', (error) => {
  report({ spawnError: String(error && error.message || error) });
  finish(127, null);
});
agent.on('exit', (code, signal) => finish(code, signal));

const lifeline = new net.Socket({ fd: 3, readable: true, writable: true });
lifeline.on('data', (chunk) => {
  if (!chunk.includes('T')) return;
  if (pgid !== undefined) { try { process.kill(-pgid, 'SIGTERM'); } catch {} }
  setTimeout(() => finish(null, 'SIGKILL'), graceMs);
});
lifeline.on('end', () => finish(null, 'SIGKILL'));
lifeline.on('error', () => finish(null, 'SIGKILL'));
`;
