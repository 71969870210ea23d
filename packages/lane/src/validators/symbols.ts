/**
 * Dangerous symbols (eval, exec, rm -rf, ~/.ssh, the whole process.env, …) on
 * the added lines of changed code files. Prose (Markdown, plain text) is not
 * executed and is left to the banned patterns.
 */
import { scanAddedLines } from './lines.js';
import type { Validator } from './types.js';

const PROSE = /\.(md|markdown|txt|rst|adoc)$/i;

export const validateSymbols: Validator = (input) =>
  scanAddedLines(
    input,
    'symbols',
    input.config.symbols.map((s) => ({ rule: s.name, pattern: s.pattern, message: `dangerous symbol: ${s.name}` })),
    (file) => !PROSE.test(file),
  );
