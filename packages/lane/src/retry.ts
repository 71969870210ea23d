/**
 * One retry: the failure of the first attempt, summarised (validator findings
 * with their evidence, the end of the failing test output), goes back to the
 * agent as an extra instruction. A second failure ends the microtask.
 */
import { redactSecrets } from '@agentlane/core';
import type { Finding } from './validators/types.js';

/** Attempts per microtask: the first, and one retry. */
export const MAX_ATTEMPTS = 2;

const MAX_LISTED = 12;

/**
 * Text handed to an agent and recorded: no secret, and no U+0000 (the instructions travel
 * in an environment variable, which cannot hold one: the retry could not even start).
 */
function handOver(text: string): string {
  const redacted = redactSecrets(text);
  return redacted.includes('\u0000') ? redacted.replaceAll('\u0000', '\uFFFD') : redacted;
}

export function failureSummary(findings: readonly Finding[], allowedPaths: readonly string[]): string {
  const stops = findings.filter((f) => f.severity === 'stop');
  const lines = ['The previous attempt was rolled back: nothing of it was kept. It was stopped by these checks:'];
  for (const f of stops.slice(0, MAX_LISTED)) {
    const where = f.file ? ` (${f.file}${f.line ? `:${f.line}` : ''})` : '';
    lines.push(`- [${f.validator}/${f.rule}] ${f.message}${where}`);
    if (f.evidence && f.validator !== 'tests') lines.push(`  evidence: ${f.evidence}`);
  }
  if (stops.length > MAX_LISTED) lines.push(`- … and ${stops.length - MAX_LISTED} more`);
  const test = stops.find((f) => f.validator === 'tests' && f.evidence);
  if (test?.evidence) lines.push('', 'End of the test output:', '```', test.evidence, '```');
  lines.push('', `Fix these problems and try again. Change only files matching: ${allowedPaths.join(', ')}.`);
  // The summary is recorded (attempt_finished, lane.attempts) and handed back to the agent.
  return handOver(lines.join('\n'));
}

/** The instructions of attempt 2: the original ones, then the failure summary. */
export function retryInstructions(instructions: string, summary: string): string {
  return handOver(`${instructions.trimEnd()}\n\n## Previous attempt failed\n\n${summary}\n`);
}

/**
 * What an attempt's agent is told (and what is written to its instructions.md, a record):
 * the task's instructions, with the previous failure's summary on a retry. Never a secret.
 */
export function attemptInstructions(instructions: string, retryContext: string | null): string {
  return retryContext === null ? handOver(instructions) : retryInstructions(instructions, retryContext);
}
