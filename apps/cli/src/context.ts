import path from 'node:path';
import { createLogger, loadConfig, type Config, type Logger } from '@agentlane/core';
import { openStore, storeLocation, type Sql, type StoreLocation } from '@agentlane/store';
import { assertRepositoryDirectory, migrateKg } from '@agentlane/kg/query';
import type { KgDeps } from '@agentlane/kg';

export interface CommandContext {
  config: Config;
  logger: Logger;
  repoRoot: string;
  sql: Sql;
  location: StoreLocation;
  close(): Promise<void>;
}

/** Open the database for a repository (PGlite under it by default) and bring the schema up to date. */
export async function openContext(repoPath: string): Promise<CommandContext> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  const repoRoot = path.resolve(repoPath);
  // Before the store opens: the embedded database lives under the repository, and a typo must not create one.
  assertRepositoryDirectory(repoRoot);
  const options = { config, repoRoot };
  const sql = await openStore(options);
  try {
    await migrateKg(sql);
  } catch (error) {
    await sql.close();
    throw error;
  }
  return { config, logger, repoRoot, sql, location: storeLocation(options), close: () => sql.close() };
}

/** How on-demand index runs (`kg_index`, `POST /api/kg/index`) are configured: as `kg index` is, from the environment. */
export function indexSettings(ctx: CommandContext): KgDeps['index'] {
  return {
    maxFileBytes: ctx.config.kg.maxFileBytes,
    workers: ctx.config.kg.workers,
    precise: ctx.config.kg.precise,
    preciseLimits: { timeBudgetMs: ctx.config.kg.preciseBudgetMs },
    logger: ctx.logger,
  };
}
