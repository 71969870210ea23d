import { redactSecrets } from './secrets.js';

/**
 * The error catalogue. Every error agentlane raises on purpose carries one of
 * these codes; the codes are stable (scripts and dashboards match on them), the
 * messages are not. README "Error codes" documents each one; a test keeps the two in sync.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: 'An environment variable has an invalid value.',
  DB_CONNECT_FAILED: 'The database could not be opened or reached.',
  DB_MIGRATION_FAILED: 'A schema migration failed to apply; nothing of it was kept.',
  DB_MIGRATION_MODIFIED: 'An already-applied migration file was changed; migrations are additive only.',
  DB_QUERY_FAILED: 'A database statement failed.',
  DB_LOCKED: 'Another process holds the embedded database or the index lock.',
  KG_PATH_NOT_FOUND: 'The repository path does not exist.',
  KG_NOT_A_DIRECTORY: 'The repository path is not a directory.',
  KG_NO_INDEX: 'The repository has not been indexed yet.',
  KG_NOT_FOUND: 'The object or file is not in the index.',
  KG_INVALID_ARGUMENT: 'A query argument is invalid (id, depth, relation kind, direction).',
  KG_AMBIGUOUS: 'A name fits several objects; the error lists the candidates (id, kind, path) to choose from.',
  KG_INVALID_CURSOR: 'A paging cursor is malformed or belongs to other arguments; ask again without it.',
  KG_GATE_FAILED: 'One or more coverage gates are below their threshold.',
  KG_PARSE_WORKER_FAILED: 'A parse worker thread crashed.',
  KG_REPOSITORY_MISMATCH: 'The database holds the index of another repository (one database holds one repository).',
  ENGINE_WORKFLOW_INVALID: 'The workflow definition is invalid (schema, unknown or duplicate task keys, self-edges, conditions).',
  ENGINE_WORKFLOW_CYCLE: 'The workflow dependencies contain a cycle.',
  ENGINE_AGENT_UNKNOWN: 'A task names an agent that is not registered.',
  ENGINE_JOB_NOT_FOUND: 'The engine job does not exist.',
  ENGINE_JOB_FAILED: 'The workflow run ended failed, canceled or timed out.',
  ENGINE_OUTPUT_INVALID: 'The v2 result failed output validation.',
  ENGINE_STAGING_FAILED: 'A staging directory operation or the swap into the target directory failed; the backup is kept.',
  ENGINE_CONCURRENT_APPLY: 'Another apply to the same project holds its lock.',
  ENGINE_QUEUE_UNAVAILABLE: 'The queue (Redis at REDIS_URL) cannot be reached.',
  ENGINE_GATE_FAILED: 'One or more engine_v2 rollout gates fail.',
  ENGINE_DRILL_FAILED: 'The kill-switch drill failed: a v2 run started or running runs did not reach 0.',
  ENGINE_ATTEMPT_FENCED: 'A write from a task attempt that no longer holds its task (re-claimed, or the job ended) was refused; nothing changed.',
  LANE_FILE_NOT_FOUND: 'The lane file does not exist or cannot be read.',
  LANE_FILE_INVALID: 'The lane file is not valid YAML or fails the lane file schema.',
  LANE_DAG_INVALID: 'The microtasks\' depends_on do not form a DAG (unknown or duplicate ids, a cycle).',
  LANE_NOT_A_REPOSITORY: 'The lane\'s repository is not a git repository (or has no commits).',
  LANE_BASE_NOT_FOUND: 'The lane\'s base branch or commit does not exist.',
  LANE_GIT_FAILED: 'A git operation of the lane failed (worktree, commit, branch update).',
  LANE_HEALTH_CHECK_FAILED: 'The agent command did not answer its health probe; nothing ran.',
  LANE_SANDBOX_UNAVAILABLE: 'The sandbox the lane needs cannot be had here: bwrap is required (or sandbox: auto runs unattended) but missing or unusable, or network: true needs slirp4netns.',
  LANE_BUSY: 'Another lane run holds this repository\'s lane lock.',
  LANE_EVENT_QUARANTINED: 'A lane event the database refused was stored as a `quarantined` event (its line stays in the JSONL buffer) so later events still sync.',
  LANE_TASKS_FAILED: 'The lane run finished, but some microtasks failed or were skipped.',
  LANE_STOPPED: 'The lane stopped itself after consecutive microtask failures and was reset to its last checkpoint.',
  LANE_INTERRUPTED: 'The lane run was interrupted (SIGINT/SIGTERM); the running agent was killed and its attempt rolled back.',
  LLM_REQUEST_INVALID: 'The LLM request fails its schema (messages, maxTokens, temperature, responseFormat).',
  LLM_AUTH_FAILED: 'The LLM provider rejected the API key (401 or 403).',
  LLM_RATE_LIMITED: 'The LLM provider still answered 429 after every retry.',
  LLM_PROVIDER_UNAVAILABLE: 'The LLM provider still answered 5xx (or overloaded) after every retry.',
  LLM_REQUEST_REJECTED: 'The LLM provider rejected the request (a 4xx other than 401, 403 and 429).',
  LLM_CONNECTION_FAILED: 'The LLM provider could not be reached.',
  LLM_TIMEOUT: 'The LLM call timed out on every attempt.',
  LLM_ABORTED: 'The LLM call was aborted by its caller.',
  LLM_RESPONSE_INVALID: 'The LLM provider answered with malformed JSON or an unexpected shape.',
  LLM_CASSETTE_MISSING: 'The replay provider has no cassette for this request hash.',
  LLM_CASSETTE_INVALID: 'A replay cassette is not valid JSON or fails the cassette schema.',
  LLM_OUTPUT_INVALID: 'The LLM answer failed its JSON contract twice (the second time after a retry with the validation error).',
  CLI_USAGE: 'The command line arguments are invalid.',
  POLICY_INVALID: 'The u_contract policy file is missing or fails validation.',
  POLICY_DENIED: 'The u_contract policy denies the change; nothing was pushed.',
  CELL_INVALID: 'A cell definition is missing or fails validation.',
  CELL_NOT_FOUND: 'No cell has that key.',
  ASK_INVALID: 'An /ask command does not follow the grammar or names an action the cell does not allow.',
  ASK_FORBIDDEN: 'The /ask caller lacks write permission on the repository.',
  ASK_NOT_FOUND: 'No /ask has that id.',
  WEBHOOK_SIGNATURE_INVALID: 'A webhook delivery has a missing or wrong signature.',
  WEBHOOK_REPOSITORY_MISMATCH: 'A webhook delivery comes from a repository other than the configured one (or none is configured).',
  FORGE_REQUEST_FAILED: 'A forge (GitHub or local git) operation failed.',
  FORGE_PATHS_LOCKED: 'Another open agent change holds a lock on some of the same paths.',
  STATE_MARKERS_INVALID: 'STATE markers are unbalanced; the file was not changed.',
  PRLITE_GATE_FAILED: 'One or more PR-Lite gates failed.',
  HTTP_BAD_REQUEST: 'The HTTP request is malformed or fails validation.',
  HTTP_UNAUTHORIZED: 'The HTTP request lacks a valid bearer token.',
  HTTP_NOT_FOUND: 'No HTTP route matches the request.',
  INTERNAL: 'An unexpected internal error.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Process exit codes used by the CLI. */
export const EXIT_CODES = {
  ok: 0,
  /** A check ran and failed (e.g. a coverage gate). */
  failed: 1,
  usage: 2,
  /** Configuration or environment problem (bad env var, database unreachable). */
  environment: 3,
  internal: 70,
} as const;

const EXIT_BY_CODE: Partial<Record<ErrorCode, number>> = {
  CLI_USAGE: EXIT_CODES.usage,
  KG_PATH_NOT_FOUND: EXIT_CODES.usage,
  KG_NOT_A_DIRECTORY: EXIT_CODES.usage,
  KG_GATE_FAILED: EXIT_CODES.failed,
  KG_NO_INDEX: EXIT_CODES.failed,
  KG_NOT_FOUND: EXIT_CODES.failed,
  KG_INVALID_ARGUMENT: EXIT_CODES.usage,
  KG_AMBIGUOUS: EXIT_CODES.usage,
  KG_INVALID_CURSOR: EXIT_CODES.usage,
  KG_REPOSITORY_MISMATCH: EXIT_CODES.environment,
  ENGINE_WORKFLOW_INVALID: EXIT_CODES.usage,
  ENGINE_WORKFLOW_CYCLE: EXIT_CODES.usage,
  ENGINE_AGENT_UNKNOWN: EXIT_CODES.usage,
  ENGINE_JOB_NOT_FOUND: EXIT_CODES.failed,
  ENGINE_JOB_FAILED: EXIT_CODES.failed,
  ENGINE_OUTPUT_INVALID: EXIT_CODES.failed,
  ENGINE_GATE_FAILED: EXIT_CODES.failed,
  ENGINE_DRILL_FAILED: EXIT_CODES.failed,
  ENGINE_ATTEMPT_FENCED: EXIT_CODES.failed,
  ENGINE_QUEUE_UNAVAILABLE: EXIT_CODES.environment,
  LANE_FILE_NOT_FOUND: EXIT_CODES.usage,
  LANE_FILE_INVALID: EXIT_CODES.usage,
  LANE_DAG_INVALID: EXIT_CODES.usage,
  LANE_NOT_A_REPOSITORY: EXIT_CODES.usage,
  LANE_BASE_NOT_FOUND: EXIT_CODES.usage,
  LANE_TASKS_FAILED: EXIT_CODES.failed,
  LANE_STOPPED: EXIT_CODES.failed,
  LANE_INTERRUPTED: EXIT_CODES.failed,
  LLM_AUTH_FAILED: EXIT_CODES.environment,
  LLM_CONNECTION_FAILED: EXIT_CODES.environment,
  LLM_CASSETTE_MISSING: EXIT_CODES.environment,
  LLM_OUTPUT_INVALID: EXIT_CODES.failed,
  LANE_HEALTH_CHECK_FAILED: EXIT_CODES.environment,
  LANE_SANDBOX_UNAVAILABLE: EXIT_CODES.environment,
  LANE_BUSY: EXIT_CODES.environment,
  POLICY_INVALID: EXIT_CODES.usage,
  POLICY_DENIED: EXIT_CODES.failed,
  CELL_INVALID: EXIT_CODES.usage,
  CELL_NOT_FOUND: EXIT_CODES.usage,
  ASK_INVALID: EXIT_CODES.usage,
  ASK_NOT_FOUND: EXIT_CODES.failed,
  WEBHOOK_REPOSITORY_MISMATCH: EXIT_CODES.environment,
  FORGE_PATHS_LOCKED: EXIT_CODES.failed,
  STATE_MARKERS_INVALID: EXIT_CODES.failed,
  PRLITE_GATE_FAILED: EXIT_CODES.failed,
  CONFIG_INVALID: EXIT_CODES.environment,
  DB_CONNECT_FAILED: EXIT_CODES.environment,
  DB_LOCKED: EXIT_CODES.environment,
  DB_MIGRATION_MODIFIED: EXIT_CODES.environment,
};

/**
 * The HTTP status each code answers with (the server's one error reply reads it).
 * Codes not listed are 500: the client gets the catalogue's generic text, never the
 * internal message.
 */
const HTTP_STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  HTTP_BAD_REQUEST: 400,
  HTTP_UNAUTHORIZED: 401,
  HTTP_NOT_FOUND: 404,
  KG_INVALID_ARGUMENT: 400,
  KG_NOT_FOUND: 404,
  KG_AMBIGUOUS: 409,
  KG_INVALID_CURSOR: 400,
  KG_NO_INDEX: 409,
  KG_REPOSITORY_MISMATCH: 409,
  ENGINE_WORKFLOW_INVALID: 400,
  ENGINE_WORKFLOW_CYCLE: 400,
  ENGINE_AGENT_UNKNOWN: 400,
  ENGINE_ATTEMPT_FENCED: 409,
  ENGINE_JOB_NOT_FOUND: 404,
  ASK_INVALID: 400,
  ASK_NOT_FOUND: 404,
  WEBHOOK_SIGNATURE_INVALID: 401,
  WEBHOOK_REPOSITORY_MISMATCH: 403,
  DB_LOCKED: 503,
  DB_CONNECT_FAILED: 503,
  ENGINE_QUEUE_UNAVAILABLE: 503,
};

export interface AgentlaneErrorOptions {
  cause?: unknown;
  /** Structured, secret-free facts about the failure (paths, counts, names). */
  details?: Record<string, unknown>;
}

export class AgentlaneError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string = ERROR_CODES[code], options: AgentlaneErrorOptions = {}) {
    super(redactSecrets(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AgentlaneError';
    this.code = code;
    this.details = options.details ?? {};
  }

  get exitCode(): number {
    return EXIT_BY_CODE[this.code] ?? EXIT_CODES.internal;
  }

  /** The HTTP status this error answers with; 500 unless the catalogue says otherwise. */
  get httpStatus(): number {
    return httpStatusOf(this.code);
  }

  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS_BY_CODE[code] ?? 500;
}

export function isAgentlaneError(error: unknown): error is AgentlaneError {
  return error instanceof AgentlaneError;
}

/** Normalise anything thrown into an AgentlaneError, keeping the original as `cause`. */
export function coerceError(error: unknown, fallback: ErrorCode = 'INTERNAL'): AgentlaneError {
  if (error instanceof AgentlaneError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AgentlaneError(fallback, message, { cause: error });
}
