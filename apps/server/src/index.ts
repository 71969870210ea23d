export { createServer, type ServerOptions } from './server.js';
export { createMcpServer, type McpOptions } from './mcp.js';
export { registerGitHubWebhooks, type GitHubWebhookOptions } from './webhooks.js';
export { registerEngineRoutes, type EngineRouteOptions } from './engine-routes.js';
export { boundBeyondLoopback, boundUrl, isLoopbackHost } from './bind.js';
export { PUBLIC_ROUTE, bearerToken, tokensMatch } from './auth.js';
export { sendError, toHttpError, type ErrorBody } from './reply.js';
