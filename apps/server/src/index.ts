export { createServer, type ServerOptions } from './server.js';
export { createMcpServer, type McpOptions } from './mcp.js';
export { registerGitHubWebhooks, type GitHubWebhookOptions } from './webhooks.js';
export { registerEngineRoutes, type EngineRouteOptions } from './engine-routes.js';
