import { Command, CommanderError } from 'commander';
import { AgentlaneError, EXIT_CODES, coerceError } from '@agentlane/core';

/**
 * The top-level commands, each loaded only when it runs: importing all of them
 * (the HTTP server, the engine, the MCP SDK, …) cost more than a `kg search`
 * itself. Help and an unknown command load them all.
 */
const COMMANDS: Record<string, () => Promise<Command[]>> = {
  demo: async () => [(await import('./commands/demo.js')).demoCommand()],
  kg: async () => [(await import('./commands/kg.js')).kgCommand()],
  lane: async () => [(await import('./commands/lane.js')).laneCommand()],
  engine: async () => [(await import('./commands/engine.js')).engineCommand()],
  worker: async () => [(await import('./commands/worker.js')).workerCommand()],
  ask: async () => [(await import('./commands/gitops.js')).askCommand()],
  policy: async () => [(await import('./commands/gitops.js')).policyCommand()],
  prlite: async () => [(await import('./commands/gitops.js')).prliteCommand()],
  gate: async () => [(await import('./commands/gitops.js')).gateCommand()],
  serve: async () => [(await import('./commands/serve.js')).serveCommand()],
  mcp: async () => [(await import('./commands/mcp.js')).mcpCommand()],
};

/** The command `argv` runs: its first word that is not an option (commander's own program options take no value). */
function commandOf(argv: readonly string[]): string | undefined {
  return argv.slice(2).find((arg) => !arg.startsWith('-'));
}

/** The program with every command, or (given argv) only the one it runs. */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command('agentlane')
    .description('Let AI agents change real codebases safely: knowledge graph, workflows, sandboxed lanes, GitOps.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  const wanted = argv === undefined ? undefined : commandOf(argv);
  const names = wanted !== undefined && wanted in COMMANDS ? [wanted] : Object.keys(COMMANDS);
  for (const name of names) for (const command of await (COMMANDS[name] as () => Promise<Command[]>)()) program.addCommand(command);
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
    await (await buildProgram(argv)).parseAsync(argv as string[]);
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
