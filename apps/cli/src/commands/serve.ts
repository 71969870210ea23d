import { Command, InvalidArgumentError, Option } from 'commander';
import { AgentlaneError, loadConfig } from '@agentlane/core';
import { migrateEngine } from '@agentlane/engine';
import { createAskService, type AskService } from '@agentlane/gitops';
import { boundBeyondLoopback, boundUrl, createServer, isLoopbackHost } from '@agentlane/server';
import { indexSettings, openContext } from '../context.js';

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve the KG HTTP API, engine progress, and POST /webhooks/github when GITHUB_WEBHOOK_SECRET is set (see README); stops on SIGINT/SIGTERM')
    .addOption(new Option('--repo <dir>', 'repository root (where the index lives)').default('.'))
    .option('--host <host>', 'interface to bind; anything but loopback needs AGENTLANE_API_TOKEN (or --allow-no-token)', '127.0.0.1')
    .option('--allow-no-token', 'bind a non-loopback interface without AGENTLANE_API_TOKEN: every route but the webhook open to the network')
    .option('--port <port>', 'TCP port', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('expected a port number');
      return n;
    }, 3100)
    .action(async (opts: { repo: string; host: string; port: number; allowNoToken?: boolean }) => {
      // Deny by default: the API answers everyone who can reach it unless a token is set.
      // Checked before the database is opened.
      const token = loadConfig().apiToken;
      if (!token && !isLoopbackHost(opts.host) && !opts.allowNoToken) {
        throw new AgentlaneError('CLI_USAGE', `--host ${opts.host} is not loopback and AGENTLANE_API_TOKEN is not set: set a token (16+ characters), or pass --allow-no-token to serve the API unauthenticated`);
      }
      const ctx = await openContext(opts.repo);
      // The engine progress routes read engine_v2.
      await migrateEngine(ctx.sql).catch(async (error: unknown) => {
        await ctx.close();
        throw error;
      });
      // /ask over webhooks: only with a secret to verify deliveries against.
      const secret = ctx.config.gitops.webhookSecret;
      let asks: AskService | undefined;
      if (secret) asks = await createAskService({ sql: ctx.sql, config: ctx.config, repoRoot: ctx.repoRoot, logger: ctx.logger });
      const service = asks;
      const app = await createServer({
        sql: ctx.sql,
        repoRoot: ctx.repoRoot,
        index: indexSettings(ctx),
        token,
        logger: ctx.logger,
        ...(service && secret ? { webhooks: { secret, onIssueComment: (id: string, payload: unknown) => service.intake(id, payload), onCheckEvent: service.takeCheckEvent } } : {}),
      });
      await app.listen({ host: opts.host, port: opts.port });
      // The address really bound (fastify's return value names 127.0.0.1 for 0.0.0.0).
      const address = boundUrl(app);
      if (!token && boundBeyondLoopback(app)) {
        process.stderr.write(`agentlane: WARNING: listening on ${address} without AGENTLANE_API_TOKEN: anyone who can reach this address can read the API\n`);
      }
      if (secret && !ctx.config.gitops.github.repo) {
        process.stderr.write('agentlane: WARNING: GITHUB_WEBHOOK_SECRET is set but GITHUB_REPOSITORY is not: every /ask delivery will be refused (WEBHOOK_REPOSITORY_MISMATCH)\n');
      }
      process.stderr.write(`agentlane API on ${address}${token ? ' (bearer token required)' : ' (no token)'}${secret ? `; GitHub webhooks at ${address}/webhooks/github (${ctx.config.gitops.forge} forge)` : ''}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await app.close();
      await asks?.close();
      await ctx.close();
    });
}
