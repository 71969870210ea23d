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
  KG_GATE_FAILED: 'One or more coverage gates are below their threshold.',
  KG_PARSE_WORKER_FAILED: 'A parse worker thread crashed.',
  CLI_USAGE: 'The command line arguments are invalid.',
  HTTP_BAD_REQUEST: 'The HTTP request is malformed or fails validation.',
  HTTP_UNAUTHORIZED: 'The HTTP request lacks a valid bearer token.',
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
  CONFIG_INVALID: EXIT_CODES.environment,
  DB_CONNECT_FAILED: EXIT_CODES.environment,
  DB_LOCKED: EXIT_CODES.environment,
  DB_MIGRATION_MODIFIED: EXIT_CODES.environment,
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

  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
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

/**
 * Strip credentials from text before it can reach a log or an error message:
 * passwords in connection URLs and bearer/token values.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*):[^@/\s]*@/gi, '$1:***@')
    // A credential after "bearer"/"token": 8+ characters with a digit, so prose like "bearer token." survives.
    .replace(/\b(bearer|token)\s+(?=[A-Za-z0-9._~+/-]*\d)[A-Za-z0-9._~+/-]{8,}=*/gi, '$1 ***')
    .replace(/\b(gh[pousr]_[A-Za-z0-9]{20,}|sk-[A-Za-z0-9_-]{16,})\b/g, '***');
}
