import { AgentlaneError } from '@agentlane/core';

/**
 * The `/ask` grammar, one line of an issue comment:
 *
 *   /ask <cell> <action> [args...] [--plan-only]
 *
 * `cell` is kebab-case, `action` snake_case; args are words, "double-quoted" or
 * 'single-quoted' strings (no escapes but \" and \\ inside double quotes), and
 * `key=value` pairs. The text is data from here on: it is never given to a shell.
 */
export interface AskCommand {
  cell: string;
  action: string;
  /** Positional arguments, in order. */
  args: string[];
  /** `key=value` arguments. */
  options: Record<string, string>;
  planOnly: boolean;
  /** The command line as written (trimmed). */
  line: string;
}

export const MAX_ASK_LENGTH = 2_000;
const CELL = /^[a-z0-9][a-z0-9-]{0,62}$/;
const ACTION = /^[a-z][a-z0-9_]{0,62}$/;
const OPTION = /^([a-z][a-z0-9_]{0,62})=([\s\S]*)$/;

const invalid = (message: string, details: Record<string, unknown> = {}): never => {
  throw new AgentlaneError('ASK_INVALID', message, { details });
};

/** Split a command line into words, honouring quotes. */
export function tokenize(line: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i += 1) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = null;
      else if (quote === '"' && c === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) current += line[++i];
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote) invalid(`unterminated ${quote === '"' ? 'double' : 'single'} quote`);
  if (inWord) words.push(current);
  return words;
}

/** The first `/ask` line of a comment, or null when the comment asks nothing. */
export function findAskLine(body: string): string | null {
  for (const raw of body.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '/ask' || line.startsWith('/ask ') || line.startsWith('/ask\t')) return line;
  }
  return null;
}

export function parseAsk(line: string): AskCommand {
  const text = line.trim();
  if (text.length > MAX_ASK_LENGTH) invalid(`an /ask line is at most ${MAX_ASK_LENGTH} characters`, { length: text.length });
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) invalid('an /ask line must not contain control characters');
  const words = tokenize(text);
  if (words[0] !== '/ask') invalid('an /ask command starts with /ask');
  const planOnly = words.includes('--plan-only');
  const rest = words.slice(1).filter((word) => word !== '--plan-only');
  const [cell, action, ...args] = rest;
  if (cell === undefined || action === undefined) invalid('usage: /ask <cell> <action> [args] [--plan-only]');
  if (!CELL.test(cell as string)) invalid(`not a cell key: ${JSON.stringify(cell)} (kebab-case)`, { cell });
  if (!ACTION.test(action as string)) invalid(`not an action: ${JSON.stringify(action)} (snake_case)`, { action });
  const positional: string[] = [];
  const options: Record<string, string> = {};
  for (const arg of args) {
    if (arg.startsWith('--')) invalid(`unknown flag ${JSON.stringify(arg)} (only --plan-only)`, { flag: arg });
    const option = OPTION.exec(arg);
    if (option) options[option[1] as string] = option[2] as string;
    else positional.push(arg);
  }
  return { cell: cell as string, action: action as string, args: positional, options, planOnly, line: text };
}
