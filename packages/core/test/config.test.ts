import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentlaneError, configSchema, homeFor, loadConfig } from '../src/index.js';

const readme = fs.readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('loadConfig', () => {
  it('has working embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config.databaseUrl).toBeUndefined();
    expect(config.home).toBeUndefined();
    expect(config.logLevel).toBe('info');
    expect(config.kg.maxFileBytes).toBe(1024 * 1024);
    expect(config.kg.workers).toBeGreaterThanOrEqual(1);
    expect(homeFor(config, '/repo')).toBe(path.join('/repo', '.agentlane'));
  });

  it('reads and coerces every variable', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u@h:5432/db',
      AGENTLANE_HOME: 'state',
      LOG_LEVEL: 'debug',
      KG_MAX_FILE_BYTES: '2048',
      KG_WORKERS: '3',
      KG_PRECISE: 'yes',
      KG_PRECISE_BUDGET_MS: '5000',
    });
    expect(config.databaseUrl).toBe('postgres://u@h:5432/db');
    expect(config.home).toBe(path.resolve('state'));
    expect(config.logLevel).toBe('debug');
    expect(config.kg).toEqual({ maxFileBytes: 2048, workers: 3, precise: true, preciseBudgetMs: 5000 });
    expect(loadConfig({}).kg).toMatchObject({ precise: false, preciseBudgetMs: 120_000 });
    expect(homeFor(config, '/repo')).toBe(path.resolve('state'));
  });

  it('reads Neo4j settings only when NEO4J_URI is a bolt or neo4j URI', () => {
    expect(loadConfig({}).neo4j).toBeUndefined();
    expect(loadConfig({ NEO4J_URI: 'neo4j+s://db.example:7687', NEO4J_USERNAME: 'neo4j', NEO4J_PASSWORD: 'pw' }).neo4j).toEqual({
      uri: 'neo4j+s://db.example:7687',
      username: 'neo4j',
      password: 'pw',
    });
    expect(() => loadConfig({ NEO4J_URI: 'http://db:7474' })).toThrow(/NEO4J_URI/);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', LOG_LEVEL: '' }).databaseUrl).toBeUndefined();
  });

  it('rejects bad values with CONFIG_INVALID naming each variable', () => {
    let error: unknown;
    try {
      loadConfig({ LOG_LEVEL: 'loud', KG_WORKERS: '0', DATABASE_URL: 'not a url' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AgentlaneError);
    expect((error as AgentlaneError).code).toBe('CONFIG_INVALID');
    for (const name of ['LOG_LEVEL', 'KG_WORKERS', 'DATABASE_URL']) expect((error as Error).message).toContain(name);
  });

  it('reads AGENTLANE_LOCAL_PERMISSIONS as login=permission pairs; unset means nobody', () => {
    expect(loadConfig({}).gitops.localPermissions).toEqual({});
    expect(loadConfig({ AGENTLANE_LOCAL_PERMISSIONS: ' alice=write, bob = read,carol=admin,' }).gitops.localPermissions).toEqual({ alice: 'write', bob: 'read', carol: 'admin' });
  });

  it('rejects a malformed AGENTLANE_LOCAL_PERMISSIONS with CONFIG_INVALID naming every bad entry', () => {
    for (const [value, problem] of [
      ['alice', '"alice" is not login=permission'],
      ['alice=owner', '"owner" (for alice) is not a permission'],
      ['alice=write,Alice=read', 'Alice is listed twice'],
      ['-x=write', '"-x" is not a login'],
      ['a=b=c', 'is not login=permission'],
    ] as const) {
      let error: unknown;
      try {
        loadConfig({ AGENTLANE_LOCAL_PERMISSIONS: value });
      } catch (e) {
        error = e;
      }
      expect((error as AgentlaneError | undefined)?.code, value).toBe('CONFIG_INVALID');
      expect((error as Error).message, value).toContain('AGENTLANE_LOCAL_PERMISSIONS');
      expect((error as Error).message, value).toContain(problem);
    }
  });

  it('documents every variable of the schema in the README', () => {
    const missing = Object.keys(configSchema.shape).filter((name) => !readme.includes(`| \`${name}\` |`));
    expect(missing).toEqual([]);
  });
});

describe('engine_v2 configuration', () => {
  it('defaults to off, shadow, allowlist-only, inline', () => {
    const config = loadConfig({});
    expect(config.redisUrl).toBeUndefined();
    expect(config.engine).toMatchObject({ enabled: false, mode: 'shadow', allowlistOnly: true, allowlist: [], workers: 3, leaseMs: 10_000, queuePrefix: 'agentlane' });
    expect(path.isAbsolute(config.engine.stagingDir)).toBe(true);
  });

  it('parses the flag, the mode and the allowlist as the seed does', () => {
    const config = loadConfig({
      ENGINE_V2_ENABLED: 'true',
      ENGINE_V2_MODE: 'live',
      ENGINE_V2_ALLOWLIST_ONLY: 'FALSE',
      ENGINE_V2_ALLOWLIST: 'a@example.com, ,u-1,',
      REDIS_URL: 'redis://127.0.0.1:6379',
      ENGINE_V2_LEASE_MS: '3000',
    });
    expect(config.engine).toMatchObject({ enabled: true, mode: 'live', allowlistOnly: false, allowlist: ['a@example.com', 'u-1'], leaseMs: 3000 });
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
  });

  it('rejects values that are not booleans, modes or redis URLs', () => {
    expect(() => loadConfig({ ENGINE_V2_ENABLED: 'maybe' })).toThrow(/ENGINE_V2_ENABLED/);
    expect(() => loadConfig({ ENGINE_V2_MODE: 'on' })).toThrow(/ENGINE_V2_MODE/);
    expect(() => loadConfig({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
    expect(() => loadConfig({ ENGINE_V2_LEASE_MS: '10' })).toThrow(/ENGINE_V2_LEASE_MS/);
  });
});
