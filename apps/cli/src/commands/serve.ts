import { Command, InvalidArgumentError, Option } from 'commander';
import { migrateEngine } from '@agentlane/engine';
import { createAskService, type AskService } from '@agentlane/gitops';
import { createServer } from '@agentlane/server';
import { openContext } from '../context.js';

export function serveCommand(): Command {
  return new Command('serve')
    .description('serve the KG HTTP API, engine progress, and POST /webhooks/github when GITHUB_WEBHOOK_SECRET is set (see README); stops on SIGINT/SIGTERM')
    .addOption(new Option('--repo <dir>', 'repository root (where the index lives)').default('.'))
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--port <port>', 'TCP port', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('expected a port number');
      return n;
    }, 3100)
    .action(async (opts: { repo: string; host: string; port: number }) => {
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
        token: ctx.config.apiToken,
        logger: ctx.logger,
        ...(service && secret ? { webhooks: { secret, onIssueComment: (id: string, payload: unknown) => service.intake(id, payload) } } : {}),
      });
      const address = await app.listen({ host: opts.host, port: opts.port });
      process.stderr.write(`agentlane API on ${address}${ctx.config.apiToken ? ' (bearer token required)' : ''}${secret ? `; GitHub webhooks at ${address}/webhooks/github (${ctx.config.gitops.forge} forge)` : ''}\n`);
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
