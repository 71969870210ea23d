export { createServer, type ServerOptions } from './server.js';
export { createMcpServer, type McpOptions } from './mcp.js';
