/**
 * Secrets in what the agent added: every added line of every changed file is
 * searched for known token shapes (GitHub, Anthropic, OpenAI, AWS, Slack,
 * private-key blocks, … — @agentlane/core's SECRET_SHAPES) and for the exact
 * value of every secret the lane's configuration holds; new files are also
 * searched for high-entropy strings (a key in an unknown shape). A hit stops the
 * attempt. The evidence names the file, the line and the kind, and shows the line
 * with the secret replaced: it never prints the secret.
 */
import { findSecrets, type SecretMatch } from '@agentlane/core';
import { MAX_FINDINGS_PER_VALIDATOR } from './evidence.js';
import type { Finding, Validator } from './types.js';

/** A candidate token: a run of base64/base64url/hex characters at least this long. */
export const HIGH_ENTROPY_MIN_LENGTH = 32;
/** Shannon entropy (bits per character) from which such a run counts as a secret. */
export const HIGH_ENTROPY_BITS_PER_CHAR = 4.2;

const TOKEN = new RegExp(`[A-Za-z0-9+/_=-]{${HIGH_ENTROPY_MIN_LENGTH},}`, 'g');

/** Bits per character of `text`'s own character distribution. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * High-entropy runs of `line`: long, mixing upper case, lower case and digits,
 * and close to random. Subresource-integrity hashes (`sha512-…`, lockfiles) are
 * digests, not secrets, and are left alone.
 */
export function highEntropyStrings(line: string): SecretMatch[] {
  const found: SecretMatch[] = [];
  for (const match of line.matchAll(TOKEN)) {
    const token = match[0].replace(/^[=_/+-]+|[=_/+-]+$/g, '');
    const index = (match.index ?? 0) + match[0].indexOf(token);
    if (token.length < HIGH_ENTROPY_MIN_LENGTH) continue;
    if (/^sha(?:1|256|384|512)-/.test(token) || /sha(?:1|256|384|512)-$/.test(line.slice(0, index))) continue;
    if (!/[A-Z]/.test(token) || !/[a-z]/.test(token) || !/[0-9]/.test(token)) continue;
    if (shannonEntropy(token) < HIGH_ENTROPY_BITS_PER_CHAR) continue;
    found.push({ kind: 'high_entropy_string', index, length: token.length });
  }
  return found;
}

/** The line with every match replaced by `[<kind>, <n> chars]`, trimmed to `max` characters. */
export function maskedLine(line: string, matches: readonly SecretMatch[], max = 160): string {
  let out = '';
  let at = 0;
  for (const m of [...matches].sort((a, b) => a.index - b.index)) {
    if (m.index < at) continue;
    out += `${line.slice(at, m.index)}[${m.kind}, ${m.length} chars]`;
    at = m.index + m.length;
  }
  out = `${out}${line.slice(at)}`.trim();
  // Cut only outside a mask, so no part of a secret is shown.
  return out.length > max ? `${out.slice(0, max)}…` : out;
}

export const validateSecrets: Validator = (input) => {
  const findings: Finding[] = [];
  const values = input.secretValues;
  const newFiles = new Set(input.changes.files.filter((f) => f.status === 'added').map((f) => f.path));
  for (const [file, lines] of input.changes.added) {
    for (const { line, text } of lines) {
      let matches = findSecrets(text, values);
      if (newFiles.has(file)) {
        const shaped = matches;
        matches = [...shaped, ...highEntropyStrings(text).filter((h) => !shaped.some((s) => h.index < s.index + s.length && s.index < h.index + h.length))];
      }
      if (matches.length === 0) continue;
      const kinds = [...new Set(matches.map((m) => m.kind))];
      findings.push({
        validator: 'secrets',
        rule: kinds.includes('configured_secret') ? 'configured_secret' : kinds.includes('high_entropy_string') && kinds.length === 1 ? 'high_entropy_string' : 'secret_shape',
        severity: 'stop',
        message: `${file}:${line} adds what looks like a secret (${kinds.join(', ')}); secrets never go into the repository`,
        file,
        line,
        pattern: kinds.join(', '),
        evidence: maskedLine(text, matches),
      });
      if (findings.length >= MAX_FINDINGS_PER_VALIDATOR) return findings;
    }
  }
  return findings;
};
