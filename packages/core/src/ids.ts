import { createHash } from 'node:crypto';

/** Hex SHA-256 of the parts joined with NUL, truncated: a stable, content-derived id. */
export function stableId(parts: readonly (string | number)[], length = 32): string {
  const hash = createHash('sha256');
  parts.forEach((part, index) => {
    if (index > 0) hash.update('\0');
    hash.update(String(part));
  });
  return hash.digest('hex').slice(0, length);
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * A deterministic UUID (RFC 9562 version 8, "custom") from the SHA-256 of the
 * parts. Stored in PostgreSQL's 16-byte `uuid` type, which keeps the indexes of
 * large tables small and fast compared with hex text.
 */
export function stableUuid(parts: readonly (string | number)[]): string {
  // One update of the joined parts hashes the same bytes as `stableId`'s update per part.
  const h = createHash('sha256').update(parts.join('\0')).digest('hex');
  const variant = ((Number.parseInt(h[16] as string, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
