/**
 * The lane file: a YAML list of microtasks plus lane-wide settings, validated by
 * zod at the edge and turned into plain, fully-defaulted types. Every schema is
 * strict: a misspelt key (`validaters:`) is an error, never a silently ignored
 * safety setting.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { AgentlaneError } from '@agentlane/core';
import {
  DEFAULT_CHECKPOINT_EVERY,
  DEFAULT_DENIED_IMPORTS,
  DEFAULT_LIMITS,
  DEFAULT_PROTECTED_PATHS,
  DEFAULT_STOP_AFTER_FAILURES,
  DEFAULT_SYMBOL_RULES,
  DEFAULT_TEST_FILE_GLOBS,
  DEFAULT_TEST_SIZE,
  DEFAULT_TEST_TIMEOUT_MS,
  type LimitsConfig,
  type SymbolRule,
  type TestSizeConfig,
} from './defaults.js';
import { dagProblems } from './dag.js';

export const MICROTASK_KINDS = ['fix', 'feature', 'test', 'deps', 'refactor'] as const;
export type MicrotaskKind = (typeof MICROTASK_KINDS)[number];

export type SandboxMode = 'auto' | 'bwrap' | 'worktree';

export interface AgentSpec {
  /** argv, run with the worktree as working directory; never through a shell. */
  command: string[];
  /** Health probe argv. Default: `[command[0], '--version']`. */
  probe: string[];
  /** Network for the agent under bwrap. Validators and tests never have it. */
  network: boolean;
}

export interface Microtask {
  id: string;
  kind: MicrotaskKind;
  instructions: string;
  agent: AgentSpec;
  allowedPaths: string[];
  dependsOn: string[];
  limits: LimitsConfig;
  /** Position in the lane file (0-based). */
  position: number;
}

export interface BannedPattern {
  pattern: string;
  message: string;
}

export interface ValidatorsConfig {
  imports: { deny: string[]; allow: string[] | null };
  symbols: SymbolRule[];
  bannedPatterns: BannedPattern[];
  /** Globs nobody may touch: the defaults, the lane file and the lane file's own list. */
  protectedPaths: string[];
  testFiles: string[];
  testSize: TestSizeConfig;
}

export type NotifierSpec = { type: 'none' } | { type: 'webhook'; url: string };

export interface LaneFile {
  /** Absolute path of the lane file. */
  path: string;
  name: string;
  base: string;
  /** The branch successful microtasks are committed onto. */
  branch: string;
  test: { command: string[]; timeoutMs: number };
  sandbox: SandboxMode;
  /** Extra variables passed through to agents and tests (API keys of the agent, …). */
  envAllow: string[];
  limits: LimitsConfig;
  validators: ValidatorsConfig;
  notifier: NotifierSpec;
  checkpointEvery: number;
  stopAfterFailures: number;
  microtasks: Microtask[];
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A process argument or environment value cannot hold U+0000 (the agent could not even be started): refused here, by name. */
const NO_NUL = [(value: string) => !value.includes('\u0000'), 'must not contain a NUL character (U+0000)'] as const;
const argv = z.array(z.string().min(1, 'must not be empty').refine(...NO_NUL)).min(1, 'needs at least the program');
const seconds = z.number().positive().max(86_400);

const limitsSchema = z
  .object({
    wall_time_s: seconds.optional(),
    changed_lines: z.number().int().positive().optional(),
    files_created: z.number().int().nonnegative().optional(),
    disk_mb: z.number().positive().optional(),
  })
  .strict();

const agentObject = z
  .object({
    command: argv,
    probe: argv.optional(),
    network: z.boolean().optional(),
  })
  .strict();
const agentSchema = z.union([argv, agentObject], {
  errorMap: () => ({ message: 'must be an argv array of strings, like [claude, -p], or { command: [...], probe: [...], network: false }' }),
});

const regex = z.string().min(1).superRefine((value, ctx) => {
  try {
    new RegExp(value);
  } catch (error) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not a valid regular expression: ${(error as Error).message}` });
  }
});

const microtaskSchema = z
  .object({
    id: z.string().regex(ID, 'must be 1-64 of A-Z a-z 0-9 . _ - (starting with a letter or digit)'),
    kind: z.enum(MICROTASK_KINDS),
    instructions: z.string().trim().min(1, 'must not be empty').refine(...NO_NUL),
    agent: agentSchema.optional(),
    allowed_paths: z
      .array(
        z
          .string()
          .min(1)
          .transform((glob) => glob.replace(/^(\.\/)+/, ''))
          .refine((glob) => !glob.startsWith('/') && !glob.split('/').includes('..'), 'must be relative to the repository root, without ..'),
      )
      .min(1, 'needs at least one glob'),
    depends_on: z.array(z.string()).optional(),
    limits: limitsSchema.optional(),
  })
  .strict();

const laneSchema = z
  .object({
    version: z.literal(1).optional(),
    name: z.string().regex(ID, 'must be 1-64 of A-Z a-z 0-9 . _ - (starting with a letter or digit)'),
    base: z.string().min(1).default('main'),
    branch: z.string().min(1).optional(),
    test: z.union([argv, z.object({ command: argv, timeout_s: seconds.optional() }).strict()], {
      errorMap: () => ({ message: 'must be an argv array of strings, like [npm, test], or { command: [...], timeout_s: 600 }' }),
    }),
    agent: agentSchema.optional(),
    sandbox: z.enum(['auto', 'bwrap', 'worktree']).default('auto'),
    env_allow: z.array(z.string().regex(ENV_NAME, 'must be an environment variable name')).default([]),
    limits: limitsSchema.optional(),
    validators: z
      .object({
        imports: z
          .object({
            deny: z.array(z.string().min(1)).optional(),
            allow: z.array(z.string().min(1)).optional(),
            use_defaults: z.boolean().default(true),
          })
          .strict()
          .optional(),
        symbols: z
          .object({
            patterns: z.array(z.object({ name: z.string().min(1), pattern: regex }).strict()).default([]),
            use_defaults: z.boolean().default(true),
          })
          .strict()
          .optional(),
        banned_patterns: z.array(z.union([regex, z.object({ pattern: regex, message: z.string().optional() }).strict()])).default([]),
        protected_paths: z.array(z.string().min(1)).default([]),
        test_files: z.array(z.string().min(1)).optional(),
        test_size: z
          .object({
            shrink_below: z.number().gt(0).lt(1).optional(),
            grow_above: z.number().gt(1).optional(),
            min_lines: z.number().int().nonnegative().optional(),
            max_new_lines: z.number().int().positive().optional(),
            action: z.enum(['stop', 'warn']).optional(),
          })
          .strict()
          .optional(),
      })
      .strict()
      .default({}),
    notifier: z
      .union([
        z.literal('none'),
        z.object({ webhook: z.string().url() }).strict(),
        z.object({ webhook_env: z.string().regex(ENV_NAME, 'must be an environment variable name') }).strict(),
      ])
      .default('none'),
    checkpoint_every: z.number().int().positive().default(DEFAULT_CHECKPOINT_EVERY),
    stop_after_failures: z.number().int().min(1).default(DEFAULT_STOP_AFTER_FAILURES),
    microtasks: z.array(microtaskSchema).min(1, 'needs at least one microtask'),
  })
  .strict();

type RawLane = z.infer<typeof laneSchema>;
type RawLimits = z.infer<typeof limitsSchema>;
type RawAgent = z.infer<typeof agentSchema>;

function invalid(file: string, problems: string[]): AgentlaneError {
  return new AgentlaneError('LANE_FILE_INVALID', `Invalid lane file ${file}: ${problems.join('; ')}`, { details: { file, problems } });
}

function mergeLimits(base: LimitsConfig, raw: RawLimits | undefined): LimitsConfig {
  return {
    wallTimeMs: raw?.wall_time_s === undefined ? base.wallTimeMs : Math.round(raw.wall_time_s * 1000),
    changedLines: raw?.changed_lines ?? base.changedLines,
    filesCreated: raw?.files_created ?? base.filesCreated,
    diskBytes: raw?.disk_mb === undefined ? base.diskBytes : Math.round(raw.disk_mb * 1024 * 1024),
  };
}

function toAgent(raw: RawAgent): AgentSpec {
  const spec = Array.isArray(raw) ? { command: raw } : raw;
  return {
    command: spec.command,
    probe: spec.probe ?? [spec.command[0] as string, '--version'],
    network: spec.network ?? false,
  };
}

function resolveNotifier(raw: RawLane['notifier'], env: Record<string, string | undefined>, file: string): NotifierSpec {
  if (raw === 'none') return { type: 'none' };
  if ('webhook' in raw) return { type: 'webhook', url: raw.webhook };
  const url = env[raw.webhook_env];
  if (!url) throw invalid(file, [`notifier.webhook_env: ${raw.webhook_env} is not set`]);
  if (!z.string().url().safeParse(url).success) throw invalid(file, [`notifier.webhook_env: ${raw.webhook_env} is not a URL`]);
  return { type: 'webhook', url };
}

export interface ParseLaneOptions {
  /** Absolute path the text came from (for messages and the protected-path rule). */
  file: string;
  /** The repository; the lane file is protected when it lives inside. */
  repoRoot?: string;
  env?: Record<string, string | undefined>;
}

/** Parse and validate lane file text. Throws LANE_FILE_INVALID or LANE_DAG_INVALID. */
export function parseLaneFile(text: string, options: ParseLaneOptions): LaneFile {
  const file = options.file;
  let data: unknown;
  try {
    data = YAML.parse(text, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const e = error as Error & { linePos?: { line: number; col: number }[] };
    const at = e.linePos?.[0] ? ` (line ${e.linePos[0].line}, column ${e.linePos[0].col})` : '';
    throw invalid(file, [`not valid YAML${at}: ${e.message.split('\n')[0]}`]);
  }
  const parsed = laneSchema.safeParse(data ?? {});
  if (!parsed.success) {
    throw invalid(
      file,
      parsed.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(top level)'}: ${issue.message}`),
    );
  }
  const raw = parsed.data;
  const problems: string[] = [];
  const laneAgent = raw.agent === undefined ? undefined : toAgent(raw.agent);
  const limits = mergeLimits(DEFAULT_LIMITS, raw.limits);
  const microtasks: Microtask[] = raw.microtasks.map((task, position) => {
    const agentRaw = task.agent ?? raw.agent;
    if (agentRaw === undefined) problems.push(`microtasks.${position}.agent: no agent here and no lane-wide agent`);
    return {
      id: task.id,
      kind: task.kind,
      instructions: task.instructions,
      agent: agentRaw === undefined ? { command: ['false'], probe: ['false'], network: false } : task.agent ? toAgent(task.agent) : (laneAgent as AgentSpec),
      allowedPaths: task.allowed_paths,
      dependsOn: task.depends_on ?? [],
      limits: mergeLimits(limits, task.limits),
      position,
    };
  });
  if (problems.length > 0) throw invalid(file, problems);

  const dag = dagProblems(microtasks.map((t) => t.id), microtasks.flatMap((t) => t.dependsOn.map((d) => [d, t.id] as const)));
  if (dag.length > 0) {
    throw new AgentlaneError('LANE_DAG_INVALID', `Invalid microtask dependencies in ${file}: ${dag.map((d) => d.message).join('; ')}`, {
      details: { file, problems: dag },
    });
  }

  const v = raw.validators;
  const protectedPaths = [...DEFAULT_PROTECTED_PATHS, ...v.protected_paths];
  if (options.repoRoot) {
    const rel = path.relative(options.repoRoot, file);
    if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) protectedPaths.push(rel.split(path.sep).join('/'));
  }
  const test = Array.isArray(raw.test) ? { command: raw.test } : raw.test;
  return {
    path: file,
    name: raw.name,
    base: raw.base,
    branch: raw.branch ?? `lane/${raw.name}`,
    test: { command: test.command, timeoutMs: 'timeout_s' in test && test.timeout_s !== undefined ? Math.round(test.timeout_s * 1000) : DEFAULT_TEST_TIMEOUT_MS },
    sandbox: raw.sandbox,
    envAllow: raw.env_allow,
    limits,
    validators: {
      imports: {
        deny: [...(v.imports?.use_defaults === false ? [] : DEFAULT_DENIED_IMPORTS), ...(v.imports?.deny ?? [])],
        allow: v.imports?.allow ?? null,
      },
      symbols: [...(v.symbols?.use_defaults === false ? [] : DEFAULT_SYMBOL_RULES), ...(v.symbols?.patterns ?? [])],
      bannedPatterns: v.banned_patterns.map((p) =>
        typeof p === 'string' ? { pattern: p, message: `banned pattern /${p}/` } : { pattern: p.pattern, message: p.message ?? `banned pattern /${p.pattern}/` },
      ),
      protectedPaths,
      testFiles: v.test_files ?? [...DEFAULT_TEST_FILE_GLOBS],
      testSize: {
        shrinkBelow: v.test_size?.shrink_below ?? DEFAULT_TEST_SIZE.shrinkBelow,
        growAbove: v.test_size?.grow_above ?? DEFAULT_TEST_SIZE.growAbove,
        minLines: v.test_size?.min_lines ?? DEFAULT_TEST_SIZE.minLines,
        maxNewLines: v.test_size?.max_new_lines ?? DEFAULT_TEST_SIZE.maxNewLines,
        action: v.test_size?.action ?? DEFAULT_TEST_SIZE.action,
      },
    },
    notifier: resolveNotifier(raw.notifier, options.env ?? process.env, file),
    checkpointEvery: raw.checkpoint_every,
    stopAfterFailures: raw.stop_after_failures,
    microtasks,
  };
}

/** Read, parse and validate a lane file. Throws LANE_FILE_NOT_FOUND, LANE_FILE_INVALID or LANE_DAG_INVALID. */
export function loadLaneFile(file: string, options: Omit<ParseLaneOptions, 'file'> = {}): LaneFile {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new AgentlaneError('LANE_FILE_NOT_FOUND', `Cannot read the lane file ${absolute}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
      cause: error,
      details: { file: absolute },
    });
  }
  return parseLaneFile(text, { ...options, file: absolute });
}
