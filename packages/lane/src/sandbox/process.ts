/**
 * Run one command (argv, no shell), feed it stdin, keep the tail of its output,
 * and kill its whole process tree (group, environment marker, descendants seen:
 * see tree.ts) when it exits, when its time runs out or when the lane is
 * interrupted. The result never waits on a pipe a left-behind daemon holds: once
 * the main process exited (or was killed) the lane waits at most a short grace
 * for the pipes, then stops reading.
 */
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { OUTPUT_TAIL_BYTES } from '../defaults.js';
import { ProcessTree, SANDBOX_MARKER_VARIABLE, startWatchdog } from './tree.js';

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  stdin?: string;
  /** Called once the process exists (its pid is recorded, so a crash can be cleaned up). */
  onSpawn?: (pid: number) => void;
  /** Grace between SIGTERM and SIGKILL. @defaultValue 2000 ms */
  killGraceMs?: number;
  /** Aborting kills the process tree at once (the lane is being interrupted). */
  signal?: AbortSignal;
  /**
   * Scope of the environment marker (`AGENTLANE_SANDBOX=<scope>:<id>`): a later
   * lane start kills whatever still carries it. @defaultValue 'agentlane'
   */
  markerScope?: string;
  /**
   * Start a watchdog that kills the command's processes if the lane process dies
   * first (kill -9): for commands not under bwrap's --die-with-parent. @defaultValue false
   */
  watchdog?: boolean;
}
export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  durationMs: number;
  stdout: string;
  stderr: string;
  /** The program could not be started at all (ENOENT, EACCES). */
  spawnError: string | null;
}

/** Keeps the last `limit` bytes of a stream. */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 1) {
      this.size -= (this.chunks.shift() as Buffer).length;
      this.truncated = true;
    }
  }

  text(): string {
    let buffer = Buffer.concat(this.chunks);
    if (buffer.length > this.limit) {
      buffer = buffer.subarray(buffer.length - this.limit);
      this.truncated = true;
    }
    const text = buffer.toString('utf8');
    return this.truncated ? `…${text}` : text;
  }
}

/** How often the command's descendants are sampled while it runs. */
const SAMPLE_EVERY_MS = 200;
/** After the main process is gone, how long its pipes may stay open before the lane stops reading. */
const PIPE_GRACE_MS = 1000;

export function runCommand(argv: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const [program, ...args] = argv as [string, ...string[]];
  const marker = `${options.markerScope ?? 'agentlane'}:${randomUUID()}`;
  const killGraceMs = options.killGraceMs ?? 2000;
  return new Promise((resolve) => {
    const stdout = new Tail(OUTPUT_TAIL_BYTES);
    const stderr = new Tail(OUTPUT_TAIL_BYTES);
    let timedOut = false;
    let aborted = false;
    let settled = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    const timers = new Set<NodeJS.Timeout>();
    const later = (ms: number, fn: () => void) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        fn();
      }, ms);
      timers.add(timer);
    };
    const watchdog = options.watchdog ? startWatchdog(marker) : null;
    const child = spawn(program, args, {
      cwd: options.cwd,
      // A HOME of its own: without one, shells fall back to the host user's home and read its rc files
      // (bash does even when non-interactive, its stdin being a socket), which is neither isolated nor safe.
      env: { ...options.env, HOME: options.env.HOME ?? options.cwd, [SANDBOX_MARKER_VARIABLE]: marker },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const tree = child.pid === undefined ? null : new ProcessTree(child.pid, marker);
    const sampler = tree ? setInterval(() => tree.sample(), SAMPLE_EVERY_MS) : undefined;
    const finish = (spawnError: string | null) => {
      if (settled) return;
      settled = true;
      for (const timer of timers) clearTimeout(timer);
      clearInterval(sampler);
      options.signal?.removeEventListener('abort', onAbort);
      // Whatever the command left running goes with it, always.
      tree?.kill('SIGKILL');
      watchdog?.stop();
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({
        exitCode: exit?.code ?? null,
        signal: exit?.signal ?? null,
        timedOut,
        aborted,
        durationMs: Math.round(performance.now() - started),
        stdout: stdout.text(),
        stderr: stderr.text(),
        spawnError,
      });
    };
    // From here on the result comes within `ms`, whoever holds the pipes.
    const stopReadingAfter = (ms: number) => later(ms, () => finish(null));
    later(options.timeoutMs, () => {
      if (exit) return;
      timedOut = true;
      tree?.sample();
      tree?.kill('SIGTERM');
      later(killGraceMs, () => tree?.kill('SIGKILL'));
      stopReadingAfter(killGraceMs + PIPE_GRACE_MS);
    });
    const onAbort = () => {
      aborted = true;
      tree?.sample();
      tree?.kill('SIGKILL');
      stopReadingAfter(PIPE_GRACE_MS);
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdout.on('error', () => undefined);
    child.stderr.on('error', () => undefined);
    child.on('error', (error) => finish(error.message));
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // A background process the command left behind would hold its pipes open: it goes now.
      tree?.sample();
      tree?.kill('SIGKILL');
      stopReadingAfter(PIPE_GRACE_MS);
    });
    child.on('close', () => finish(null));
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    // An agent that does not read stdin must not fail the run with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
}
