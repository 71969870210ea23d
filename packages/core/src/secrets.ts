/**
 * What agentlane treats as a secret, in one place: token *shapes* (GitHub, Anthropic,
 * OpenAI, AWS, Slack, private-key blocks, credentials in URLs) and the *values* of every
 * secret the configuration holds. `redactSecrets` masks both; the lane's secrets
 * validator finds both in agent output. Values are known from the environment
 * (the variables named in SECRET_ENV_NAMES, any `*_TOKEN`/`*_SECRET`/`*_KEY`/`*PASSWORD*`
 * variable, passwords inside connection URLs) and from `registerSecretValues` (keys
 * fetched from a vault at run time).
 */

/** Configuration variables whose whole value is a secret. */
export const SECRET_ENV_NAMES = [
  'AGENTLANE_API_TOKEN',
  'GITHUB_TOKEN',
  'GITHUB_APP_PRIVATE_KEY',
  'GITHUB_WEBHOOK_SECRET',
  'ANTHROPIC_API_KEY',
  'OPENAI_API_KEY',
  'NEO4J_PASSWORD',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
] as const;

/** Variables holding a URL whose password part is a secret. */
const URL_ENV_NAMES = ['DATABASE_URL', 'REDIS_URL', 'NEO4J_URI'] as const;

/** Any other variable named like a credential is treated as one. */
const SECRET_NAME_PATTERN = /(^|_)(TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY|ACCESS_KEY)(_|$)/i;

/** Shorter values are not redacted by value: they would mask ordinary words. */
export const MIN_SECRET_VALUE_LENGTH = 8;

export interface SecretShape {
  /** Stable name of the kind of secret (`github_token`, `aws_access_key_id`, …). */
  kind: string;
  pattern: RegExp;
}

/** Token shapes, most specific first. Every pattern is global and matches the secret alone. */
export const SECRET_SHAPES: readonly SecretShape[] = [
  { kind: 'private_key', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g },
  { kind: 'github_fine_grained_token', pattern: /\bgithub_pat_[A-Za-z0-9_]{22,}/g },
  { kind: 'github_token', pattern: /\bgh[pousr]_[A-Za-z0-9]{20,}/g },
  { kind: 'anthropic_key', pattern: /\bsk-ant-[A-Za-z0-9_-]{16,}/g },
  { kind: 'openai_key', pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}/g },
  { kind: 'aws_access_key_id', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g },
  { kind: 'aws_secret_access_key', pattern: /(?<=aws_?secret_?access_?key["']?\s*[:=]\s*["']?)[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/gi },
  { kind: 'slack_token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { kind: 'google_api_key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { kind: 'stripe_key', pattern: /\b[rs]k_live_[0-9A-Za-z]{16,}/g },
];

const registered = new Set<string>();
/** Bumped whenever `registered` changes, so the merged list is rebuilt only then. */
let registeredVersion = 0;
let cache: { env: NodeJS.ProcessEnv; snapshot: string; version: number; values: string[] } | undefined;

function addValue(values: Set<string>, value: string | undefined): void {
  if (value === undefined) return;
  const trimmed = value.trim();
  if (trimmed.length >= MIN_SECRET_VALUE_LENGTH) values.add(trimmed);
}

function urlPassword(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const password = new URL(value).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/** The secret values an environment holds (configured secrets, credential-named variables, URL passwords). */
export function secretValuesFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const values = new Set<string>();
  for (const name of SECRET_ENV_NAMES) addValue(values, env[name]);
  for (const name of URL_ENV_NAMES) addValue(values, urlPassword(env[name]));
  for (const [name, value] of Object.entries(env)) {
    if (SECRET_NAME_PATTERN.test(name)) addValue(values, value);
  }
  return [...values];
}

/** Values learnt at run time (a key read from the vault, a token minted for an installation). */
export function registerSecretValues(values: Iterable<string | undefined>): void {
  const before = registered.size;
  for (const value of values) addValue(registered, value);
  if (registered.size !== before) registeredVersion += 1;
}

/** Forget registered values (tests). */
export function clearRegisteredSecretValues(): void {
  registered.clear();
  registeredVersion += 1;
}

function envSnapshot(env: NodeJS.ProcessEnv): string {
  let snapshot = '';
  for (const name of SECRET_ENV_NAMES) snapshot += `${env[name] ?? ''}\0`;
  for (const name of URL_ENV_NAMES) snapshot += `${env[name] ?? ''}\0`;
  return snapshot;
}

/**
 * Every secret value known now, longest first (so a secret containing another is
 * masked whole). Recomputed only when a configured variable or the registered set
 * changed; credential-named variables added to the environment later are seen with
 * the next change of a configured one.
 */
export function knownSecretValues(env: NodeJS.ProcessEnv = process.env): string[] {
  const snapshot = envSnapshot(env);
  if (!cache || cache.env !== env || cache.snapshot !== snapshot || cache.version !== registeredVersion) {
    const all = new Set([...secretValuesFromEnv(env), ...registered]);
    cache = { env, snapshot, version: registeredVersion, values: [...all].sort((a, b) => b.length - a.length) };
  }
  return cache.values;
}

export interface SecretMatch {
  /** A shape's kind, or `configured_secret` for a value the configuration holds. */
  kind: string;
  index: number;
  length: number;
}

/** Where secrets stand in `text`: shapes and known values, overlapping matches merged to the first. */
export function findSecrets(text: string, values: readonly string[] = knownSecretValues()): SecretMatch[] {
  const matches: SecretMatch[] = [];
  for (const value of values) {
    let from = 0;
    for (;;) {
      const index = text.indexOf(value, from);
      if (index < 0) break;
      matches.push({ kind: 'configured_secret', index, length: value.length });
      from = index + value.length;
    }
  }
  for (const { kind, pattern } of SECRET_SHAPES) {
    pattern.lastIndex = 0;
    for (const match of text.matchAll(pattern)) {
      if (match[0].length > 0) matches.push({ kind, index: match.index ?? 0, length: match[0].length });
    }
  }
  matches.sort((a, b) => a.index - b.index || b.length - a.length);
  const merged: SecretMatch[] = [];
  for (const match of matches) {
    const last = merged[merged.length - 1];
    if (last && match.index < last.index + last.length) {
      last.length = Math.max(last.length, match.index + match.length - last.index);
      continue;
    }
    merged.push({ ...match });
  }
  return merged;
}

/**
 * Strip credentials from text before it can reach a log, a record, a report or an
 * error message: every known secret value, every token shape, passwords in
 * connection URLs and bearer/token values.
 */
export function redactSecrets(text: string): string {
  const values = knownSecretValues();
  let out = text;
  const found = findSecrets(out, values);
  for (let i = found.length - 1; i >= 0; i--) {
    const { index, length } = found[i] as SecretMatch;
    out = `${out.slice(0, index)}***${out.slice(index + length)}`;
  }
  return out
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/[^:/?#\s@]*):[^@/\s]*@/gi, '$1:***@')
    // A credential after "bearer"/"token": 8+ characters with a digit, so prose like "bearer token." survives.
    .replace(/\b(bearer|token)\s+(?=[A-Za-z0-9._~+/-]*\d)[A-Za-z0-9._~+/-]{8,}=*/gi, '$1 ***');
}

/** `redactSecrets` applied to every string inside a JSON-like value (objects, arrays); other values pass. */
export function redactSecretsDeep<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map((item) => redactSecretsDeep(item)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = redactSecretsDeep(item);
    return out as T;
  }
  return value;
}
