import { afterEach, describe, expect, it } from 'vitest';
import { clearRegisteredSecretValues, findSecrets, knownSecretValues, redactSecrets, redactSecretsDeep, registerSecretValues, secretValuesFromEnv } from '../src/index.js';

afterEach(() => clearRegisteredSecretValues());

describe('secrets', () => {
  it('knows configured values, credential-named variables and URL passwords, but not short values', () => {
    const values = secretValuesFromEnv({
      GITHUB_WEBHOOK_SECRET: 'whsec-0123456789abcdef',
      MY_SERVICE_TOKEN: 'svc-token-value-123',
      DATABASE_URL: 'postgres://app:p%40ss-word-99@db/x',
      SHORT_TOKEN: 'abc',
      PATH: '/usr/bin',
    });
    expect(values).toEqual(expect.arrayContaining(['whsec-0123456789abcdef', 'svc-token-value-123', 'p@ss-word-99']));
    expect(values).not.toContain('abc');
    expect(values).not.toContain('/usr/bin');
  });

  it('redacts by shape: fine-grained GitHub tokens, AWS keys, private keys', () => {
    const pat = `github_pat_${'A1b2'.repeat(20)}`;
    expect(redactSecrets(`token=${pat}`)).not.toContain('github_pat_');
    expect(redactSecrets('key AKIAIOSFODNN7EXAMPLE here')).toBe('key *** here');
    expect(redactSecrets('aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).not.toContain('wJalr');
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----';
    expect(redactSecrets(`x ${pem} y`)).toBe('x *** y');
  });

  it('redacts by value: a registered secret of any shape, longest first', () => {
    registerSecretValues(['plainsecretvalue', 'plainsecretvalue-longer']);
    expect(redactSecrets('a plainsecretvalue-longer b plainsecretvalue')).toBe('a *** b ***');
    expect(knownSecretValues()[0]).toBe('plainsecretvalue-longer');
  });

  it('finds overlapping matches once', () => {
    registerSecretValues(['ghp_abcdefghijklmnopqrstuvwxyz0123']);
    expect(findSecrets('x ghp_abcdefghijklmnopqrstuvwxyz0123 y')).toEqual([{ kind: 'configured_secret', index: 2, length: 34 }]);
  });

  it('redacts every string inside a JSON value', () => {
    registerSecretValues(['deep-secret-value']);
    expect(redactSecretsDeep({ a: ['deep-secret-value', 1], b: { c: 'x deep-secret-value' } })).toEqual({ a: ['***', 1], b: { c: 'x ***' } });
  });
});
