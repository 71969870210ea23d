import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AgentlaneError, ERROR_CODES, EXIT_CODES, coerceError, configSchema, redactSecrets, type ErrorCode } from '../src/index.js';

const readme = fs.readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('error catalogue', () => {
  it('documents every code in the README', () => {
    const missing = Object.keys(ERROR_CODES).filter((code) => !readme.includes(`| \`${code}\` |`));
    expect(missing).toEqual([]);
  });

  it('documents no code that does not exist', () => {
    const documented = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
    const known = new Set([...Object.keys(ERROR_CODES), ...configVariables()]);
    expect(documented.filter((code) => !known.has(code as string))).toEqual([]);
  });

  it('carries code, details, cause and an exit code', () => {
    const cause = new Error('low level');
    const error = new AgentlaneError('KG_GATE_FAILED', 'gates failed', { cause, details: { failed: ['ts.params'] } });
    expect(error.code).toBe('KG_GATE_FAILED');
    expect(error.cause).toBe(cause);
    expect(error.exitCode).toBe(EXIT_CODES.failed);
    expect(error.toJSON()).toEqual({ code: 'KG_GATE_FAILED', message: 'gates failed', details: { failed: ['ts.params'] } });
    expect(new AgentlaneError('CLI_USAGE').exitCode).toBe(EXIT_CODES.usage);
    expect(new AgentlaneError('DB_CONNECT_FAILED').exitCode).toBe(EXIT_CODES.environment);
    expect(new AgentlaneError('INTERNAL').exitCode).toBe(EXIT_CODES.internal);
  });

  it('uses the catalogue message by default', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      expect(new AgentlaneError(code).message).toBe(ERROR_CODES[code]);
    }
  });

  it('coerces anything thrown, keeping the original as cause', () => {
    const original = new TypeError('bad');
    const coerced = coerceError(original);
    expect(coerced.code).toBe('INTERNAL');
    expect(coerced.cause).toBe(original);
    expect(coerceError('text', 'DB_QUERY_FAILED').message).toBe('text');
    const already = new AgentlaneError('KG_NO_INDEX');
    expect(coerceError(already)).toBe(already);
  });

  it('redacts credentials from messages', () => {
    expect(redactSecrets('connect postgres://app:s3cret@db:5432/x failed')).toBe('connect postgres://app:***@db:5432/x failed');
    expect(redactSecrets('Authorization: Bearer abc.def-123')).toBe('Authorization: Bearer ***');
    expect(redactSecrets('token ghp_abcdefghijklmnopqrstuvwxyz0123')).not.toContain('ghp_');
    expect(new AgentlaneError('DB_CONNECT_FAILED', 'at postgres://u:pw@h/db').message).not.toContain('pw@');
  });
});

/** The Configuration table shares the row format; its names come from the schema itself. */
function configVariables(): string[] {
  return Object.keys(configSchema.shape);
}
