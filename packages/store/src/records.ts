/**
 * The write boundary of records. A record is what happened (lane and engine events,
 * task outputs and errors, attempts, artifacts, summaries): text that agents, tools
 * and LLMs produced, which may quote a credential they saw. `redactingSql(sql)` is the
 * handle records are written through: every string parameter (also inside arrays, and
 * inside JSON text for jsonb columns) and every COPY payload passes through
 * `redactSecrets` (@agentlane/core), which masks every secret value the configuration
 * holds and every token shape. One wrapper, so a new table or a new column of a record
 * store is covered without anyone remembering to redact it.
 *
 * Not every write is a record: the knowledge graph stores code as it is, a vault stores
 * ciphertext. Those keep the plain handle. Lookups through this handle are redacted the
 * same way as writes, so a key that was stored redacted is still found.
 */
import { knownSecretValues, MIN_SECRET_VALUE_LENGTH, redactSecrets, redactSecretsDeep, SECRET_SHAPES } from '@agentlane/core';
import type { Sql } from './sql.js';

const REDACTING = Symbol('agentlane.redactingSql');

function startsLikeJsonContainer(text: string): boolean {
  const first = text.trimStart()[0];
  return first === '{' || first === '[';
}

const BEARER_OR_TOKEN = /\b(?:bearer|token)\s/i;

/**
 * Whether `redactSecrets` would change `text`: a known value or a token shape
 * (SECRET_SHAPES, the one definition), a URL with credentials, or a bearer/token word.
 * A conservative, cheaper check than `findSecrets` (no match objects, no regex clones; the
 * secret values are looked up once per statement): almost every value of a record has
 * nothing to mask, and the engine writes many.
 */
function mayHoldSecret(text: string, values: readonly string[]): boolean {
  for (const value of values) if (text.includes(value)) return true;
  for (const { pattern } of SECRET_SHAPES) {
    pattern.lastIndex = 0;
    const hit = pattern.test(text);
    pattern.lastIndex = 0;
    if (hit) return true;
  }
  return (text.includes('://') && text.includes('@')) || BEARER_OR_TOKEN.test(text);
}

/** One text value of a record with its secrets masked; JSON text stays valid JSON. */
export function redactRecordText(text: string, values: readonly string[] = knownSecretValues()): string {
  if (text.length < MIN_SECRET_VALUE_LENGTH || !mayHoldSecret(text, values)) return text;
  const redacted = redactSecrets(text);
  if (redacted === text) return text;
  if (startsLikeJsonContainer(text)) {
    // Masking inside the encoded text could cut through quotes or escapes: decode, mask each string, encode.
    try {
      return JSON.stringify(redactSecretsDeep(JSON.parse(text) as unknown));
    } catch {
      // not JSON after all: the plain-text redaction holds
    }
  }
  return redacted;
}

function redactParam(value: unknown, values: readonly string[]): unknown {
  if (typeof value === 'string') return redactRecordText(value, values);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i += 1) {
      const item: unknown = value[i];
      const clean = redactParam(item, values);
      if (clean !== item) {
        copy ??= [...value];
        copy[i] = clean;
      }
    }
    return copy ?? value;
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return redactSecretsDeep(value);
  }
  return value;
}

/** A statement parameter of a record with its secrets masked; the same value when there was nothing to mask. */
export function redactRecordParam(value: unknown): unknown {
  return redactParam(value, knownSecretValues());
}

class RedactingSql implements Sql {
  readonly [REDACTING] = true;
  readonly dialect: Sql['dialect'];

  constructor(private readonly inner: Sql) {
    this.dialect = inner.dialect;
  }

  query: Sql['query'] = (text, params) => this.inner.query(text, params === undefined ? params : (redactRecordParam(params) as unknown[]));
  exec: Sql['exec'] = (text) => this.inner.exec(text);
  copyFrom: Sql['copyFrom'] = (table, columns, csv) => this.inner.copyFrom(table, columns, redactSecrets(csv));
  transaction: Sql['transaction'] = (fn) => this.inner.transaction((tx) => fn(redactingSql(tx)));
  close: Sql['close'] = () => this.inner.close();
}

/** `sql` as a record writer: the same database, every written value redacted. Wrapping twice is a no-op. */
export function redactingSql(sql: Sql): Sql {
  return (sql as Partial<Record<typeof REDACTING, boolean>>)[REDACTING] ? sql : new RedactingSql(sql);
}
