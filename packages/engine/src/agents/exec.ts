import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { redactSecrets } from '@agentlane/core';
import type { Json } from '../workflow/condition.js';
import { TaskError, type Agent, type AgentContext } from './types.js';

/**
 * The built-in `exec` agent: runs the task's `command` (an argv array: no shell, so
 * nothing in the input can become a command) in the job's staging directory, writes the
 * task input as JSON to stdin and reads the output as JSON from stdout. A non-zero exit
 * fails the attempt with the end of stderr recorded. On abort (timeout, cancellation, lost
 * lease) the whole process group gets SIGTERM, then SIGKILL after a grace period.
 *
 * The child does not inherit the worker's environment (which holds DATABASE_URL and other
 * secrets): only PATH, HOME, LANG, TMPDIR and the AGENTLANE_* facts about the task.
 * `{workflow_dir}` and `{staging_dir}` in an argument are replaced by those directories.
 */
export interface ExecAgentOptions {
  /** @defaultValue 16 MiB */
  maxStdoutBytes?: number;
  /** Kept from the end of stderr. @defaultValue 4096 */
  stderrTailBytes?: number;
  /** Between SIGTERM and SIGKILL. @defaultValue 1000 */
  killGraceMs?: number;
}

const DEFAULTS = { maxStdoutBytes: 16 * 1024 * 1024, stderrTailBytes: 4096, killGraceMs: 1000 } satisfies Required<ExecAgentOptions>;

const PASSED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ', 'SYSTEMROOT'];

function childEnv(context: AgentContext): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of PASSED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
  env.AGENTLANE_JOB_ID = context.jobId;
  env.AGENTLANE_TASK_KEY = context.task.key;
  env.AGENTLANE_TASK_ATTEMPT = String(context.attempt);
  env.AGENTLANE_STAGING_DIR = context.stagingDir;
  if (context.workflowDir) env.AGENTLANE_WORKFLOW_DIR = context.workflowDir;
  return env;
}

function substitute(arg: string, context: AgentContext): string {
  return arg.replaceAll('{staging_dir}', context.stagingDir).replaceAll('{workflow_dir}', context.workflowDir ?? context.stagingDir);
}

function tail(text: string, bytes: number): string {
  const trimmed = text.trim();
  return redactSecrets(trimmed.length > bytes ? `…${trimmed.slice(-bytes)}` : trimmed);
}

export function execAgent(options: ExecAgentOptions = {}): Agent {
  const settings = { ...DEFAULTS, ...options };
  return {
    name: 'exec',
    validate(task) {
      return task.command ? [] : ['the exec agent needs `command` (an argv array)'];
    },
    run(context) {
      const argv = (context.task.command ?? []).map((arg) => substitute(arg, context));
      const [file, ...args] = argv;
      if (!file) return Promise.reject(new TaskError('exec_invalid', 'no command'));
      fs.mkdirSync(context.stagingDir, { recursive: true });
      return new Promise((resolve, reject) => {
        const child = spawn(file, args, {
          cwd: context.stagingDir,
          env: childEnv(context),
          stdio: ['pipe', 'pipe', 'pipe'],
          // Own process group: an abort stops the command and everything it started.
          detached: true,
        });
        const stdout: Buffer[] = [];
        let stdoutBytes = 0;
        let stderr = '';
        let overflow = false;
        let killTimer: NodeJS.Timeout | undefined;
        const killGroup = (signal: NodeJS.Signals) => {
          if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
          try {
            process.kill(-child.pid, signal);
          } catch {
            child.kill(signal);
          }
        };
        const onAbort = () => {
          killGroup('SIGTERM');
          killTimer = setTimeout(() => killGroup('SIGKILL'), settings.killGraceMs);
        };
        if (context.signal.aborted) onAbort();
        else context.signal.addEventListener('abort', onAbort, { once: true });

        child.stdout.on('data', (chunk: Buffer) => {
          stdoutBytes += chunk.length;
          if (stdoutBytes > settings.maxStdoutBytes) {
            if (!overflow) {
              overflow = true;
              killGroup('SIGKILL');
            }
            return;
          }
          stdout.push(chunk);
        });
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString('utf8');
          if (stderr.length > settings.stderrTailBytes * 4) stderr = stderr.slice(-settings.stderrTailBytes * 2);
        });
        // A command that exits without reading its input closes the pipe early: not an error.
        child.stdin.on('error', () => undefined);
        child.stdin.end(JSON.stringify(context.input));

        child.on('error', (error) => {
          context.signal.removeEventListener('abort', onAbort);
          reject(new TaskError('exec_spawn_failed', `cannot run ${file}: ${error.message}`, { command: file }));
        });
        child.on('close', (code, signal) => {
          if (killTimer) clearTimeout(killTimer);
          context.signal.removeEventListener('abort', onAbort);
          const stderrTail = tail(stderr, settings.stderrTailBytes);
          if (context.signal.aborted) {
            const reason = context.signal.reason as { code?: string; message?: string } | undefined;
            reject(new TaskError(reason?.code ?? 'aborted', `${file} was stopped: ${reason?.message ?? 'aborted'}`, { stderr: stderrTail }));
            return;
          }
          if (overflow) {
            reject(new TaskError('exec_output_too_large', `${file} wrote more than ${settings.maxStdoutBytes} bytes to stdout`, { stderr: stderrTail }));
            return;
          }
          if (code !== 0) {
            const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
            reject(new TaskError('exec_failed', `${file} ${how}${stderrTail ? `: ${stderrTail.split('\n').slice(-1)[0]}` : ''}`, { exitCode: code, signal, stderr: stderrTail }));
            return;
          }
          const text = Buffer.concat(stdout).toString('utf8').trim();
          if (text === '') {
            resolve({ output: null });
            return;
          }
          try {
            resolve({ output: JSON.parse(text) as Json });
          } catch {
            reject(new TaskError('exec_output_invalid', `${file} did not print JSON on stdout`, { stdout: tail(text, 512), stderr: stderrTail }));
          }
        });
      });
    },
  };
}
