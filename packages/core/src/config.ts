import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { AgentlaneError } from './errors.js';

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);

/** A code host's permission levels, highest first (GitHub's collaborator levels; the local forge uses the same). */
export const FORGE_PERMISSIONS = ['admin', 'maintain', 'write', 'triage', 'read', 'none'] as const;
export type ForgePermission = (typeof FORGE_PERMISSIONS)[number];

const LOGIN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * `login=permission` pairs, comma-separated (`alice=write,bob=read`), as a map. Logins
 * are kept as written (the local forge compares them case-insensitively, as GitHub
 * does); every malformed entry, unknown level and repeated login is reported.
 */
const localPermissions = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      const map: Record<string, ForgePermission> = {};
      if (value === undefined) return map;
      const seen = new Set<string>();
      for (const raw of value.split(',')) {
        const entry = raw.trim();
        if (entry === '') continue;
        const match = /^([^=\s]+)\s*=\s*([^=\s]+)$/.exec(entry);
        if (!match) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${JSON.stringify(entry)} is not login=permission` });
          continue;
        }
        const [, login, level] = match as unknown as [string, string, string];
        if (!LOGIN.test(login)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${JSON.stringify(login)} is not a login (letters, digits, . _ -)` });
        else if (!(FORGE_PERMISSIONS as readonly string[]).includes(level)) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${JSON.stringify(level)} (for ${login}) is not a permission: one of ${FORGE_PERMISSIONS.join(', ')}` });
        } else if (seen.has(login.toLowerCase())) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${login} is listed twice` });
        else {
          seen.add(login.toLowerCase());
          map[login] = level as ForgePermission;
        }
      }
      return map;
    }),
);

/** `true`/`false` (also `1`/`0`, `yes`/`no`, any case) as a boolean with a default. */
const envBoolean = (fallback: boolean) =>
  z.preprocess(
    (value) => (value === '' || value === undefined ? undefined : String(value).toLowerCase()),
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
      .optional()
      .transform((value) => (value === undefined ? fallback : value === 'true' || value === '1' || value === 'yes')),
  );

/**
 * Every environment variable agentlane reads, in one place. README "Configuration"
 * documents each one; a test keeps the two in sync.
 */
export const configSchema = z.object({
  /** PostgreSQL connection string. Unset: the embedded PGlite database under AGENTLANE_HOME. */
  DATABASE_URL: z.preprocess(emptyToUndefined, z.string().url().optional()),
  /** Where agentlane keeps local state (the PGlite database). Default: `<repo>/.agentlane`. */
  AGENTLANE_HOME: z.preprocess(emptyToUndefined, z.string().optional()),
  /** Where the empty PGlite cluster that new embedded databases are copied from lives. Default: `$XDG_CACHE_HOME/agentlane` or `~/.cache/agentlane`. */
  AGENTLANE_PGLITE_TEMPLATE_DIR: z.preprocess(emptyToUndefined, z.string().optional()),
  /** `0`: every new embedded database runs initdb instead of copying the template. */
  AGENTLANE_PGLITE_TEMPLATE: z.preprocess(emptyToUndefined, z.enum(['0', '1']).default('1')),
  /** pino level. */
  LOG_LEVEL: z.preprocess(
    emptyToUndefined,
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ),
  /** Files larger than this are skipped by the indexer (reason `too_large`). */
  KG_MAX_FILE_BYTES: z.preprocess(emptyToUndefined, z.coerce.number().int().positive().default(1024 * 1024)),
  /** Parse worker threads. Default: the number of CPUs. */
  KG_WORKERS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(64).optional()),
  /** `kg index` resolves TS/JS calls with the TypeScript checker too (as `--precise`). */
  KG_PRECISE: envBoolean(false),
  /** Wall-clock budget of the precise pass per run; past it, the rest keeps tree-sitter edges. */
  KG_PRECISE_BUDGET_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).default(120_000)),
  /** Bearer token the HTTP API requires on /api routes. Unset: no token (bind to loopback). */
  AGENTLANE_API_TOKEN: z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  /** Neo4j for `kg project neo4j` (bolt:// or neo4j://). Unset: graph queries run in Postgres only. */
  NEO4J_URI: z.preprocess(emptyToUndefined, z.string().regex(/^(bolt|neo4j)(\+s|\+ssc)?:\/\//, 'must be a bolt:// or neo4j:// URI').optional()),
  NEO4J_USERNAME: z.preprocess(emptyToUndefined, z.string().optional()),
  NEO4J_PASSWORD: z.preprocess(emptyToUndefined, z.string().optional()),
  /** Redis for the BullMQ transport (redis:// or rediss://). Unset: the inline executor. */
  REDIS_URL: z.preprocess(emptyToUndefined, z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').optional()),
  /** engine_v2 master switch (seed 001 §4): false routes every job to v1. */
  ENGINE_V2_ENABLED: envBoolean(false),
  /** What an enabled engine_v2 does for an allowed identity: nothing, shadow runs, or answering. */
  ENGINE_V2_MODE: z.preprocess(emptyToUndefined, z.enum(['off', 'shadow', 'live']).default('shadow')),
  /** Only identities in ENGINE_V2_ALLOWLIST get v2 (seed: anything but `false` keeps it on). */
  ENGINE_V2_ALLOWLIST_ONLY: envBoolean(true),
  /** Comma-separated verified user ids or e-mails. */
  ENGINE_V2_ALLOWLIST: z.preprocess(emptyToUndefined, z.string().optional()),
  /** Concurrent tasks per process (inline workers, or BullMQ concurrency per role). */
  ENGINE_V2_WORKERS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(256).default(3)),
  /** Task lease; a task whose worker stops heartbeating is re-claimed after it expires. */
  ENGINE_V2_LEASE_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1000).max(600_000).default(10_000)),
  /** Whole-job timeout (v2_timeout) when the workflow sets none. */
  ENGINE_V2_JOB_TIMEOUT_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1000).default(600_000)),
  /** Root of the per-job staging directories. Default: `<tmp>/agentlane-engine-v2-staging`. */
  ENGINE_V2_STAGING_DIR: z.preprocess(emptyToUndefined, z.string().optional()),
  /** Prefix of the BullMQ keys in Redis. */
  ENGINE_V2_QUEUE_PREFIX: z.preprocess(emptyToUndefined, z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ . -').default('agentlane')),
  /** Which LLM provider answers: recorded cassettes (the embedded default) or a real API. */
  LLM_PROVIDER: z.preprocess(emptyToUndefined, z.enum(['replay', 'anthropic', 'openai']).default('replay')),
  /** Model used when a request names none. Default: the provider's (see packages/llm). */
  LLM_MODEL: z.preprocess(emptyToUndefined, z.string().max(200).optional()),
  /** API base URL (any OpenAI-compatible endpoint, a proxy, a loopback test server). */
  LLM_BASE_URL: z.preprocess(emptyToUndefined, z.string().url().optional()),
  /** Replay cassettes directory. Default: `<AGENTLANE_HOME or repo/.agentlane>/cassettes`. */
  LLM_CASSETTE_DIR: z.preprocess(emptyToUndefined, z.string().optional()),
  /** Record: answer from cassettes, call LLM_PROVIDER on a miss and write the cassette. */
  LLM_RECORD: envBoolean(false),
  /** Per-attempt HTTP timeout of an LLM call. */
  LLM_TIMEOUT_MS: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1000).max(3_600_000).default(300_000)),
  /** Retries on 408/409/429/5xx and connection errors, with backoff honouring retry-after. */
  LLM_MAX_RETRIES: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(10).default(2)),
  /** Price overrides as JSON: {"<model>": {"input": USD per 1M tokens, "output": USD per 1M tokens}}. */
  LLM_PRICES: z.preprocess(
    (value) => {
      if (value === '' || value === undefined) return undefined;
      try {
        return JSON.parse(String(value));
      } catch {
        return value;
      }
    },
    z.record(z.object({ input: z.number().nonnegative(), output: z.number().nonnegative() }).strict(), {
      invalid_type_error: 'must be a JSON object {"<model>": {"input": n, "output": n}}',
    }).optional(),
  ),
  /** Anthropic API key (never logged, never written to cassettes). */
  ANTHROPIC_API_KEY: z.preprocess(emptyToUndefined, z.string().optional()),
  /** OpenAI (or OpenAI-compatible endpoint) API key (never logged, never written to cassettes). */
  OPENAI_API_KEY: z.preprocess(emptyToUndefined, z.string().optional()),
  /** Where agent changes go: `local` (a git repository + PR records in the database) or `github`. */
  AGENTLANE_FORGE: z.preprocess(emptyToUndefined, z.enum(['local', 'github']).default('local')),
  /** Local forge: the git repository pull requests are made against. Default: the repository being worked on. */
  AGENTLANE_FORGE_REPO: z.preprocess(emptyToUndefined, z.string().optional()),
  /** Local forge: who may do what, `login=permission,…` (`alice=write,bob=read`); anyone else has none. */
  AGENTLANE_LOCAL_PERMISSIONS: localPermissions,
  /** The branch agent pull requests target (and whose u_contract policy judges them). */
  AGENTLANE_BASE_BRANCH: z.preprocess(emptyToUndefined, z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,200}$/, 'must be a branch name').default('main')),
  /** GitHub forge: `owner/name` (GitHub Actions sets it). */
  GITHUB_REPOSITORY: z.preprocess(emptyToUndefined, z.string().regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, 'must be owner/name').optional()),
  /** GitHub token auth (never logged). */
  GITHUB_TOKEN: z.preprocess(emptyToUndefined, z.string().optional()),
  /** GitHub App auth: the app id, its PEM private key (or a path to it) and the installation id. */
  GITHUB_APP_ID: z.preprocess(emptyToUndefined, z.coerce.number().int().positive().optional()),
  GITHUB_APP_PRIVATE_KEY: z.preprocess(emptyToUndefined, z.string().optional()),
  GITHUB_APP_INSTALLATION_ID: z.preprocess(emptyToUndefined, z.coerce.number().int().positive().optional()),
  /** GitHub Enterprise Server API, e.g. `https://ghe.example.com/api/v3`. Default api.github.com. */
  GITHUB_API_URL: z.preprocess(emptyToUndefined, z.string().url().optional()),
  /** Secret of the GitHub webhook; `POST /webhooks/github` is refused (401) unless the signature matches. */
  GITHUB_WEBHOOK_SECRET: z.preprocess(emptyToUndefined, z.string().min(16, 'must be at least 16 characters').optional()),
  /** PR-Lite: quality checks that must have run (seed 004). */
  QUALITY_MIN_RAN: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).default(1)),
  /** PR-Lite: the newest health snapshot may be at most this many minutes old. */
  HEALTH_TTL_MIN: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).default(1440)),
  /** PR-Lite: ranked LLM routing candidates required. */
  ROUTING_REQUIRE_RANKED: z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).default(1)),
});

export type EnvConfig = z.infer<typeof configSchema>;

export interface Config {
  databaseUrl: string | undefined;
  /** Absolute; undefined means "under the repository being worked on". */
  home: string | undefined;
  /** New embedded databases start as a copy of a cached empty cluster (false: initdb each time). */
  pgliteTemplate: { enabled: boolean; dir: string | undefined };
  logLevel: EnvConfig['LOG_LEVEL'];
  kg: { maxFileBytes: number; workers: number; precise: boolean; preciseBudgetMs: number };
  neo4j: { uri: string; username: string | undefined; password: string | undefined } | undefined;
  apiToken: string | undefined;
  redisUrl: string | undefined;
  engine: {
    enabled: boolean;
    mode: 'off' | 'shadow' | 'live';
    allowlistOnly: boolean;
    allowlist: string[];
    workers: number;
    leaseMs: number;
    jobTimeoutMs: number;
    stagingDir: string;
    queuePrefix: string;
  };
  llm: {
    provider: 'replay' | 'anthropic' | 'openai';
    model: string | undefined;
    baseUrl: string | undefined;
    /** Absolute; undefined means "cassettes under the state directory". */
    cassetteDir: string | undefined;
    record: boolean;
    timeoutMs: number;
    maxRetries: number;
    prices: Record<string, { input: number; output: number }>;
    anthropicApiKey: string | undefined;
    openaiApiKey: string | undefined;
  };
  gitops: {
    forge: 'local' | 'github';
    /** Absolute; undefined means "the repository being worked on". */
    forgeRepo: string | undefined;
    baseBranch: string;
    /** Local forge permissions by login (AGENTLANE_LOCAL_PERMISSIONS); a login not listed has none. */
    localPermissions: Readonly<Record<string, ForgePermission>>;
    github:
      | {
          repo: string | undefined;
          apiUrl: string | undefined;
          auth: { kind: 'token'; token: string } | { kind: 'app'; appId: number; privateKey: string; installationId: number } | undefined;
        };
    webhookSecret: string | undefined;
    prLite: { qualityMinRan: number; healthTtlMin: number; routingRequireRanked: number };
  };
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
    pgliteTemplate: {
      enabled: value.AGENTLANE_PGLITE_TEMPLATE === '1',
      dir: value.AGENTLANE_PGLITE_TEMPLATE_DIR === undefined ? undefined : path.resolve(value.AGENTLANE_PGLITE_TEMPLATE_DIR),
    },
    logLevel: value.LOG_LEVEL,
    kg: {
      maxFileBytes: value.KG_MAX_FILE_BYTES,
      workers: value.KG_WORKERS ?? Math.max(1, os.availableParallelism()),
      precise: value.KG_PRECISE,
      preciseBudgetMs: value.KG_PRECISE_BUDGET_MS,
    },
    apiToken: value.AGENTLANE_API_TOKEN,
    neo4j: value.NEO4J_URI ? { uri: value.NEO4J_URI, username: value.NEO4J_USERNAME, password: value.NEO4J_PASSWORD } : undefined,
    redisUrl: value.REDIS_URL,
    engine: {
      enabled: value.ENGINE_V2_ENABLED,
      mode: value.ENGINE_V2_MODE,
      allowlistOnly: value.ENGINE_V2_ALLOWLIST_ONLY,
      allowlist: (value.ENGINE_V2_ALLOWLIST ?? '').split(',').map((entry) => entry.trim()).filter(Boolean),
      workers: value.ENGINE_V2_WORKERS,
      leaseMs: value.ENGINE_V2_LEASE_MS,
      jobTimeoutMs: value.ENGINE_V2_JOB_TIMEOUT_MS,
      stagingDir: path.resolve(value.ENGINE_V2_STAGING_DIR ?? path.join(os.tmpdir(), 'agentlane-engine-v2-staging')),
      queuePrefix: value.ENGINE_V2_QUEUE_PREFIX,
    },
    llm: {
      provider: value.LLM_PROVIDER,
      model: value.LLM_MODEL,
      baseUrl: value.LLM_BASE_URL,
      cassetteDir: value.LLM_CASSETTE_DIR === undefined ? undefined : path.resolve(value.LLM_CASSETTE_DIR),
      record: value.LLM_RECORD,
      timeoutMs: value.LLM_TIMEOUT_MS,
      maxRetries: value.LLM_MAX_RETRIES,
      prices: value.LLM_PRICES ?? {},
      anthropicApiKey: value.ANTHROPIC_API_KEY,
      openaiApiKey: value.OPENAI_API_KEY,
    },
    gitops: {
      forge: value.AGENTLANE_FORGE,
      forgeRepo: value.AGENTLANE_FORGE_REPO === undefined ? undefined : path.resolve(value.AGENTLANE_FORGE_REPO),
      baseBranch: value.AGENTLANE_BASE_BRANCH,
      localPermissions: value.AGENTLANE_LOCAL_PERMISSIONS,
      github: {
        repo: value.GITHUB_REPOSITORY,
        apiUrl: value.GITHUB_API_URL,
        auth:
          value.GITHUB_APP_ID !== undefined && value.GITHUB_APP_PRIVATE_KEY !== undefined && value.GITHUB_APP_INSTALLATION_ID !== undefined
            ? { kind: 'app', appId: value.GITHUB_APP_ID, privateKey: value.GITHUB_APP_PRIVATE_KEY, installationId: value.GITHUB_APP_INSTALLATION_ID }
            : value.GITHUB_TOKEN !== undefined
              ? { kind: 'token', token: value.GITHUB_TOKEN }
              : undefined,
      },
      webhookSecret: value.GITHUB_WEBHOOK_SECRET,
      prLite: { qualityMinRan: value.QUALITY_MIN_RAN, healthTtlMin: value.HEALTH_TTL_MIN, routingRequireRanked: value.ROUTING_REQUIRE_RANKED },
    },
  };
}

/** The state directory for a repository: AGENTLANE_HOME if set, else `<repo>/.agentlane`. */
export function homeFor(config: Config, repoRoot: string): string {
  return config.home ?? path.join(path.resolve(repoRoot), '.agentlane');
}
