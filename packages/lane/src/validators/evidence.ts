import { redactSecrets } from '@agentlane/core';

/** One line of evidence: trimmed, at most `max` characters, secrets redacted. */
export function excerpt(text: string, max = 200): string {
  const line = text.trim();
  return redactSecrets(line.length > max ? `${line.slice(0, max)}…` : line);
}

/** The end of a command's output: the last `lines` lines, at most `chars` characters, secrets redacted. */
export function outputTail(text: string, lines = 40, chars = 3000): string {
  let tail = text.replace(/\s+$/, '').split('\n').slice(-lines).join('\n');
  if (tail.length > chars) tail = `…${tail.slice(tail.length - chars)}`;
  return redactSecrets(tail);
}

/** At most this many findings per validator and attempt: evidence, not a flood. */
export const MAX_FINDINGS_PER_VALIDATOR = 20;
