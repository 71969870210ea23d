import { AgentlaneError, type Config } from '@agentlane/core';

/**
 * The double gate of seed 001 §4 and seed 000's modes: engine_v2 runs for a job only when
 * the flag is on, the mode is not `off`, and (unless ALLOWLIST_ONLY is false) the
 * identity is allowlisted by id or e-mail. The decision takes a `VerifiedIdentity`, which
 * only `verifiedIdentity()` makes: call it with claims from a verified source (a checked
 * JWT's sub/email, the owner of a checked API token, the OS user running the CLI), never
 * with values a client sent.
 */
export type EngineMode = 'off' | 'shadow' | 'live';

export interface EngineFlags {
  enabled: boolean;
  mode: EngineMode;
  allowlistOnly: boolean;
  allowlist: readonly string[];
}

export type Route = 'v1' | 'shadow' | 'v2';

const VERIFIED: unique symbol = Symbol('agentlane.verifiedIdentity');

export interface VerifiedIdentity {
  readonly id: string;
  readonly email?: string;
  /** Where the claims were verified (`jwt`, `api-token`, `cli`, …), for the audit trail. */
  readonly source: string;
  readonly [VERIFIED]: true;
}

export function verifiedIdentity(claims: { id: string; email?: string }, source: string): VerifiedIdentity {
  if (!claims.id) throw new AgentlaneError('HTTP_UNAUTHORIZED', 'A verified identity needs an id');
  const identity = { id: claims.id, ...(claims.email ? { email: claims.email } : {}), source };
  Object.defineProperty(identity, VERIFIED, { value: true, enumerable: false });
  return Object.freeze(identity) as VerifiedIdentity;
}

export function isVerifiedIdentity(value: unknown): value is VerifiedIdentity {
  return typeof value === 'object' && value !== null && (value as { [VERIFIED]?: boolean })[VERIFIED] === true;
}

export function flagsFromConfig(config: Pick<Config, 'engine'>): EngineFlags {
  return { enabled: config.engine.enabled, mode: config.engine.mode, allowlistOnly: config.engine.allowlistOnly, allowlist: config.engine.allowlist };
}

/** Seed `shouldUseV2`, with the mode: which engine handles this identity's job. */
export function routeFor(flags: EngineFlags, identity: VerifiedIdentity): Route {
  if (!isVerifiedIdentity(identity)) throw new AgentlaneError('HTTP_UNAUTHORIZED', 'engine_v2 routing needs a verified identity');
  if (!flags.enabled || flags.mode === 'off') return 'v1';
  if (flags.allowlistOnly) {
    const listed = flags.allowlist.includes(identity.id) || (identity.email !== undefined && flags.allowlist.includes(identity.email));
    if (!listed) return 'v1';
  }
  return flags.mode === 'live' ? 'v2' : 'shadow';
}

export function shouldUseV2(flags: EngineFlags, identity: VerifiedIdentity): boolean {
  return routeFor(flags, identity) !== 'v1';
}
