import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * `@agentlane/kg/query` is what a `kg` read command imports: it must not drag in
 * the indexer's heavy dependencies (tree-sitter grammars, the worker pool, the
 * Neo4j driver), whose loading used to cost a shell command more than its query.
 */
describe('@agentlane/kg/query', () => {
  it('loads no parser, worker pool, Neo4j driver or TypeScript compiler (CommonJS modules, seen in the require cache)', () => {
    const entry = fileURLToPath(new URL('../dist/query-entry.js', import.meta.url));
    const probe = `
      import { createRequire } from 'node:module';
      const kg = await import(${JSON.stringify(entry)});
      if (typeof kg.searchObjects !== 'function' || typeof kg.migrateKg !== 'function') throw new Error('missing exports');
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      process.stdout.write(JSON.stringify(loaded));
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const loaded = JSON.parse(run.stdout) as string[];
    for (const heavy of ['tree-sitter', 'piscina', 'neo4j-driver', 'typescript']) {
      expect(loaded.filter((file) => file.includes(`/node_modules/${heavy}/`))).toEqual([]);
    }
  });
});
