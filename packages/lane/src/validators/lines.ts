/** Regex rules over the lines an attempt added: shared by the symbols and patterns validators. */
import type { AddedLine } from '../changes.js';
import { excerpt, MAX_FINDINGS_PER_VALIDATOR } from './evidence.js';
import type { Finding, ValidationInput, ValidatorName } from './types.js';

export interface LineRule {
  /** Finding rule name. */
  rule: string;
  pattern: string;
  message: string;
}

export function scanAddedLines(
  input: ValidationInput,
  validator: ValidatorName,
  rules: readonly LineRule[],
  include: (file: string) => boolean = () => true,
): Finding[] {
  const compiled = rules.map((rule) => ({ ...rule, regex: new RegExp(rule.pattern) }));
  const findings: Finding[] = [];
  for (const [file, lines] of input.changes.added as Map<string, AddedLine[]>) {
    if (!include(file)) continue;
    for (const { line, text } of lines) {
      for (const rule of compiled) {
        if (!rule.regex.test(text)) continue;
        findings.push({ validator, rule: rule.rule, severity: 'stop', message: `${file}:${line}: ${rule.message}`, file, line, pattern: rule.pattern, evidence: excerpt(text) });
        if (findings.length >= MAX_FINDINGS_PER_VALIDATOR) return findings;
      }
    }
  }
  return findings;
}
