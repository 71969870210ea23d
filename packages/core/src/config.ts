import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { AgentlaneError } from './errors.js';

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);

/**
 * Every environment variable agentlane reads, in one place. README "Configuration"
 * documents each one; a test keeps the two in sync.
 */
export const configSchema = z.object({
  /** PostgreSQL connection string. Unset: the embedded PGlite database under AGENTLANE_HOME. */
  DATABASE_URL: z.preprocess(emptyToUndefined, z.string().url().optional()),
  /** Where agentlane keeps local state (the PGlite database). Default: `<repo>/.agentlane`. */
  AGENTLANE_HOME: z.preprocess(emptyToUndefined, z.string().optional()),
  /** pino level. */
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  /** Files larger than this are skipped by the indexer (reason `too_large`). */
  KG_MAX_FILE_BYTES: z.preprocess(emptyToUndefined, z.coerce.number().int().positive().default(1024 * 1024)),
  /** Parse worker threads. Default: the number of CPUs. */
  KG_WORKERS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(64).optional()),
  /** Bearer token the HTTP API requires on /api routes. Unset: no token (bind to loopback). */
  AGENTLANE_API_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  /** Neo4j for `kg project neo4j` (bolt:// or neo4j://). Unset: graph queries run in Postgres only. */
  NEO4J_URI: z.preprocess(emptyToUndefined, z.string().regex(/^(bolt|neo4j)(\+s|\+ssc)?:\/\//, 'must be a bolt:// or neo4j:// URI').optional()),
  NEO4J_USERNAME: z.preprocess(emptyToUndefined, z.string().optional()),
  NEO4J_PASSWORD: z.preprocess(emptyToUndefined, z.string().optional()),
});

export type EnvConfig = z.infer<typeof configSchema>;

export interface Config {
  databaseUrl: string | undefined;
  /** Absolute; undefined means "under the repository being worked on". */
  home: string | undefined;
  logLevel: EnvConfig['LOG_LEVEL'];
  kg: { maxFileBytes: number; workers: number };
  neo4j: { uri: string; username: string | undefined; password: string | undefined } | undefined;
  apiToken: string | undefined;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new AgentlaneError('CONFIG_INVALID', `Invalid configuration: ${problems.join('; ')}`, {
      details: { problems },
    });
  }
  const value = parsed.data;
  return {
    databaseUrl: value.DATABASE_URL,
    home: value.AGENTLANE_HOME === undefined ? undefined : path.resolve(value.AGENTLANE_HOME),
    logLevel: value.LOG_LEVEL,
    kg: {
      maxFileBytes: value.KG_MAX_FILE_BYTES,
      workers: value.KG_WORKERS ?? Math.max(1, os.availableParallelism()),
    },
    apiToken: value.AGENTLANE_API_TOKEN,
    neo4j: value.NEO4J_URI ? { uri: value.NEO4J_URI, username: value.NEO4J_USERNAME, password: value.NEO4J_PASSWORD } : undefined,
  };
}

/** The state directory for a repository: AGENTLANE_HOME if set, else `<repo>/.agentlane`. */
export function homeFor(config: Config, repoRoot: string): string {
  return config.home ?? path.join(path.resolve(repoRoot), '.agentlane');
}
