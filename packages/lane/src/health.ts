/**
 * Before a run: every agent command must answer its probe (`--version` by
 * default, or the lane file's `probe`). A dead or changed agent CLI is found
 * before the night starts, not by every microtask failing.
 */
import { PROBE_TIMEOUT_MS } from './defaults.js';
import type { AgentSpec } from './lane-file.js';
import { runCommand } from './sandbox/process.js';
import { outputTail } from './validators/evidence.js';

export interface ProbeResult {
  command: string;
  ok: boolean;
  detail: string;
}

export async function probeAgents(agents: readonly AgentSpec[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = PROBE_TIMEOUT_MS): Promise<ProbeResult[]> {
  const seen = new Map<string, string[]>();
  for (const agent of agents) seen.set(JSON.stringify(agent.probe), agent.probe);
  const results: ProbeResult[] = [];
  for (const probe of seen.values()) {
    const result = await runCommand(probe, { cwd, env, timeoutMs });
    const command = probe.join(' ');
    if (result.spawnError !== null) results.push({ command, ok: false, detail: `could not start: ${result.spawnError}` });
    else if (result.timedOut) results.push({ command, ok: false, detail: `no answer within ${timeoutMs / 1000} s` });
    else if (result.exitCode !== 0) results.push({ command, ok: false, detail: `exited with ${result.exitCode ?? result.signal}: ${outputTail(result.stderr || result.stdout, 3, 300)}` });
    else results.push({ command, ok: true, detail: outputTail(result.stdout || result.stderr, 1, 120) });
  }
  return results;
}
