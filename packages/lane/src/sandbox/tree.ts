/**
 * Finding and killing every process a sandboxed command started, however it
 * left its process group. Three nets, each catching what the others miss:
 *
 * - the process group (plain children, `sleep &`);
 * - an environment marker (`AGENTLANE_SANDBOX=<scope>:<id>`) every process of the
 *   command inherits, even across `setsid` and double forks: any process whose
 *   `/proc/<pid>/environ` carries it is killed;
 * - the descendants seen while the command ran (parent links sampled from
 *   `/proc`), for a process that wiped its environment before the sample missed it.
 *
 * A process id is only killed while its start time is the one we saw, so a
 * recycled pid is never hit.
 */
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';

export const SANDBOX_MARKER_VARIABLE = 'AGENTLANE_SANDBOX';

interface ProcInfo {
  pid: number;
  ppid: number;
  /** Start time in clock ticks since boot (field 22 of /proc/<pid>/stat). */
  start: string;
  state: string;
}

function procStat(pid: number): ProcInfo | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(fields[1]), start: fields[19] as string, state: fields[0] as string };
  } catch {
    return null;
  }
}

function allPids(): number[] {
  try {
    return fs
      .readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number)
      .filter((pid) => pid !== process.pid);
  } catch {
    return [];
  }
}

function carries(pid: number, needle: Buffer): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/environ`).includes(needle);
  } catch {
    return false;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone, or not ours to signal.
  }
}

/** Processes whose environment carries `AGENTLANE_SANDBOX=<prefix>` (a whole marker, or a scope followed by `:`). */
export function markedProcesses(prefix: string): number[] {
  if (process.platform !== 'linux') return [];
  const needle = Buffer.from(`\0${SANDBOX_MARKER_VARIABLE}=${prefix}`);
  const first = Buffer.from(`${SANDBOX_MARKER_VARIABLE}=${prefix}`);
  return allPids().filter((pid) => {
    try {
      const environ = fs.readFileSync(`/proc/${pid}/environ`);
      return environ.includes(needle) || environ.subarray(0, first.length).equals(first);
    } catch {
      return false;
    }
  });
}

/** Kill every process carrying a marker of `scope` (what a killed lane left behind in worktree mode). */
export function killMarked(prefix: string, sig: NodeJS.Signals = 'SIGKILL'): number[] {
  const pids = markedProcesses(prefix);
  for (const pid of pids) signal(pid, sig);
  return pids;
}

/** One command's processes: its group, its marker, and every descendant seen. */
export class ProcessTree {
  private readonly seen = new Map<number, string>();
  private readonly needle: Buffer;

  constructor(
    private readonly root: number,
    readonly marker: string,
  ) {
    this.needle = Buffer.from(`${SANDBOX_MARKER_VARIABLE}=${marker}`);
    const info = procStat(root);
    if (info) this.seen.set(root, info.start);
  }

  /** Record the current descendants of the root (call periodically while it runs). */
  sample(): void {
    if (process.platform !== 'linux') return;
    const infos = allPids().map(procStat).filter((p): p is ProcInfo => p !== null);
    const children = new Map<number, ProcInfo[]>();
    for (const info of infos) children.set(info.ppid, [...(children.get(info.ppid) ?? []), info]);
    const stack = [...this.seen.keys()];
    while (stack.length > 0) {
      const pid = stack.pop() as number;
      for (const child of children.get(pid) ?? []) {
        if (this.seen.get(child.pid) === child.start) continue;
        this.seen.set(child.pid, child.start);
        stack.push(child.pid);
      }
    }
  }

  /** Signal everything: the group, every marked process, every descendant still the one we saw. */
  kill(sig: NodeJS.Signals): void {
    try {
      process.kill(-this.root, sig);
    } catch {
      // The group is gone (or never was one).
    }
    if (process.platform !== 'linux') return signal(this.root, sig);
    for (const pid of allPids()) if (carries(pid, this.needle)) signal(pid, sig);
    for (const [pid, start] of this.seen) if (procStat(pid)?.start === start) signal(pid, sig);
  }

  /** Pids still alive that belong to the command (marker or seen descendant). */
  alive(): number[] {
    const pids = new Set<number>();
    for (const pid of allPids()) if (carries(pid, this.needle)) pids.add(pid);
    for (const [pid, start] of this.seen) {
      const info = procStat(pid);
      if (info?.start === start && info.state !== 'Z') pids.add(pid);
    }
    return [...pids];
  }
}

/** The marker scope of one lane home: what a lane start sweeps (a short hash, so the path is not spelt in every environment). */
export function markerScopeFor(laneRoot: string): string {
  return `lane-${createHash('sha256').update(laneRoot).digest('hex').slice(0, 16)}`;
}

/**
 * The watchdog's program: wait until the lane process is gone (even `kill -9`),
 * then kill every process carrying the marker, a few rounds (a fork may be in
 * flight). It carries no marker itself and holds none of the command's pipes.
 */
const WATCHDOG_SCRIPT = `
const fs = require('fs');
const [lane, marker] = process.argv.slice(1);
const needle = Buffer.from('AGENTLANE_SANDBOX=' + marker + '\\0');
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
const sweep = () => {
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\\d+$/.test(name) || Number(name) === process.pid) continue;
    try { if (fs.readFileSync('/proc/' + name + '/environ').includes(needle)) process.kill(Number(name), 'SIGKILL'); } catch {}
  }
};
const timer = setInterval(() => {
  if (alive(Number(lane))) return;
  clearInterval(timer);
  let rounds = 0;
  const again = setInterval(() => { sweep(); if (++rounds >= 5) { clearInterval(again); process.exit(0); } }, 100);
  sweep();
}, 200);
`;

/**
 * A detached watchdog that kills the command's marked processes if the lane
 * process dies before it could (worktree mode: bwrap's --die-with-parent and its
 * PID namespace already do this under bwrap). `stop()` when the command is done.
 */
export function startWatchdog(marker: string): { stop(): void } {
  if (process.platform !== 'linux') return { stop: () => undefined };
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  const child = spawn(process.execPath, ['-e', WATCHDOG_SCRIPT, String(process.pid), marker], { detached: true, stdio: 'ignore', env });
  child.on('error', () => undefined);
  child.unref();
  return { stop: () => void child.kill('SIGKILL') };
}
