import { cpSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The TypeScript trees the calls accuracy tests measure on: real libraries this
 * project did not write, from its own devDependencies, plus any unpacked npm
 * packages under `KG_ACCURACY_CORPORA` (each `<dir>/<name>/package/src`).
 */

const NODE_MODULES = fileURLToPath(new URL('../../../../node_modules/', import.meta.url));

/** rxjs's core classes and schedulers, copied to a temp dir so every side sees the same closed tree. */
export function rxjsSampleRoot(prefix: string): string {
  const src = join(NODE_MODULES, 'rxjs/src/internal');
  const root = mkdtempSync(join(tmpdir(), prefix));
  for (const dir of ['', 'scheduler', 'util']) {
    for (const entry of readdirSync(join(src, dir))) {
      if (entry.endsWith('.ts')) cpSync(join(src, dir, entry), join(root, 'internal', dir, entry));
    }
  }
  return root;
}

/** [name, directory] of every full corpus present on this machine. */
export function fullTsCorpora(): [string, string][] {
  const out: [string, string][] = [
    ['rxjs', join(NODE_MODULES, 'rxjs/src')],
    ['openai', join(NODE_MODULES, 'openai/src')],
    ['@anthropic-ai/sdk', join(NODE_MODULES, '@anthropic-ai/sdk/src')],
    ['zod', join(NODE_MODULES, 'zod/src')],
  ];
  const extra = process.env.KG_ACCURACY_CORPORA;
  if (extra && existsSync(extra)) {
    for (const entry of readdirSync(extra).sort()) {
      const src = join(extra, entry, 'package/src');
      if (existsSync(src)) out.push([entry, src]);
    }
  }
  return out.filter(([, dir]) => existsSync(dir));
}
