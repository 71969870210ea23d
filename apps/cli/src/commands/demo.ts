import { Command } from 'commander';
import { AgentlaneError } from '@agentlane/core';
import { runDemo } from '../demo/run.js';
import { printJson } from '../output.js';

/** `agentlane demo`: the whole loop on a sample repository, offline, through `agentlane serve` as a child process. */
export function demoCommand(): Command {
  return new Command('demo')
    .description('create a sample repo, run `agentlane kg index` and `agentlane serve` on it as child processes (local forge, replay LLM), post a signed /ask over HTTP and follow it until the PR is merged')
    .option('--dir <dir>', 'where to create the sample repositories (default: a new temp directory)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { dir?: string; json?: boolean }) => {
      const result = await runDemo({
        ...(opts.dir ? { dir: opts.dir } : {}),
        onStep: opts.json ? undefined : (s) => process.stdout.write(`✔ ${s.step.padEnd(18)} ${s.detail}${s.record ? `\n  ${''.padEnd(18)} ↳ ${s.record}` : ''}\n`),
      });
      if (opts.json) printJson(result);
      if (!result.mergedSha) throw new AgentlaneError('POLICY_DENIED', `The demo's change was not merged (ask ${result.status}); see the steps above`);
      if (!opts.json) process.stdout.write(`\nDone: ${result.prUrl} merged. Everything is under ${result.dir}\n`);
    });
}
