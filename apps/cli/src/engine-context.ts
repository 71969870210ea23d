import path from 'node:path';
import { createLogger, loadConfig, type Config, type Logger } from '@agentlane/core';
import { openStore, type Sql } from '@agentlane/store';
import { engineFromConfig, migrateEngine, type Engine } from '@agentlane/engine';

/** The database with the engine_v2 schema, for `agentlane engine …` and `agentlane worker`. */
export interface EngineContext {
  config: Config;
  logger: Logger;
  repoRoot: string;
  sql: Sql;
  close(): Promise<void>;
}

export async function openEngineContext(repoPath: string, options: { migrate?: boolean } = {}): Promise<EngineContext> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  const repoRoot = path.resolve(repoPath);
  const sql = await openStore({ config, repoRoot });
  try {
    if (options.migrate !== false) await migrateEngine(sql);
  } catch (error) {
    await sql.close();
    throw error;
  }
  return { config, logger, repoRoot, sql, close: () => sql.close() };
}

/** An engine per the configuration (see `engineFromConfig`). */
export function engineFor(ctx: EngineContext, options: { workers: number; roles?: string[]; forceInline?: boolean }): Promise<Engine> {
  return engineFromConfig(ctx.sql, ctx.config, { ...options, logger: ctx.logger });
}
