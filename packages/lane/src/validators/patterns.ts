/** The lane file's banned patterns, on the added lines of every changed file. */
import { scanAddedLines } from './lines.js';
import type { Validator } from './types.js';

export const validatePatterns: Validator = (input) =>
  scanAddedLines(
    input,
    'patterns',
    input.config.bannedPatterns.map((p) => ({ rule: 'banned_pattern', pattern: p.pattern, message: p.message })),
  );
