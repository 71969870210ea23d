/**
 * Incremental re-indexing must land on the graph a full index of the same tree
 * builds: after random sequences of edits, deletions and additions over a small
 * generated Python + TypeScript repository, every object, relation and file row
 * of the incrementally maintained index equals that of a fresh full index.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '@agentlane/store';
import { createParsePool, indexRepository, type ParsePool } from '../src/index.js';
import { testBackends } from '../../../test/support/backends.js';
import { editFile, writeRepo } from '../../../test/support/repo.js';
import { useKgDatabase } from './support/kg-database.js';

const MODULES = 4;
const NAMES = ['alpha', 'beta', 'gamma'] as const;

interface ModuleSpec {
  defs: (typeof NAMES)[number][];
  /** [module, name] pairs imported and called (the name may not exist there). */
  uses: [number, (typeof NAMES)[number]][];
  /** A class extending the class of this module, when it has one. */
  base: number | null;
  withClass: boolean;
}

const spec: fc.Arbitrary<ModuleSpec> = fc.record({
  defs: fc.subarray([...NAMES]),
  uses: fc.array(fc.tuple(fc.nat(MODULES - 1), fc.constantFrom(...NAMES)), { maxLength: 3 }),
  base: fc.option(fc.nat(MODULES - 1), { nil: null }),
  withClass: fc.boolean(),
});

function python(i: number, s: ModuleSpec): string {
  const lines = ['"""Module doc."""', 'import os'];
  for (const [j, name] of s.uses) lines.push(`from pkg.m${j} import ${name}`);
  if (s.base !== null) lines.push(`from pkg.m${s.base} import K${s.base}`);
  for (const d of s.defs) lines.push('', `def ${d}(x: int = 1) -> int:`, `    return ${s.uses[0] ? `${s.uses[0][1]}(x)` : 'os.getpid()'}`);
  if (s.withClass) {
    lines.push('', `class K${i}${s.base !== null ? `(K${s.base})` : ''}:`, '    def run(self):', `        return self.helper() + ${s.defs[0] ?? 'len'}(2)`);
    lines.push('    def helper(self):', '        return 1');
  }
  return `${lines.join('\n')}\n`;
}

function typescript(i: number, s: ModuleSpec): string {
  const lines = [`import { readFileSync } from 'node:fs';`];
  for (const [j, name] of s.uses) lines.push(`import { ${name} as ${name}${j} } from './a${j}';`);
  if (s.base !== null && s.base !== i) lines.push(`import { C${s.base} } from './a${s.base}';`);
  for (const d of s.defs) lines.push(`export function ${d}(x: number): number { return ${s.uses[0] ? `${s.uses[0][1]}${s.uses[0][0]}(x)` : 'readFileSync.length'}; }`);
  if (s.withClass) {
    const base = s.base !== null && s.base !== i ? ` extends C${s.base}` : '';
    lines.push(`export class C${i}${base} { run(): number { return this.helper(); } helper(): number { return 1; } }`);
  }
  return `${lines.join('\n')}\n`;
}

type Step = { module: number; lang: 'py' | 'ts'; spec: ModuleSpec | null };
const step: fc.Arbitrary<Step> = fc.record({ module: fc.nat(MODULES - 1), lang: fc.constantFrom('py' as const, 'ts' as const), spec: fc.option(spec, { nil: null, freq: 4 }) });

function fileOf(module: number, lang: 'py' | 'ts'): string {
  return lang === 'py' ? `pkg/m${module}.py` : `src/a${module}.ts`;
}

function apply(root: string, s: Step): void {
  const rel = fileOf(s.module, s.lang);
  if (s.spec === null) fs.rmSync(path.join(root, rel), { force: true });
  else editFile(root, rel, s.lang === 'py' ? python(s.module, s.spec) : typescript(s.module, s.spec));
}

/** The graph with ids replaced by what names them, so two databases compare row for row. */
async function graph(sql: Sql): Promise<unknown> {
  const objects = await sql.query(
    `SELECT o.kind, o.qualified_name, o.file_path, o.signature, o.start_line, o.end_line, o.exported, o.metadata, o.name_key, o.search_tsv::text,
            p.qualified_name AS parent
       FROM kg.objects o LEFT JOIN kg.objects p ON p.id = o.parent_id ORDER BY 1, 2, 3`,
  );
  const relations = await sql.query(
    `SELECT r.kind, s.qualified_name AS src, coalesce(s.file_path, '') AS src_file, d.qualified_name AS dst, coalesce(d.file_path, d.kind) AS dst_file,
            r.file_path, r.line, r.resolution
       FROM kg.relations r JOIN kg.objects s ON s.id = r.src JOIN kg.objects d ON d.id = r.dst ORDER BY 1, 2, 3, 4, 5, 6, 7, 8`,
  );
  const files = await sql.query(
    `SELECT path, language, module_name, sha256, line_count, object_count, syntax_errors, unresolved_calls, relation_counts, bindings, coverage
       FROM kg.files ORDER BY path`,
  );
  return { objects: objects.rows, relations: relations.rows, files: files.rows };
}

async function reset(sql: Sql): Promise<void> {
  await sql.exec('TRUNCATE kg.objects, kg.relations, kg.files, kg.skipped_files, kg.index_runs, kg.object_ranks, kg.repository');
}

describe.each(testBackends())('incremental index equals a full index on %s', (backend) => {
  const incremental = useKgDatabase(backend);
  const full = useKgDatabase(backend);
  let pool: ParsePool;
  beforeAll(() => {
    pool = createParsePool(2);
  });
  afterAll(async () => {
    await pool.close();
  });

  it('after random edits, deletions and additions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(spec, { minLength: MODULES, maxLength: MODULES }), fc.array(step, { minLength: 1, maxLength: 3 }), async (initial, steps) => {
        const files: Record<string, string> = { 'pkg/__init__.py': '' };
        initial.forEach((s, i) => {
          files[fileOf(i, 'py')] = python(i, s);
          files[fileOf(i, 'ts')] = typescript(i, s);
        });
        const root = writeRepo(files);
        try {
          await reset(incremental.sql);
          await indexRepository(incremental.sql, { repoRoot: root, pool });
          for (const s of steps) {
            apply(root, s);
            const summary = await indexRepository(incremental.sql, { repoRoot: root, pool });
            expect(summary.mode).toBe('incremental');
            await reset(full.sql);
            await indexRepository(full.sql, { repoRoot: root, pool });
            expect(await graph(incremental.sql)).toEqual(await graph(full.sql));
          }
        } finally {
          fs.rmSync(root, { recursive: true, force: true });
        }
      }),
      { numRuns: 3, seed: 20261203 },
    );
  });
});
