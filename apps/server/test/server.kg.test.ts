import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { KG_OPERATIONS, indexRepository, objectId, tokenCounter } from '@agentlane/kg';
import { createServer } from '../src/index.js';
import { testBackends } from '../../../test/support/backends.js';
import { SAMPLE_REPO, editFile, writeRepo } from '../../../test/support/repo.js';
import { useKgDatabase } from '../../../packages/kg/test/support/kg-database.js';

const TOKEN = 'test-token-0123456789';

interface ErrorBody { error: { code: string; message: string; candidates?: { id: string; qualifiedName: string }[] } }
interface ObjectBody { object: { qualifiedName: string }; freshness: { fresh: boolean; changedFiles: number } }
interface RelationsBody { direction: string; files: { file: string; objects: { object: { qualifiedName: string }; sites: { line: number }[] }[] }[]; unresolved: unknown }
interface OutlineBody { path: string; objects: { kind: string; name: string }[] }
interface ImpactBody { files: { file: string }[] }
interface StatsBody { stats: { files: Record<string, number>; syntaxErrorFiles: number; syntaxErrorPaths: unknown[] } }
interface SearchBody { query: string; hits: { qualifiedName: string; filePath: string; reasons: { ranker: string }[] }[]; freshness: { fresh: boolean } }
interface IndexBody { summary: { mode: string; files: { parsed: number } }; freshness: { fresh: boolean } }
interface OpenApiBody { openapi: string; paths: Record<string, Record<string, { parameters?: { name: string; schema: { default?: unknown; maximum?: number } }[]; responses: Record<string, { content?: Record<string, { schema: { properties?: Record<string, unknown> } }> }> }>> }
const read = async <T>(response: Response): Promise<T> => (await response.json()) as T;

describe.each(testBackends())('KG HTTP API on %s (real server on loopback)', (backend) => {
  const database = useKgDatabase(backend);
  let app: FastifyInstance;
  let base: string;
  const makeSquare = objectId('ts', 'src/lib/shapes.ts', 'makeSquare', 'function');

  let root: string;

  beforeAll(async () => {
    root = writeRepo(SAMPLE_REPO);
    await indexRepository(database.sql, { repoRoot: root, workers: 1 });
    app = await createServer({ sql: database.sql, repoRoot: root, token: TOKEN });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
  });

  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers ?? {}) } });

  const json = { 'content-type': 'application/json' };

  it('returns an object by id, by name and by path:line, with the index freshness', async () => {
    for (const target of [makeSquare, 'makeSquare', encodeURIComponent('src/lib/shapes.ts:26')]) {
      const response = await call(`/api/kg/objects/${target}?format=json`);
      expect(response.status).toBe(200);
      const body = await read<ObjectBody>(response);
      expect(body.object).toMatchObject({ qualifiedName: 'makeSquare', returns: { type: 'Square' } });
      expect(body.freshness).toMatchObject({ fresh: true, changedFiles: 0 });
    }
  });

  it('answers compact text by default, ending with the freshness', async () => {
    const response = await call('/api/kg/objects/makeSquare');
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain('function makeSquare src/lib/shapes.ts:25-27');
    expect(text.trimEnd().split('\n').at(-1)).toBe('index: fresh');
  });

  it('lists the candidates of an ambiguous name (409 KG_AMBIGUOUS)', async () => {
    const response = await call('/api/kg/objects/area');
    expect(response.status).toBe(409);
    const body = await read<ErrorBody>(response);
    expect(body.error.code).toBe('KG_AMBIGUOUS');
    expect(body.error.candidates?.map((c) => c.qualifiedName).sort()).toEqual(['Base.area', 'Shape.area', 'Square.area']);
  });

  it('lists callers by default, grouped by file and caller, with kind and depth from the query string', async () => {
    const response = await call(`/api/kg/objects/${makeSquare}/relations?kind=calls&depth=2&format=json`);
    expect(response.status).toBe(200);
    const body = await read<RelationsBody>(response);
    expect(body.direction).toBe('in');
    expect(body.files.map((f) => [f.file, f.objects.map((o) => [o.object.qualifiedName, o.sites.map((site) => site.line)])])).toEqual([['src/main.ts', [['run', [13]]]]]);
    // The sample has no unresolved call naming makeSquare or run: nothing may be missing, and it says so.
    expect(body.unresolved).toEqual({ callersMayMiss: { sites: 0, files: [], filesTotal: 0, names: ['makeSquare', 'run'] }, calleesMayMiss: null });
  });

  it('outlines a file, reports impact and stats', async () => {
    const outline = await read<OutlineBody>(await call('/api/kg/files/outline?path=src/lib/shapes.ts&format=json'));
    expect(outline.path).toBe('src/lib/shapes.ts');
    expect(outline.objects.map((o) => o.name)).toContain('makeSquare');
    const impact = await call('/api/kg/impact', { method: 'POST', headers: json, body: JSON.stringify({ files: ['src/lib/shapes.ts'], format: 'json' }) });
    expect(impact.status).toBe(200);
    expect((await read<ImpactBody>(impact)).files.map((f) => f.file)).toEqual(['src/lib/index.ts', 'src/main.ts']);
    const stats = await read<StatsBody>(await call('/api/kg/stats?format=json'));
    expect(stats.stats.files).toEqual({ py: 3, ts: 3 });
    // The files with syntax errors are named (none here); the CLI test indexes broken ones.
    expect(stats.stats.syntaxErrorFiles).toBe(0);
    expect(stats.stats.syntaxErrorPaths).toEqual([]);
  });

  it('searches code with filters, reasons and freshness', async () => {
    const response = await call('/api/search/code?query=make%20square&limit=3&format=json');
    expect(response.status).toBe(200);
    const body = await read<SearchBody>(response);
    expect(body.hits[0]).toMatchObject({ qualifiedName: 'makeSquare', filePath: 'src/lib/shapes.ts' });
    expect(body.hits[0]?.reasons.map((r) => r.ranker)).toContain('exact');
    expect(body.freshness.fresh).toBe(true);
    const py = await read<SearchBody>(await call('/api/search/code?query=label&language=py&kind=method&format=json'));
    expect(py.hits.map((h) => h.qualifiedName)).toEqual(['User.label']);
  });

  it('builds a context pack within the budget of the whole answer', async () => {
    const response = await call('/api/kg/context', { method: 'POST', headers: json, body: JSON.stringify({ query: 'square area', files: ['src/main.ts'], maxTokens: 512 }) });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect((await tokenCounter())(text)).toBeLessThanOrEqual(512);
    expect(text).toContain('src/lib/shapes.ts');
    expect(text).toMatch(/\d+: export class Square extends Base/);
    expect(text).toMatch(/index: fresh\n$/);
  });

  it('refreshes the index on POST /api/kg/index (token required), and later answers see the change', async () => {
    editFile(root, 'src/later.ts', 'export function addedLater(): number { return 2; }\n');
    expect((await fetch(`${base}/api/kg/index`, { method: 'POST', headers: json, body: '{}' })).status).toBe(401);
    const response = await call('/api/kg/index', { method: 'POST', headers: json, body: JSON.stringify({ format: 'json' }) });
    expect(response.status).toBe(200);
    const body = await read<IndexBody>(response);
    expect(body.summary).toMatchObject({ mode: 'incremental', files: { parsed: 1 } });
    expect(body.freshness.fresh).toBe(true);
    expect((await read<ObjectBody>(await call('/api/kg/objects/addedLater?format=json'))).object.qualifiedName).toBe('addedLater');
  });

  it('answers bad input with a 4xx JSON error and a stable code, never a 500', async () => {
    const cases: [string, RequestInit, number, string][] = [
      ['/api/kg/objects/not-a-known-name', {}, 404, 'KG_NOT_FOUND'],
      ['/api/kg/objects/nope.ts:3', {}, 404, 'KG_NOT_FOUND'],
      ['/api/kg/objects/makeSquare?format=yaml', {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/kg/objects/makeSquare?maxTokens=10', {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/kg/files/outline?path=src/main.ts&cursor=bm9wZQ', {}, 400, 'KG_INVALID_CURSOR'],
      ['/api/kg/objects/00000000-0000-8000-8000-000000000000', {}, 404, 'KG_NOT_FOUND'],
      [`/api/kg/objects/${makeSquare}/relations?depth=99`, {}, 400, 'HTTP_BAD_REQUEST'],
      [`/api/kg/objects/${makeSquare}/relations?kind=likes`, {}, 400, 'HTTP_BAD_REQUEST'],
      [`/api/kg/objects/${makeSquare}/relations?limit=100000`, {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/kg/files/outline', {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/kg/files/outline?path=nope.ts', {}, 404, 'KG_NOT_FOUND'],
      ['/api/kg/files/outline?path=a%00b.ts', {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/search/code?query=a%00b', {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/search/code?query=x&path=x%00', {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/kg/context', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"files": ["a\\u0000b"]}' }, 400, 'HTTP_BAD_REQUEST'],
      ['/api/kg/impact', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"files": [' }, 400, 'HTTP_BAD_REQUEST'],
      ['/api/kg/impact', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"files": ["nope.ts"]}' }, 400, 'KG_INVALID_ARGUMENT'],
      ['/api/kg/impact', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"depth": 99}' }, 400, 'HTTP_BAD_REQUEST'],
      ['/api/search/code', {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/search/code?query=', {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/search/code?query=%20%20', {}, 400, 'HTTP_BAD_REQUEST'],
      [`/api/search/code?query=${'x'.repeat(300)}`, {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/search/code?query=square&limit=100000', {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/search/code?query=square&kind=widget', {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/search/code?query=%27%3B%20DROP%20TABLE%20kg.objects%3B%20--', {}, 200, ''],
      ['/api/kg/context', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' }, 400, 'HTTP_BAD_REQUEST'],
      ['/api/kg/context', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, 400, 'KG_INVALID_ARGUMENT'],
      ['/api/kg/context', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "x", "maxTokens": 99}' }, 400, 'HTTP_BAD_REQUEST'],
      ['/api/kg/context', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"files": ["nope.ts"]}' }, 404, 'KG_NOT_FOUND'],
      ['/api/kg/context', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"symbols": ["noSuchThing"]}' }, 404, 'KG_NOT_FOUND'],
    ];
    for (const [path, init, status, code] of cases) {
      const response = await call(path, init);
      expect({ path, status: response.status }).toEqual({ path, status });
      if (status >= 400) expect({ path, code: (await read<ErrorBody>(response)).error.code }).toEqual({ path, code });
    }
  });

  it('requires the bearer token, with a constant-time check', async () => {
    const none = await fetch(`${base}/api/kg/stats`);
    expect(none.status).toBe(401);
    expect((await read<ErrorBody>(none)).error.code).toBe('HTTP_UNAUTHORIZED');
    const wrong = await fetch(`${base}/api/kg/stats`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('publishes an OpenAPI document of every route', async () => {
    expect((await fetch(`${base}/openapi.json`)).status).toBe(401);
    const doc = await read<OpenApiBody>(await call('/openapi.json'));
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/engine/jobs/{id}',
      '/api/engine/jobs/{id}/events',
      '/api/kg/context',
      '/api/kg/files/outline',
      '/api/kg/impact',
      '/api/kg/index',
      '/api/kg/objects/{target}',
      '/api/kg/objects/{target}/relations',
      '/api/kg/stats',
      '/api/search/code',
    ]);
    // Request and response schemas come from the one contract: the defaults and limits the CLI and MCP use.
    const relations = doc.paths['/api/kg/objects/{target}/relations']?.get;
    const direction = relations?.parameters?.find((p) => p.name === 'direction');
    expect(direction?.schema.default).toBe(KG_OPERATIONS.refs.input.shape.direction.parse(undefined));
    expect(direction?.schema.default).toBe('in');
    const ok = relations?.responses['200']?.content;
    expect(Object.keys(ok ?? {}).sort()).toEqual(['application/json', 'text/plain']);
    expect(Object.keys(ok?.['application/json']?.schema.properties ?? {})).toEqual(expect.arrayContaining(['root', 'files', 'nextCursor', 'freshness']));
    const docs = await call('/docs');
    expect(docs.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await docs.text();
    expect(page).toContain('/api/kg/objects/{target}/relations');
    expect(page).toContain('openapi.json');
  });
});
