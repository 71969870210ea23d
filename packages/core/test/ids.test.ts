import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stableUuid } from '../src/ids.js';

describe('stableUuid', () => {
  // The definition: version 8 and the RFC variant set on the first 32 hex digits of the SHA-256 of the parts joined by NUL.
  const reference = (parts: readonly (string | number)[]) => {
    const hash = createHash('sha256');
    parts.forEach((part, index) => {
      if (index > 0) hash.update('\0');
      hash.update(String(part));
    });
    const hex = hash.digest('hex').slice(0, 32).split('');
    hex[12] = '8';
    hex[16] = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
    const h = hex.join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  };

  it('is a version 8 UUID of the parts, stable across releases', () => {
    expect(stableUuid(['py', 'a/b.py', 'a.b.C', 'class', 0])).toBe(reference(['py', 'a/b.py', 'a.b.C', 'class', 0]));
    expect(stableUuid(['py', 'a/b.py', 'a.b.C', 'class', 0])).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.integer())), (parts) => {
      expect(stableUuid(parts)).toBe(reference(parts));
    }));
  });
});
