import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AgentlaneError } from '@agentlane/core';
import type { Sql } from '@agentlane/store';
import { indexRepository, objectId } from '../src/index.js';
import { testBackends } from '../../../test/support/backends.js';
import { useKgDatabase } from './support/kg-database.js';
import { SAMPLE_REPO, editFile, writeRepo } from '../../../test/support/repo.js';

interface Rel {
  kind: string;
  src: string;
  dst: string;
  file_path: string;
  line: number;
  resolution: string;
}

async function relations(sql: Sql): Promise<Rel[]> {
  const { rows } = await sql.query<Rel>(
    `SELECT r.kind, s.qualified_name || '@' || coalesce(s.file_path, '') AS src, d.qualified_name || '@' || coalesce(d.file_path, d.kind) AS dst,
            r.file_path, r.line, r.resolution
       FROM kg.relations r JOIN kg.objects s ON s.id = r.src JOIN kg.objects d ON d.id = r.dst
      ORDER BY 1, 2, 3, 5`,
  );
  return rows;
}

const has = (rels: Rel[], kind: string, src: string, dst: string) => rels.some((r) => r.kind === kind && r.src === src && r.dst === dst);

describe.each(testBackends())('indexRepository on %s', (backend) => {
  const database = useKgDatabase(backend);
  let sql: Sql;
  let root: string;

  beforeAll(() => {
    sql = database.sql;
    root = writeRepo(SAMPLE_REPO);
  });

  it('indexes a mixed repository into objects and resolved relations', async () => {
    const summary = await indexRepository(sql, { repoRoot: root, workers: 2 });
    expect(summary.mode).toBe('full');
    expect(summary.files).toMatchObject({ seen: 6, parsed: 6, unchanged: 0, deleted: 0 });
    const rels = await relations(sql);
    // imports: relative with index file, tsconfig paths, Python relative and absolute (pyproject root), externals
    expect(has(rels, 'imports', 'src/main@src/main.ts', 'src/lib/index@src/lib/index.ts')).toBe(true);
    expect(has(rels, 'imports', 'src/main@src/main.ts', 'src/lib/shapes@src/lib/shapes.ts')).toBe(true);
    expect(has(rels, 'imports', 'src/main@src/main.ts', 'node:fs@external_module')).toBe(true);
    expect(has(rels, 'imports', 'app.service@py/app/service.py', 'app@py/app/__init__.py')).toBe(true);
    expect(has(rels, 'imports', 'app.service@py/app/service.py', 'app.models@py/app/models.py')).toBe(true);
    expect(has(rels, 'imports', 'app.service@py/app/service.py', 'os@external_module')).toBe(true);
    // heritage
    expect(has(rels, 'extends', 'Square@src/lib/shapes.ts', 'Base@src/lib/shapes.ts')).toBe(true);
    expect(has(rels, 'implements', 'Base@src/lib/shapes.ts', 'Shape@src/lib/shapes.ts')).toBe(true);
    expect(has(rels, 'extends', 'User@py/app/models.py', 'Entity@py/app/models.py')).toBe(true);
    // calls: through a re-exporting index, new X, this.method, inherited self.method, Python class call through __init__ re-export
    expect(has(rels, 'calls', 'run@src/main.ts', 'makeSquare@src/lib/shapes.ts')).toBe(true);
    expect(has(rels, 'calls', 'run@src/main.ts', 'Square@src/lib/shapes.ts')).toBe(true);
    expect(has(rels, 'calls', 'run@src/main.ts', 'total@src/main.ts')).toBe(true);
    expect(has(rels, 'calls', 'Base.describe@src/lib/shapes.ts', 'Base.area@src/lib/shapes.ts')).toBe(true);
    expect(has(rels, 'calls', 'User.label@py/app/models.py', 'Entity.key@py/app/models.py')).toBe(true);
    expect(has(rels, 'calls', 'load@py/app/service.py', 'User@py/app/models.py')).toBe(true);
    // type uses
    expect(has(rels, 'returns_type', 'makeSquare@src/lib/shapes.ts', 'Square@src/lib/shapes.ts')).toBe(true);
    expect(has(rels, 'uses_type', 'total@src/main.ts', 'Shape@src/lib/shapes.ts')).toBe(true);
    expect(has(rels, 'returns_type', 'load@py/app/service.py', 'User@py/app/models.py')).toBe(true);
    expect(has(rels, 'uses_type', 'keys@py/app/service.py', 'Entity@py/app/models.py')).toBe(true);
    // contains
    expect(has(rels, 'contains', 'src/lib/shapes@src/lib/shapes.ts', 'Square@src/lib/shapes.ts')).toBe(true);
    expect(has(rels, 'contains', 'Square@src/lib/shapes.ts', 'Square.area@src/lib/shapes.ts')).toBe(true);
    // every relation says where it came from and how it was resolved
    const calls = rels.filter((r) => r.kind === 'calls');
    expect(calls.find((r) => r.src === 'Base.describe@src/lib/shapes.ts')).toMatchObject({ resolution: 'member', file_path: 'src/lib/shapes.ts', line: 12 });
    expect(calls.find((r) => r.src === 'User.label@py/app/models.py')).toMatchObject({ resolution: 'inherited' });
    expect(calls.find((r) => r.dst === 'makeSquare@src/lib/shapes.ts')).toMatchObject({ resolution: 'import', file_path: 'src/main.ts', line: 13 });
  });

  it('builds the deferred indexes of a first index back before it commits', async () => {
    const { rows } = await sql.query<{ indexname: string }>(
      "SELECT indexname FROM pg_indexes WHERE schemaname = 'kg' AND tablename IN ('objects', 'relations') ORDER BY indexname",
    );
    expect(rows.map((r) => r.indexname)).toEqual([
      'objects_file_idx',
      'objects_name_idx',
      'objects_name_key_idx',
      'objects_name_key_trgm_idx',
      'objects_pkey',
      'objects_qualified_name_idx',
      'objects_search_tsv_idx',
      'relations_dst_idx',
      'relations_src_idx',
    ]);
  });

  it('stores CBO objects with stable ids, signatures, params, returns and fields', async () => {
    const { rows } = await sql.query<Record<string, unknown>>(
      `SELECT id, kind, name, qualified_name, file_path, signature, start_line, end_line, params_json, returns_json, fields_json, exported, metadata
         FROM kg.objects WHERE file_path = 'py/app/models.py' AND qualified_name IN ('User', 'User.label') ORDER BY qualified_name`,
    );
    expect(rows[0]).toMatchObject({
      id: objectId('py', 'py/app/models.py', 'User', 'class'),
      kind: 'class',
      start_line: 13,
      end_line: 18,
      exported: true,
      fields_json: [expect.objectContaining({ name: 'name', type: 'str', default: '""' })],
      metadata: expect.objectContaining({ language: 'py', model: 'dataclass', decorators: ['@dataclass'] }),
    });
    expect(rows[1]).toMatchObject({
      kind: 'method',
      signature: 'def label(self) -> str',
      params_json: [{ name: 'self', type: null, optional: false, default: null, rest: false }],
      returns_json: { type: 'str' },
    });
  });

  it('counts the call sites it could not resolve, per file', async () => {
    const { rows } = await sql.query<{ path: string; unresolved_calls: number }>(
      "SELECT path, unresolved_calls FROM kg.files WHERE path IN ('src/main.ts', 'py/app/service.py') ORDER BY path",
    );
    // main.ts: s.area() on a loop variable (sq.describe() resolves: sq = makeSquare(), declared to return Square); service.py: str() builtin… e.key() on a comprehension variable
    expect(rows.find((r) => r.path === 'src/main.ts')?.unresolved_calls).toBe(1);
    expect(rows.find((r) => r.path === 'py/app/service.py')?.unresolved_calls).toBe(1);
  });

  it('re-parses only what changed and keeps every other id', async () => {
    const before = await sql.query<{ id: string; qualified_name: string }>("SELECT id, qualified_name FROM kg.objects WHERE file_path = 'src/lib/shapes.ts'");
    editFile(root, 'src/lib/shapes.ts', `// a new first line shifts everything\n${SAMPLE_REPO['src/lib/shapes.ts']}`);
    const summary = await indexRepository(sql, { repoRoot: root, workers: 1 });
    expect(summary.mode).toBe('incremental');
    expect(summary.files).toMatchObject({ seen: 6, parsed: 1, unchanged: 5, deleted: 0, dependents: 0 });
    const after = await sql.query<{ id: string; qualified_name: string; start_line: number }>(
      "SELECT id, qualified_name, start_line FROM kg.objects WHERE file_path = 'src/lib/shapes.ts'",
    );
    expect(new Set(after.rows.map((r) => r.id))).toEqual(new Set(before.rows.map((r) => r.id)));
    expect(after.rows.find((r) => r.qualified_name === 'Square')?.start_line).toBe(17);
    const rels = await relations(sql);
    expect(has(rels, 'calls', 'run@src/main.ts', 'makeSquare@src/lib/shapes.ts')).toBe(true);
    expect(rels.find((r) => r.kind === 'calls' && r.src === 'Base.describe@src/lib/shapes.ts')?.line).toBe(13);
  });

  it('re-resolves dependents when a definition disappears or appears', async () => {
    editFile(root, 'src/lib/shapes.ts', SAMPLE_REPO['src/lib/shapes.ts']!.replace('export function makeSquare', 'export function makeBox'));
    let summary = await indexRepository(sql, { repoRoot: root, workers: 1 });
    // main.ts called the removed function; lib/index.ts re-exports the module whose names changed
    expect(summary.files.dependents).toBe(2);
    let rels = await relations(sql);
    expect(rels.some((r) => r.dst.startsWith('makeSquare@'))).toBe(false);
    const unresolved = await sql.query<{ unresolved_calls: number }>("SELECT unresolved_calls FROM kg.files WHERE path = 'src/main.ts'");
    expect(unresolved.rows[0]?.unresolved_calls).toBe(3);

    editFile(root, 'src/lib/shapes.ts', SAMPLE_REPO['src/lib/shapes.ts']!);
    summary = await indexRepository(sql, { repoRoot: root, workers: 1 });
    rels = await relations(sql);
    expect(has(rels, 'calls', 'run@src/main.ts', 'makeSquare@src/lib/shapes.ts')).toBe(true);
  });

  it('removes deleted files and resolves imports of files that appear', async () => {
    editFile(root, 'src/extra.ts', "import { helper } from './later';\nexport function useIt(): void { helper(); }\n");
    await indexRepository(sql, { repoRoot: root, workers: 1 });
    let rels = await relations(sql);
    expect(has(rels, 'imports', 'src/extra@src/extra.ts', 'src/later@external_module')).toBe(true);

    editFile(root, 'src/later.ts', 'export function helper(): number { return 1; }\n');
    const summary = await indexRepository(sql, { repoRoot: root, workers: 1 });
    expect(summary.files.dependents).toBe(1);
    rels = await relations(sql);
    expect(has(rels, 'imports', 'src/extra@src/extra.ts', 'src/later@src/later.ts')).toBe(true);
    expect(has(rels, 'calls', 'useIt@src/extra.ts', 'helper@src/later.ts')).toBe(true);
    // the external node nothing points to any more is gone
    const orphans = await sql.query("SELECT 1 FROM kg.objects WHERE kind = 'external_module' AND qualified_name = 'src/later'");
    expect(orphans.rows).toEqual([]);

    fs.rmSync(path.join(root, 'src/later.ts'));
    const afterDelete = await indexRepository(sql, { repoRoot: root, workers: 1 });
    expect(afterDelete.files.deleted).toBe(1);
    const left = await sql.query("SELECT 1 FROM kg.objects WHERE file_path = 'src/later.ts' UNION ALL SELECT 1 FROM kg.files WHERE path = 'src/later.ts'");
    expect(left.rows).toEqual([]);
    rels = await relations(sql);
    expect(rels.some((r) => r.dst.endsWith('@src/later.ts'))).toBe(false);
  });

  it('records each run with its figures', async () => {
    const { rows } = await sql.query<{ status: string; mode: string; stats: { files: { seen: number } }; coverage: { passed: boolean } }>(
      'SELECT status, mode, stats, coverage FROM kg.index_runs ORDER BY started_at',
    );
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect(rows.every((r) => r.status === 'succeeded')).toBe(true);
    expect(rows[0]?.stats.files.seen).toBe(6);
    expect(typeof rows[0]?.coverage.passed).toBe('boolean');
  });

  it('a --full run re-parses everything and changes nothing', async () => {
    const before = await relations(sql);
    const summary = await indexRepository(sql, { repoRoot: root, full: true, workers: 2 });
    expect(summary.mode).toBe('full');
    expect(summary.files.parsed).toBe(summary.files.seen);
    expect(await relations(sql)).toEqual(before);
    // the run summary adds up per-file counters; they must agree with the tables
    const counted = await sql.query<{ objects: number; relations: number }>(
      'SELECT (SELECT count(*) FROM kg.objects)::int AS objects, (SELECT count(*) FROM kg.relations)::int AS relations',
    );
    expect({ objects: summary.objects, relations: summary.relations }).toEqual(counted.rows[0]);
    expect(Object.values(summary.relationsByKind).reduce((a, b) => a + b, 0)).toBe(summary.relations);
  });

  it('rejects a path that is not a directory with a stable code', async () => {
    const missing = await indexRepository(sql, { repoRoot: path.join(root, 'nope') }).catch((e: unknown) => e);
    expect((missing as AgentlaneError).code).toBe('KG_PATH_NOT_FOUND');
    const file = await indexRepository(sql, { repoRoot: path.join(root, 'src/main.ts') }).catch((e: unknown) => e);
    expect((file as AgentlaneError).code).toBe('KG_NOT_A_DIRECTORY');
  });
});

describe.each(testBackends())('incremental index: what else must be parsed again, on %s', (backend) => {
  const database = useKgDatabase(backend);

  it('parses again a file that another extractor version parsed', async () => {
    const { sql } = database;
    const root = writeRepo(SAMPLE_REPO);
    await indexRepository(sql, { repoRoot: root, workers: 1 });
    const stamped = await sql.query<{ extractor_version: string }>('SELECT DISTINCT extractor_version FROM kg.files');
    expect(stamped.rows).toHaveLength(1);
    expect(stamped.rows[0]?.extractor_version).toMatch(/^[0-9a-f]{16}$/);

    // As after an upgrade: the stored file was parsed by other code, its bytes unchanged.
    await sql.query("UPDATE kg.files SET extractor_version = 'an older one' WHERE path = 'src/main.ts'");
    const summary = await indexRepository(sql, { repoRoot: root, workers: 1 });
    expect(summary.files).toMatchObject({ parsed: 1, unchanged: 5 });
    const after = await sql.query<{ extractor_version: string }>("SELECT extractor_version FROM kg.files WHERE path = 'src/main.ts'");
    expect(after.rows[0]?.extractor_version).toBe(stamped.rows[0]?.extractor_version);
    expect((await indexRepository(sql, { repoRoot: root, workers: 1 })).files).toMatchObject({ parsed: 0, unchanged: 6 });
  });
});

describe.each(testBackends())('a Python submodule that appears, on %s', (backend) => {
  const database = useKgDatabase(backend);

  it('re-resolves the files that import it through its package', async () => {
    const { sql } = database;
    const root = writeRepo({
      'pkg/__init__.py': '',
      'app.py': 'from pkg import sub\n\ndef main():\n    return sub.f()\n',
      'other.py': 'import pkg\n\ndef g():\n    return pkg.sub.f()\n',
    });
    await indexRepository(sql, { repoRoot: root, workers: 1 });
    let rels = await relations(sql);
    expect(has(rels, 'imports', 'app@app.py', 'pkg@pkg/__init__.py')).toBe(true);
    expect(rels.some((r) => r.kind === 'calls')).toBe(false);

    editFile(root, 'pkg/sub.py', 'def f():\n    return 1\n');
    const summary = await indexRepository(sql, { repoRoot: root, workers: 1 });
    // app.py and other.py import the package the new module belongs to: Python now imports the file.
    expect(summary.files.dependents).toBe(2);
    rels = await relations(sql);
    expect(has(rels, 'imports', 'app@app.py', 'pkg.sub@pkg/sub.py')).toBe(true);
    expect(has(rels, 'calls', 'main@app.py', 'f@pkg/sub.py')).toBe(true);
  });
});
