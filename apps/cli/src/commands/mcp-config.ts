import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The MCP clients whose registration snippet `agentlane mcp --config <client>` prints. */
export const MCP_CLIENTS = ['claude', 'cursor', 'vscode'] as const;
export type McpClient = (typeof MCP_CLIENTS)[number];

export interface McpRegistration {
  /** Where the client reads it from. */
  file: string;
  /** The JSON to merge into that file. */
  snippet: Record<string, unknown>;
}

/** The installed command's script: absolute, so the client needs neither PATH nor npx. */
const CLI_SCRIPT = fileURLToPath(new URL('../../bin/agentlane.js', import.meta.url));

/**
 * The snippet that registers `agentlane mcp` for one repository with a client. The server
 * runs as `node <cli> mcp --repo <root>`: the same node that runs this command, so a
 * client started from a desktop (with a different PATH) still finds it.
 */
export function mcpRegistration(client: McpClient, repoRoot: string): McpRegistration {
  const server = { command: process.execPath, args: [CLI_SCRIPT, 'mcp', '--repo', path.resolve(repoRoot)] };
  switch (client) {
    case 'claude':
      return { file: '.mcp.json in the repository (Claude Code), or claude_desktop_config.json (Claude Desktop)', snippet: { mcpServers: { agentlane: server } } };
    case 'cursor':
      return { file: '.cursor/mcp.json in the repository, or ~/.cursor/mcp.json', snippet: { mcpServers: { agentlane: server } } };
    case 'vscode':
      return { file: '.vscode/mcp.json in the repository', snippet: { servers: { agentlane: { type: 'stdio', ...server } } } };
  }
}
