import { describe, expect, it } from 'vitest';
import { loadConfig } from '@agentlane/core';
import { flagsFromConfig, routeFor, shouldUseV2, verifiedIdentity, type EngineFlags, type VerifiedIdentity } from '../src/index.js';

const alice = verifiedIdentity({ id: 'u-alice', email: 'alice@example.com' }, 'jwt');
const bob = verifiedIdentity({ id: 'u-bob' }, 'jwt');
const flags = (over: Partial<EngineFlags>): EngineFlags => ({ enabled: true, mode: 'shadow', allowlistOnly: true, allowlist: ['alice@example.com'], ...over });

describe('feature flag + allowlist (seed 001 §4)', () => {
  it('routes by flag, mode and allowlist (by id or e-mail)', () => {
    expect(routeFor(flags({ enabled: false }), alice)).toBe('v1');
    expect(routeFor(flags({ mode: 'off' }), alice)).toBe('v1');
    expect(routeFor(flags({}), alice)).toBe('shadow');
    expect(routeFor(flags({ mode: 'live' }), alice)).toBe('v2');
    expect(routeFor(flags({ mode: 'live' }), bob)).toBe('v1');
    expect(routeFor(flags({ mode: 'live', allowlist: ['u-bob'] }), bob)).toBe('v2');
    expect(routeFor(flags({ mode: 'live', allowlistOnly: false, allowlist: [] }), bob)).toBe('v2');
    expect(shouldUseV2(flags({ enabled: false }), alice)).toBe(false);
  });

  it('decides only from a verified identity: look-alike objects are refused', () => {
    const forged = { id: 'u-alice', email: 'alice@example.com', source: 'client' } as unknown as VerifiedIdentity;
    expect(() => routeFor(flags({}), forged)).toThrow(/verified identity/);
    expect(() => routeFor(flags({}), { ...alice })).toThrow(/verified identity/);
    expect(Object.isFrozen(alice)).toBe(true);
  });

  it('reads the flags from the environment as the seed does', () => {
    expect(flagsFromConfig(loadConfig({}))).toEqual({ enabled: false, mode: 'shadow', allowlistOnly: true, allowlist: [] });
    const live = flagsFromConfig(loadConfig({ ENGINE_V2_ENABLED: 'true', ENGINE_V2_MODE: 'live', ENGINE_V2_ALLOWLIST: 'alice@example.com' }));
    expect(routeFor(live, alice)).toBe('v2');
    expect(routeFor(live, bob)).toBe('v1');
  });
});
