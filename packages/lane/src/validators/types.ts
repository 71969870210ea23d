/**
 * The validator contract: a validator sees what an attempt changed and returns
 * findings with their evidence (file, line, pattern). A finding with severity
 * `stop` fails the attempt; `warn` is only recorded.
 */
import type { LimitsConfig } from '../defaults.js';
import type { ChangeSet } from '../changes.js';
import type { ValidatorsConfig } from '../lane-file.js';

export type ValidatorName = 'agent' | 'paths' | 'limits' | 'secrets' | 'imports' | 'symbols' | 'patterns' | 'test_size' | 'tests';

export const VALIDATOR_NAMES: readonly ValidatorName[] = ['agent', 'paths', 'limits', 'secrets', 'imports', 'symbols', 'patterns', 'test_size', 'tests'];

export interface Finding {
  validator: ValidatorName;
  /** Which rule inside the validator: `denied_import`, `wall_time`, `outside_allowed_paths`, … */
  rule: string;
  severity: 'stop' | 'warn';
  message: string;
  file?: string;
  line?: number;
  /** The pattern, glob or module that matched. */
  pattern?: string;
  /** The offending text (one line, trimmed, secrets redacted), or command output. */
  evidence?: string;
}

export interface ValidationInput {
  changes: ChangeSet;
  config: ValidatorsConfig;
  allowedPaths: readonly string[];
  limits: LimitsConfig;
  /** Bytes the worktree grew by during the attempt. */
  diskGrowth: number;
  /** The exact values of every secret the configuration holds (knownSecretValues of the lane's environment). */
  secretValues: readonly string[];
  /** A changed file's text as the attempt left it (null: deleted, binary or not a regular file). */
  readCurrent(file: string): string | null;
  /** A changed file's text at the base commit (null: new). */
  readBase(file: string): Promise<string | null>;
}

export type Validator = (input: ValidationInput) => Finding[] | Promise<Finding[]>;
