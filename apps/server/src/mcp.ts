import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { KG_OPERATIONS, createKgService, toolName, type KgDeps, type KgOperation } from '@agentlane/kg';

/**
 * The KG as Model Context Protocol tools, so coding agents can query it directly
 * (`agentlane mcp` serves it over stdio). One tool per operation of the contract
 * (`kg_search`, `kg_show`, `kg_refs`, `kg_outline`, `kg_impact`, `kg_context`,
 * `kg_stats`, `kg_index`), its input schema the operation's. Each answer is compact
 * text (JSON with `format: "json"`) within `maxTokens`, ending with the index's
 * freshness; a failure is a tool error `CODE: message`, not a crash.
 */
export interface McpOptions {
  sql: KgDeps['sql'];
  repoRoot: string;
  /** Settings of `kg_index` runs. */
  index?: KgDeps['index'];
  version?: string;
}

type ToolResult = { content: { type: 'text'; text: string }[]; isError?: boolean };

export function createMcpServer(options: McpOptions): McpServer {
  const server = new McpServer({ name: 'agentlane-kg', version: options.version ?? '0.1.0' });
  const service = createKgService({ sql: options.sql, repoRoot: options.repoRoot, ...(options.index ? { index: options.index } : {}) });
  for (const operation of Object.values(KG_OPERATIONS) as KgOperation[]) {
    server.registerTool(
      toolName(operation.name),
      {
        description: `${operation.summary}. ${operation.description}`,
        inputSchema: operation.input.shape,
        annotations: { readOnlyHint: !operation.mutates, idempotentHint: true, openWorldHint: false },
      },
      async (args: Record<string, unknown>): Promise<ToolResult> => {
        try {
          const answer = await service.answer(operation.name, args);
          return { content: [{ type: 'text', text: answer.body }] };
        } catch (error) {
          const answer = await service.errorAnswer(error, args);
          return { isError: true, content: [{ type: 'text', text: answer.body }] };
        }
      },
    );
  }
  return server;
}
