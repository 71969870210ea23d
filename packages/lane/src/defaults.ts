/**
 * Every default of the lane, in one place. The lane file may tighten or extend
 * them; README "Agent lane" documents each one.
 */

/** Modules whose import stops a microtask (TS/JS specifiers and Python modules; `node:` is ignored). */
export const DEFAULT_DENIED_IMPORTS: readonly string[] = [
  // Node: processes, sockets, raw network, code evaluation.
  'child_process',
  'cluster',
  'worker_threads',
  'net',
  'tls',
  'dgram',
  'dns',
  'http',
  'https',
  'http2',
  'vm',
  // Python: processes, sockets, native calls, HTTP clients.
  'subprocess',
  'socket',
  'ctypes',
  'pty',
  'multiprocessing',
  'urllib.request',
  'requests',
  'httpx',
];

export interface SymbolRule {
  name: string;
  pattern: string;
}

/**
 * Dangerous symbols, matched on every added line of every changed text file.
 * Patterns are JavaScript regular expressions (no flags; case-sensitive).
 */
export const DEFAULT_SYMBOL_RULES: readonly SymbolRule[] = [
  { name: 'eval', pattern: String.raw`(?<![\w.$])eval\s*\(` },
  // `exec(` of child_process or Python's builtin, but not `regex.exec(`.
  { name: 'exec', pattern: String.raw`(?<![\w.$])exec(?:Sync|File|FileSync)?\s*\(` },
  { name: 'new Function', pattern: String.raw`\bnew\s+Function\s*\(` },
  { name: 'os.system', pattern: String.raw`\bos\.(?:system|popen|exec[lv]p?e?|spawn[lv]p?e?)\s*\(` },
  { name: 'dynamic import of a module by name', pattern: String.raw`(?:\b__import__\s*\(|\bimportlib\.import_module\s*\()` },
  { name: 'rm -rf', pattern: String.raw`\brm\s+-(?:[a-zA-Z]*r[a-zA-Z]*f|[a-zA-Z]*f[a-zA-Z]*r)\b` },
  { name: 'write to ~/.ssh', pattern: String.raw`(?:~|\$\{?HOME\}?|homedir\(\)|expanduser\([^)]*)[^\n]{0,40}[/\\]?\.ssh\b|\.ssh/(?:authorized_keys|id_[a-z0-9]+|config|known_hosts)` },
  // The whole environment (it holds the machine's secrets), not one named variable.
  { name: 'read all of process.env', pattern: String.raw`\bprocess\.env\b(?!\s*(?:\.|\[|\?\.))` },
  { name: 'read all of os.environ', pattern: String.raw`\bos\.environ\b(?!\s*(?:\[|\.get\s*\(|\.setdefault\s*\())` },
];

/** Paths no microtask may touch, whatever its allowed_paths say (plus the lane file itself). */
export const DEFAULT_PROTECTED_PATHS: readonly string[] = ['.github/**', 'cells/u_contract.yaml', 'cells/**/u_contract.yaml', '.gitmodules'];

/** What counts as a test file for the test-size check. */
export const DEFAULT_TEST_FILE_GLOBS: readonly string[] = [
  '**/*.test.*',
  '**/*.spec.*',
  '**/test_*.py',
  '**/*_test.py',
  '**/tests/**',
  '**/__tests__/**',
];

export interface LimitsConfig {
  /** Wall time of one agent run; the agent is killed when it runs out. @defaultValue 900 s */
  wallTimeMs: number;
  /** Lines added + deleted by one attempt. @defaultValue 400 */
  changedLines: number;
  /** New files one attempt may create. @defaultValue 20 */
  filesCreated: number;
  /** How much one attempt may grow the worktree on disk. @defaultValue 50 MiB */
  diskBytes: number;
}

export const DEFAULT_LIMITS = {
  wallTimeMs: 900_000,
  changedLines: 400,
  filesCreated: 20,
  diskBytes: 50 * 1024 * 1024,
} as const satisfies LimitsConfig;

export interface TestSizeConfig {
  /** A test file whose line count falls below this fraction of its old count is flagged. @defaultValue 0.5 */
  shrinkBelow: number;
  /** A test file that grows beyond this factor of its old line count is flagged. @defaultValue 3 */
  growAbove: number;
  /** Files with fewer lines than this (before and after) are never flagged. @defaultValue 20 */
  minLines: number;
  /** A new test file longer than this is flagged. @defaultValue 1000 */
  maxNewLines: number;
  /** `stop` fails the attempt; `warn` only records the finding. @defaultValue 'stop' */
  action: 'stop' | 'warn';
}

export const DEFAULT_TEST_SIZE = {
  shrinkBelow: 0.5,
  growAbove: 3,
  minLines: 20,
  maxNewLines: 1000,
  action: 'stop',
} as const satisfies TestSizeConfig;

/** Test command time-out. @defaultValue 600 s */
export const DEFAULT_TEST_TIMEOUT_MS = 600_000;
/** Health probe time-out. */
export const PROBE_TIMEOUT_MS = 20_000;
/** Successful microtasks between two checkpoints. */
export const DEFAULT_CHECKPOINT_EVERY = 3;
/** Consecutive failed microtasks that stop the lane. */
export const DEFAULT_STOP_AFTER_FAILURES = 2;

/** Environment variables every agent and test command gets from the lane's own environment. */
export const BASE_ENV_ALLOWLIST: readonly string[] = ['PATH', 'LANG', 'LANGUAGE', 'LC_ALL', 'LC_CTYPE', 'TERM', 'TZ', 'USER', 'LOGNAME'];

/** TMPDIR of agents and test commands, inside the worktree (so bwrap leaves it writable). */
export const TMP_DIR_NAME = '.agentlane-tmp';

/**
 * Scratch an agent or a test run leaves under HOME (= the worktree), as gitignore
 * patterns: never part of the change, never committed, removed by the rollback.
 */
export const SCRATCH_PATTERNS: readonly string[] = [`/${TMP_DIR_NAME}/`, '/.npm/', '/.cache/', '/.config/', '/.local/', '/.node-gyp/', '.pytest_cache/', '__pycache__/'];

/** How much of a command's output is kept (the tail), per stream. */
export const OUTPUT_TAIL_BYTES = 16 * 1024;
/** How much of an attempt's diff is kept in the records. */
export const DIFF_RECORD_CHARS = 20_000;
/** Largest file an attempt may add or grow: the lane never reads a bigger one through git (8 MiB). */
export const MAX_DIFFED_FILE_BYTES = 8 * 1024 * 1024;
