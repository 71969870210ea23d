/**
 * Test-size sanity: a test file that shrank sharply (or was deleted) is the
 * classic way to make a failing suite pass; one that grew abnormally is a
 * generated blob nobody will review. Both are flagged.
 */
import { globMatcher } from '../glob.js';
import type { Finding, Validator } from './types.js';

function lineCount(text: string | null): number {
  if (text === null || text.length === 0) return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

export const validateTestSize: Validator = async (input) => {
  const cfg = input.config.testSize;
  const isTest = globMatcher(input.config.testFiles);
  const findings: Finding[] = [];
  for (const file of input.changes.files) {
    if (!isTest(file.path) || file.linesAdded === null) continue;
    const before = file.status === 'added' ? 0 : lineCount(await input.readBase(file.path));
    const after = file.status === 'deleted' ? 0 : lineCount(input.readCurrent(file.path));
    const finding = (rule: string, message: string): Finding => ({
      validator: 'test_size',
      rule,
      severity: cfg.action,
      message: `${file.path}: ${message}`,
      file: file.path,
      evidence: `${before} → ${after} lines`,
    });
    if (file.status === 'added') {
      if (after > cfg.maxNewLines) findings.push(finding('test_too_long', `new test file of ${after} lines (limit ${cfg.maxNewLines})`));
      continue;
    }
    if (Math.max(before, after) < cfg.minLines) continue;
    if (after < before * cfg.shrinkBelow) {
      findings.push(finding('test_shrank', file.status === 'deleted' ? `test file of ${before} lines deleted` : `test file shrank from ${before} to ${after} lines`));
    } else if (before > 0 && after > before * cfg.growAbove && after - before >= cfg.minLines) {
      findings.push(finding('test_grew', `test file grew from ${before} to ${after} lines (more than ×${cfg.growAbove})`));
    }
  }
  return findings;
};
