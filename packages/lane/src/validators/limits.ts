/**
 * Resource limits of one attempt: changed lines, files created, disk growth.
 * Wall time is enforced while the agent runs (it is killed) and reported by
 * `wallTimeFinding`.
 */
import type { Finding, Validator } from './types.js';

const MiB = 1024 * 1024;

export const validateLimits: Validator = (input) => {
  const { changes, limits } = input;
  const findings: Finding[] = [];
  const changed = changes.linesAdded + changes.linesDeleted;
  if (changed > limits.changedLines) {
    findings.push({
      validator: 'limits',
      rule: 'changed_lines',
      severity: 'stop',
      message: `${changed} lines changed (+${changes.linesAdded} −${changes.linesDeleted}); the limit is ${limits.changedLines}`,
      evidence: changes.files.map((f) => `${f.path} +${f.linesAdded ?? '?'} −${f.linesDeleted ?? '?'}`).slice(0, 10).join(', '),
    });
  }
  if (changes.filesCreated > limits.filesCreated) {
    findings.push({
      validator: 'limits',
      rule: 'files_created',
      severity: 'stop',
      message: `${changes.filesCreated} files created; the limit is ${limits.filesCreated}`,
      evidence: changes.files.filter((f) => f.status === 'added').map((f) => f.path).slice(0, 10).join(', '),
    });
  }
  if (input.diskGrowth > limits.diskBytes) {
    findings.push({
      validator: 'limits',
      rule: 'disk',
      severity: 'stop',
      message: `the worktree grew by ${(input.diskGrowth / MiB).toFixed(1)} MiB; the limit is ${(limits.diskBytes / MiB).toFixed(1)} MiB`,
    });
  }
  return findings;
};

export function wallTimeFinding(limitMs: number, elapsedMs: number): Finding {
  return {
    validator: 'limits',
    rule: 'wall_time',
    severity: 'stop',
    message: `the agent ran out of its ${limitMs / 1000} s wall time and was killed (after ${(elapsedMs / 1000).toFixed(1)} s)`,
  };
}
