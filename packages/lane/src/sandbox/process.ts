/**
 * Run one command (argv, no shell) in its own process group, feed it stdin, keep
 * the tail of its output, and kill the whole group when its time runs out: a
 * shell script's `sleep` child dies with it.
 */
import { spawn } from 'node:child_process';
import { OUTPUT_TAIL_BYTES } from '../defaults.js';

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  stdin?: string;
  /** Called once the process exists (its pid is recorded, so a crash can be cleaned up). */
  onSpawn?: (pid: number) => void;
  /** Grace between SIGTERM and SIGKILL. @defaultValue 2000 ms */
  killGraceMs?: number;
  /** Aborting kills the process group at once (the lane is being interrupted). */
  signal?: AbortSignal;
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

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

export function runCommand(argv: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = performance.now();
  const [program, ...args] = argv as [string, ...string[]];
  return new Promise((resolve) => {
    const stdout = new Tail(OUTPUT_TAIL_BYTES);
    const stderr = new Tail(OUTPUT_TAIL_BYTES);
    let timedOut = false;
    let aborted = false;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const finish = (exitCode: number | null, signal: NodeJS.Signals | null, spawnError: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      // Whatever the command left running in its group goes with it.
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      resolve({
        exitCode,
        signal,
        timedOut,
        aborted,
        durationMs: Math.round(performance.now() - started),
        stdout: stdout.text(),
        stderr: stderr.text(),
        spawnError,
      });
    };
    const deadline = setTimeout(() => {
      timedOut = true;
      if (child.pid === undefined) return;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'), options.killGraceMs ?? 2000);
    }, options.timeoutMs);
    const onAbort = () => {
      aborted = true;
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    };
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) => finish(null, null, error.message));
    // A background process the command left behind would hold its pipes open: it goes when the command exits.
    child.on('exit', () => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'));
    child.on('close', (code, signal) => finish(code, signal, null));
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    // An agent that does not read stdin must not fail the run with EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
}
