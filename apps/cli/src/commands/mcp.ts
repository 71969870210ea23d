import { Command, Option } from 'commander';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { assertRepositoryDirectory } from '@agentlane/kg';
import { createMcpServer } from '@agentlane/server';
import { indexSettings, openContext } from '../context.js';
import { MCP_CLIENTS, mcpRegistration, type McpClient } from './mcp-config.js';

export function mcpCommand(): Command {
  return new Command('mcp')
    .description('serve the knowledge graph to coding agents as MCP tools over stdio')
    .addOption(new Option('--repo <dir>', 'repository root (where the index lives)').default('.'))
    .addOption(new Option('--config <client>', 'print the JSON that registers this server with an MCP client, then exit').choices(MCP_CLIENTS))
    .action(async (opts: { repo: string; config?: McpClient }) => {
      if (opts.config) {
        assertRepositoryDirectory(opts.repo);
        const { file, snippet } = mcpRegistration(opts.config, opts.repo);
        process.stderr.write(`# merge into ${file}\n`);
        process.stdout.write(`${JSON.stringify(snippet, null, 2)}\n`);
        return;
      }
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
