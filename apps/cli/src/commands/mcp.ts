import { Command, Option } from 'commander';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMcpServer } from '@agentlane/server';
import { indexSettings, openContext } from '../context.js';

export function mcpCommand(): Command {
  return new Command('mcp')
    .description('serve the knowledge graph to coding agents as MCP tools over stdio')
    .addOption(new Option('--repo <dir>', 'repository root (where the index lives)').default('.'))
    .action(async (opts: { repo: string }) => {
      const ctx = await openContext(opts.repo);
      const server = createMcpServer({ sql: ctx.sql, repoRoot: ctx.repoRoot, index: indexSettings(ctx) });
      const transport = new StdioServerTransport();
      await server.connect(transport);
      // Serve until the client closes stdin.
      await new Promise<void>((resolve) => {
        transport.onclose = () => resolve();
        process.stdin.once('end', () => resolve());
      });
      await server.close();
      await ctx.close();
    });
}
