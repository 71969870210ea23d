import { Command, CommanderError } from 'commander';
import { AgentlaneError, EXIT_CODES, coerceError } from '@agentlane/core';
import { demoCommand } from './commands/demo.js';
import { engineCommand } from './commands/engine.js';
import { askCommand, gateCommand, policyCommand, prliteCommand } from './commands/gitops.js';
import { kgCommand } from './commands/kg.js';
import { laneCommand } from './commands/lane.js';
import { mcpCommand } from './commands/mcp.js';
import { serveCommand } from './commands/serve.js';
import { workerCommand } from './commands/worker.js';

export function buildProgram(): Command {
  const program = new Command('agentlane')
    .description('Let AI agents change real codebases safely: knowledge graph, workflows, sandboxed lanes, GitOps.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.addCommand(demoCommand());
  program.addCommand(kgCommand());
  program.addCommand(laneCommand());
  program.addCommand(engineCommand());
  program.addCommand(workerCommand());
  program.addCommand(askCommand());
  program.addCommand(policyCommand());
  program.addCommand(prliteCommand());
  program.addCommand(gateCommand());
  program.addCommand(serveCommand());
  program.addCommand(mcpCommand());
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

function wantsJson(argv: readonly string[]): boolean {
  return argv.includes('--json');
}

export async function run(argv: readonly string[] = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync(argv as string[]);
    return EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here too, successfully.
      if (error.exitCode === 0) return EXIT_CODES.ok;
      return EXIT_CODES.usage;
    }
    const failure = error instanceof AgentlaneError ? error : coerceError(error);
    if (wantsJson(argv)) process.stdout.write(`${JSON.stringify({ error: failure.toJSON() }, null, 2)}\n`);
    process.stderr.write(`agentlane: error [${failure.code}]: ${failure.message}\n`);
    if (failure.code === 'INTERNAL' && failure.cause instanceof Error && process.env.LOG_LEVEL === 'debug') {
      process.stderr.write(`${failure.cause.stack ?? ''}\n`);
    }
    return failure.exitCode;
  }
}
