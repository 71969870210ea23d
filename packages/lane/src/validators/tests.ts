/**
 * The lane's test command, run on exactly the tree a success would commit,
 * inside the same sandbox view as the agent and without network. A failure carries the end of the
 * output as its evidence (it is what the retry hands back to the agent).
 */
import type { RunResult } from '../sandbox/process.js';
import type { Sandbox, SandboxRunOptions } from '../sandbox/sandbox.js';
import { outputTail } from './evidence.js';
import type { Finding } from './types.js';

export interface TestRun {
  findings: Finding[];
  result: RunResult;
}

/** The sandbox settings the agent ran with (its view, marker, interruption), minus the network. */
export type TestRunOptions = Pick<SandboxRunOptions, 'readOnly' | 'masked' | 'markerScope' | 'signal'>;

export async function runTests(
  sandbox: Sandbox,
  test: { command: string[]; timeoutMs: number },
  worktree: string,
  env: NodeJS.ProcessEnv,
  options: TestRunOptions = {},
): Promise<TestRun> {
  const result = await sandbox.run(test.command, { ...options, worktree, env, network: false, timeoutMs: test.timeoutMs });
  const shown = test.command.join(' ');
  const output = outputTail(`${result.stdout}\n${result.stderr}`);
  const base = { validator: 'tests' as const, severity: 'stop' as const, pattern: shown, evidence: output };
  if (result.spawnError !== null) {
    return { result, findings: [{ ...base, rule: 'tests_not_started', message: `the test command \`${shown}\` could not start: ${result.spawnError}` }] };
  }
  if (result.timedOut) {
    return { result, findings: [{ ...base, rule: 'tests_timed_out', message: `the test command \`${shown}\` ran out of its ${test.timeoutMs / 1000} s and was killed` }] };
  }
  if (result.exitCode !== 0) {
    const how = result.exitCode === null ? `was killed by ${result.signal}` : `exited with ${result.exitCode}`;
    return { result, findings: [{ ...base, rule: 'tests_failed', message: `the test command \`${shown}\` ${how}` }] };
  }
  return { result, findings: [] };
}
