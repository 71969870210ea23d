/**
 * Secrets a hostile test plants in the configuration (environment) and in agent
 * output, to check that no record keeps any of them. Values, not only shapes: the
 * webhook secret and the API token have no token shape.
 */
import { afterAll, beforeAll } from 'vitest';

export const CONFIGURED_SECRETS = {
  GITHUB_WEBHOOK_SECRET: 'whsec-plain-webhook-value-4711',
  AGENTLANE_API_TOKEN: 'agentlane-api-token-value-0815',
  GITHUB_TOKEN: 'github_pat_11AAAAAAA0abcdefghijklmn_opqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcd',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
} as const;

/** A fine-grained token nobody configured: redacted by its shape alone. */
export const UNCONFIGURED_TOKEN = 'github_pat_11ZZZZZZZ0zyxwvutsrqponm_lkjihgfedcbaZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxw';

export const ALL_SECRETS: readonly string[] = [...Object.values(CONFIGURED_SECRETS), UNCONFIGURED_TOKEN];

/** One line that quotes every secret, the way an agent's output or an error message might. */
export const LEAKY_TEXT = ALL_SECRETS.map((s, i) => `secret${i}=${s}`).join(' ');

/** Set the configured secrets in process.env for the suite, restore afterwards. */
export function useConfiguredSecrets(): void {
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const [name, value] of Object.entries(CONFIGURED_SECRETS)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
  });
  afterAll(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}

/** Every secret found in `text` (for files: JSONL buffers, summaries, instructions). */
export function secretsIn(text: string): string[] {
  return ALL_SECRETS.filter((s) => text.includes(s));
}
