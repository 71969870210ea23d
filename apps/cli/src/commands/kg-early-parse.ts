import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '@agentlane/core';
import { createParsePool, prefetchParse, type ParsePrefetch } from '@agentlane/kg';
import { storeLocation } from '@agentlane/store';

export interface EarlyParseOptions {
  full: boolean;
  workers?: number;
  maxFileBytes?: number;
}

/**
 * For a run that will parse every file (`--full`, or a first index into an embedded
 * database that does not exist yet): queue the files on the parse workers before the
 * database is opened and migrated, which takes seconds on PGlite. Null otherwise, or
 * when the tree cannot be walked (the run then reports why). The caller closes the pool.
 */
export function startEarlyParse(repo: string, opts: EarlyParseOptions): ParsePrefetch | null {
  const config = loadConfig();
  const repoRoot = path.resolve(repo);
  const location = storeLocation({ config, repoRoot });
  const fresh = location.kind === 'pglite' && !fs.existsSync(location.where);
  if (!opts.full && !fresh) return null;
  const pool = createParsePool(opts.workers ?? config.kg.workers);
  try {
    return prefetchParse(repoRoot, { pool, maxFileBytes: opts.maxFileBytes ?? config.kg.maxFileBytes });
  } catch {
    void pool.close();
    return null;
  }
}
