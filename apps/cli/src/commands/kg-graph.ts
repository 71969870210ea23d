import type { Command } from 'commander';
import { AgentlaneError } from '@agentlane/core';
import { assertIndexed, describeStatement, openNeo4jRunner, projectToNeo4j, type CypherRunner } from '@agentlane/kg/query';
import { openKgContext } from './kg-context.js';
import { intOption, repoOption } from '../options.js';
import { fmt, printJson } from '../output.js';

/** `agentlane kg project neo4j`: the graph into another store. */

export function addProjectCommand(kg: Command): void {
  const project = kg.command('project').description('project the graph into another store');
  project
    .command('neo4j')
    .description('write the graph to Neo4j (NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD), incrementally')
    .addOption(repoOption())
    .option('--dry-run', 'print the Cypher instead of running it', false)
    .option('--batch-size <n>', 'rows per UNWIND batch', intOption(1, 100_000), 1000)
    .option('--json', 'print the result as JSON', false)
    .action(async (opts: { repo: string; dryRun: boolean; batchSize: number; json: boolean }) => {
      const ctx = await openKgContext(opts.repo);
      const neo = ctx.config.neo4j;
      if (!neo && !opts.dryRun) {
        await ctx.close();
        throw new AgentlaneError('CONFIG_INVALID', 'NEO4J_URI is not set (use --dry-run to print the Cypher without Neo4j)');
      }
      const live = neo ? await openNeo4jRunner({ uri: neo.uri, username: neo.username, password: neo.password }).catch(async (error: unknown) => {
        await ctx.close();
        throw error;
      }) : null;
      try {
        await assertIndexed(ctx.sql);
        const printed: string[] = [];
        const runner: CypherRunner = {
          read: (statement) => (live ? live.read(statement) : Promise.resolve([])),
          write: async (statements) => {
            if (opts.dryRun) printed.push(...statements.map(describeStatement));
            else await live?.write(statements);
          },
        };
        const result = await projectToNeo4j(ctx.sql, runner, { batchSize: opts.batchSize });
        if (opts.json) printJson({ ...result, dryRun: opts.dryRun, cypher: opts.dryRun ? printed : undefined });
        else {
          if (opts.dryRun) process.stdout.write(`${printed.join('\n')}\n`);
          process.stdout.write(
            `${opts.dryRun ? 'Would project' : 'Projected'} ${fmt(result.nodes)} nodes and ${fmt(result.edges)} relationships from ${fmt(result.changedFiles.length)} changed file(s); removed ${fmt(result.deletedFiles.length)} deleted file(s)\n`,
          );
        }
      } finally {
        await live?.close();
        await ctx.close();
      }
    });
}
