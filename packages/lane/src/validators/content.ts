/**
 * The lane's static content checks (imports, dangerous symbols, banned patterns, secrets)
 * on proposed whole-file contents rather than a worktree: what the `/ask` loop
 * runs on a model's edits before anything is pushed. Only lines the proposal adds
 * are judged, as in the lane.
 */
import { knownSecretValues } from '@agentlane/core';
import type { ChangeSet, ChangedFile } from '../changes.js';
import { DEFAULT_DENIED_IMPORTS, DEFAULT_LIMITS, DEFAULT_PROTECTED_PATHS, DEFAULT_SYMBOL_RULES, DEFAULT_TEST_FILE_GLOBS, DEFAULT_TEST_SIZE } from '../defaults.js';
import type { ValidatorsConfig } from '../lane-file.js';
import { validateImports } from './imports.js';
import { validatePatterns } from './patterns.js';
import { validateSecrets } from './secrets.js';
import { validateSymbols } from './symbols.js';
import type { Finding } from './types.js';

export interface ProposedFile {
  path: string;
  /** The whole new content; null deletes the file. */
  content: string | null;
}

export function defaultValidatorsConfig(): ValidatorsConfig {
  return {
    imports: { deny: [...DEFAULT_DENIED_IMPORTS], allow: null },
    symbols: [...DEFAULT_SYMBOL_RULES],
    bannedPatterns: [],
    protectedPaths: [...DEFAULT_PROTECTED_PATHS],
    testFiles: [...DEFAULT_TEST_FILE_GLOBS],
    testSize: { ...DEFAULT_TEST_SIZE },
  };
}

const linesOf = (text: string | null) => (text === null || text === '' ? [] : text.replace(/\n$/, '').split('\n'));

/** Lines of `after` not matched in `before` (in order), with their 1-based numbers. */
function addedLines(before: string | null, after: string | null): { line: number; text: string }[] {
  const remaining = new Map<string, number>();
  for (const line of linesOf(before)) remaining.set(line, (remaining.get(line) ?? 0) + 1);
  const added: { line: number; text: string }[] = [];
  linesOf(after).forEach((text, i) => {
    const left = remaining.get(text) ?? 0;
    if (left > 0) remaining.set(text, left - 1);
    else added.push({ line: i + 1, text });
  });
  return added;
}

export async function validateProposedFiles(
  files: readonly ProposedFile[],
  readBase: (file: string) => Promise<string | null>,
  config: ValidatorsConfig = defaultValidatorsConfig(),
): Promise<Finding[]> {
  const current = new Map(files.map((f) => [f.path, f.content]));
  const changed: ChangedFile[] = [];
  const added = new Map<string, { line: number; text: string }[]>();
  let linesAdded = 0;
  let linesDeleted = 0;
  for (const file of files) {
    const before = await readBase(file.path);
    const lines = addedLines(before, file.content);
    const deleted = linesOf(before).length - (linesOf(file.content).length - lines.length);
    added.set(file.path, lines);
    linesAdded += lines.length;
    linesDeleted += deleted;
    changed.push({
      path: file.path,
      status: file.content === null ? 'deleted' : before === null ? 'added' : 'modified',
      oldMode: before === null ? '000000' : '100644',
      newMode: file.content === null ? '000000' : '100644',
      linesAdded: lines.length,
      linesDeleted: deleted,
    });
  }
  const changes: ChangeSet = {
    base: 'proposal',
    tree: 'proposal',
    files: changed,
    added,
    linesAdded,
    linesDeleted,
    filesCreated: changed.filter((f) => f.status === 'added').length,
    diff: '',
    stat: '',
  };
  const input = {
    changes,
    config,
    allowedPaths: ['**'],
    limits: { ...DEFAULT_LIMITS },
    diskGrowth: 0,
    secretValues: knownSecretValues(),
    readCurrent: (file: string) => current.get(file) ?? null,
    readBase,
  };
  return [...(await validateImports(input)), ...(await validateSymbols(input)), ...(await validatePatterns(input)), ...(await validateSecrets(input))].filter((f) => f.severity === 'stop');
}
