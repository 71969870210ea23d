import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { Socket } from 'node:net';
import { redactSecrets } from '@agentlane/core';
import type { Json } from '../workflow/condition.js';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../workflow/depth.js';
import { PROCESS_TAG_ENV, SUPERVISOR_SOURCE } from './supervisor.js';
import { TaskError, type Agent, type AgentContext } from './types.js';

/**
 * The built-in `exec` agent: runs the task's `command` (an argv array: no shell, so
 * nothing in the input can become a command) in the job's staging directory, writes the
 * task input as JSON to stdin and reads the output as JSON from stdout. A non-zero exit
 * fails the attempt with the end of stderr recorded. On abort (timeout, cancellation, lost
 * lease) the whole process group gets SIGTERM, then SIGKILL after a grace period.
 *
 * The command runs under a supervisor (`supervisor.ts`) holding a lifeline to this
 * process: when the worker dies, by SIGKILL included, the command and every process it
 * started are killed, so an attempt never outlives its worker and never runs beside the
 * attempt that re-claims its task. Processes the command leaves behind when it exits are
 * killed too.
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
  // Marks every process of this attempt, so the supervisor finds the ones that left its group.
  env[PROCESS_TAG_ENV] = randomUUID();
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
        // The supervisor (a `node -e` program) starts the command in its own process group
        // and kills all of it when fd 3, the lifeline, closes: on abort, or when this
        // process dies, however it dies.
        const child = spawn(process.execPath, ['-e', SUPERVISOR_SOURCE, '--', String(settings.killGraceMs), file, ...args], {
          cwd: context.stagingDir,
          env: childEnv(context),
          stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
          detached: true,
        });
        const lifeline = child.stdio[3] as Socket;
        let spawnError: string | undefined;
        let lifelineText = '';
        lifeline.on('data', (chunk: Buffer) => {
          lifelineText += chunk.toString('utf8');
          const line = lifelineText.split('\n')[0];
          try {
            const message = JSON.parse(line ?? '') as { spawnError?: string };
            if (message.spawnError) spawnError = message.spawnError;
          } catch {
            // partial line: wait for the rest
          }
        });
        lifeline.on('error', () => undefined);
        const stdout: Buffer[] = [];
        let stdoutBytes = 0;
        let stderr = '';
        let overflow = false;
        let killTimer: NodeJS.Timeout | undefined;
        const running = () => child.pid !== undefined && child.exitCode === null && child.signalCode === null;
        /** Everything, now: the supervisor kills the attempt's processes when its lifeline closes. */
        const killAll = () => {
          if (!running()) return;
          lifeline.destroy();
        };
        const onAbort = () => {
          if (!running()) return;
          lifeline.write('T');
          // The supervisor escalates to SIGKILL after the grace period; should it not be
          // able to, close the lifeline, then kill its group from here.
          killTimer = setTimeout(() => {
            killAll();
            if (running()) {
              try {
                process.kill(-(child.pid as number), 'SIGKILL');
              } catch {
                child.kill('SIGKILL');
              }
            }
          }, settings.killGraceMs + 2000);
        };
        if (context.signal.aborted) onAbort();
        else context.signal.addEventListener('abort', onAbort, { once: true });

        child.stdout.on('data', (chunk: Buffer) => {
          stdoutBytes += chunk.length;
          if (stdoutBytes > settings.maxStdoutBytes) {
            if (!overflow) {
              overflow = true;
              killAll();
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
          lifeline.destroy();
          const stderrTail = tail(stderr, settings.stderrTailBytes);
          if (spawnError !== undefined) {
            reject(new TaskError('exec_spawn_failed', `cannot run ${file}: ${spawnError}`, { command: file }));
            return;
          }
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
          let output: Json;
          try {
            output = JSON.parse(text) as Json;
          } catch {
            reject(new TaskError('exec_output_invalid', `${file} did not print JSON on stdout`, { stdout: tail(text, 512), stderr: stderrTail }));
            return;
          }
          if (exceedsJsonDepth(output, MAX_JSON_DEPTH)) {
            reject(new TaskError('exec_output_invalid', `${file} printed JSON nested deeper than ${MAX_JSON_DEPTH} levels`, { stderr: stderrTail }));
            return;
          }
          resolve({ output });
        });
      });
    },
  };
}
