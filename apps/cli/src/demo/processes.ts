import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentlaneError, configSchema } from '@agentlane/core';

/** The `agentlane` entry point next to this module (the checkout's build, or the installed package). */
export const AGENTLANE_CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../main.js');

/**
 * A child's environment: the parent's, minus every agentlane setting (so a developer's
 * DATABASE_URL or AGENTLANE_FORGE=github never leaks into the demo), plus `env`. The
 * PGlite template cache settings are kept: they only make new databases faster.
 */
export function childEnv(env: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const keep = new Set(['AGENTLANE_PGLITE_TEMPLATE', 'AGENTLANE_PGLITE_TEMPLATE_DIR']);
  const cleared = Object.fromEntries(Object.keys(configSchema.shape).filter((k) => !keep.has(k)).map((k) => [k, '']));
  return { ...process.env, ...cleared, ...env };
}

/** Run `agentlane ...args` to its end (argv, never a shell); its stdout, or an error with its stderr. */
export function runAgentlane(args: readonly string[], env: Readonly<Record<string, string>>, cli = AGENTLANE_CLI): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new AgentlaneError('CLI_USAGE', `agentlane ${args[0] ?? ''} exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' ')}`));
    });
  });
}

export interface ServeProcess {
  child: ChildProcess;
  /** Where it listens, as its banner says. */
  url: string;
  /** What it has written to stderr so far (its banner and logs). */
  stderr(): string;
  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** Start `agentlane serve --repo <repo> --port 0` and wait for its banner. */
export async function startServe(repo: string, env: Readonly<Record<string, string>>, { cli = AGENTLANE_CLI, timeoutMs = 120_000 } = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [cli, 'serve', '--repo', repo, '--port', '0'], { env: childEnv(env), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (graceMs = 20_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => finish(new AgentlaneError('CLI_USAGE', `agentlane serve did not start within ${timeoutMs} ms: ${stderr.trim().slice(-500)}`)), timeoutMs);
    const onData = () => {
      const match = /agentlane API on (http:\/\/[^\s;]+)/.exec(stderr);
      if (match) finish(null, match[1]);
    };
    const onExit = (code: number | null) => finish(new AgentlaneError('CLI_USAGE', `agentlane serve exited with ${code} before listening: ${stderr.trim().slice(-500)}`));
    function finish(error: Error | null, value?: string) {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(value as string);
    }
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { child, url, stderr: () => stderr, stop };
}
