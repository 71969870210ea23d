import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { indexRepository, objectId } from '@agentlane/kg';
import { createServer } from '../src/index.js';
import { testBackends } from '../../../test/support/backends.js';
import { SAMPLE_REPO, writeRepo } from '../../../test/support/repo.js';
import { useKgDatabase } from '../../../packages/kg/test/support/kg-database.js';

const TOKEN = 'test-token-0123456789';

interface ErrorBody { error: { code: string; message: string } }
interface ObjectBody { object: { qualifiedName: string }; freshness: { fresh: boolean; changedFiles: number } }
interface RelationsBody { edges: { filePath: string; line: number }[]; unresolved: unknown }
interface OutlineBody { outline: { object: { kind: string } } }
interface ImpactBody { files: string[] }
interface StatsBody { stats: { files: Record<string, number>; syntaxErrorFiles: number; syntaxErrorPaths: unknown[] } }
interface SearchBody { query: string; hits: { qualifiedName: string; filePath: string; reasons: { ranker: string }[] }[]; freshness: { fresh: boolean } }
interface ContextBody { text: string; usedTokens: number; budgetTokens: number; files: { path: string }[]; freshness: { fresh: boolean } }
interface OpenApiBody { openapi: string; paths: Record<string, unknown> }
const read = async <T>(response: Response): Promise<T> => (await response.json()) as T;

describe.each(testBackends())('KG HTTP API on %s (real server on loopback)', (backend) => {
  const database = useKgDatabase(backend);
  let app: FastifyInstance;
  let base: string;
  const makeSquare = objectId('ts', 'src/lib/shapes.ts', 'makeSquare', 'function');

  beforeAll(async () => {
    const root = writeRepo(SAMPLE_REPO);
    await indexRepository(database.sql, { repoRoot: root, workers: 1 });
    app = await createServer({ sql: database.sql, repoRoot: root, token: TOKEN });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
  });

  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers ?? {}) } });

  it('returns an object with the index freshness', async () => {
    const response = await call(`/api/kg/objects/${makeSquare}`);
    expect(response.status).toBe(200);
    const body = await read<ObjectBody>(response);
    expect(body.object).toMatchObject({ qualifiedName: 'makeSquare', returns: { type: 'Square' } });
    expect(body.freshness).toMatchObject({ fresh: true, changedFiles: 0 });
  });

  it('lists callers with kind, direction and depth from the query string', async () => {
    const response = await call(`/api/kg/objects/${makeSquare}/relations?kind=calls&direction=in&depth=2`);
    expect(response.status).toBe(200);
    const body = await read<RelationsBody>(response);
    expect(body.edges.map((e) => `${e.filePath}:${e.line}`)).toEqual(['src/main.ts:13']);
    // The sample has no unresolved call naming makeSquare or run: nothing may be missing, and it says so.
    expect(body.unresolved).toEqual({ callersMayMiss: { sites: 0, files: [], filesTotal: 0, names: ['makeSquare', 'run'] }, calleesMayMiss: null });
  });

  it('outlines a file, reports impact and stats', async () => {
    const outline = await read<OutlineBody>(await call('/api/kg/files/outline?path=src/lib/shapes.ts'));
    expect(outline.outline.object.kind).toBe('module');
    const impact = await call('/api/kg/impact', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ files: ['src/lib/shapes.ts'] }) });
    expect(impact.status).toBe(200);
    expect((await read<ImpactBody>(impact)).files).toEqual(['src/lib/index.ts', 'src/main.ts']);
    const stats = await read<StatsBody>(await call('/api/kg/stats'));
    expect(stats.stats.files).toEqual({ py: 3, ts: 3 });
    // The files with syntax errors are named (none here); the CLI test indexes broken ones.
    expect(stats.stats.syntaxErrorFiles).toBe(0);
    expect(stats.stats.syntaxErrorPaths).toEqual([]);
  });

  it('searches code with filters, reasons and freshness', async () => {
    const response = await call('/api/search/code?q=make%20square&limit=3');
    expect(response.status).toBe(200);
    const body = await read<SearchBody>(response);
    expect(body.hits[0]).toMatchObject({ qualifiedName: 'makeSquare', filePath: 'src/lib/shapes.ts' });
    expect(body.hits[0]?.reasons.map((r) => r.ranker)).toContain('exact');
    expect(body.freshness.fresh).toBe(true);
    const py = await read<SearchBody>(await call('/api/search/code?q=label&language=py&kind=method'));
    expect(py.hits.map((h) => h.qualifiedName)).toEqual(['User.label']);
  });

  it('builds a context pack within the budget', async () => {
    const response = await call('/api/kg/context', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'square area', files: ['src/main.ts'], budget_tokens: 200 }),
    });
    expect(response.status).toBe(200);
    const body = await read<ContextBody>(response);
    expect(body.usedTokens).toBeLessThanOrEqual(200);
    expect(body.budgetTokens).toBe(200);
    expect(body.text).toContain('src/lib/shapes.ts');
    expect(body.text).toMatch(/\d+: export class Square extends Base/);
    expect(body.freshness.fresh).toBe(true);
  });

  it('answers bad input with a 4xx JSON error and a stable code, never a 500', async () => {
    const cases: [string, RequestInit, number, string][] = [
      ['/api/kg/objects/not-a-uuid', {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/kg/objects/00000000-0000-8000-8000-000000000000', {}, 404, 'KG_NOT_FOUND'],
      [`/api/kg/objects/${makeSquare}/relations?depth=99`, {}, 400, 'HTTP_BAD_REQUEST'],
      [`/api/kg/objects/${makeSquare}/relations?kind=likes`, {}, 400, 'HTTP_BAD_REQUEST'],
      [`/api/kg/objects/${makeSquare}/relations?limit=100000`, {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/kg/files/outline', {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/kg/files/outline?path=nope.ts', {}, 404, 'KG_NOT_FOUND'],
      ['/api/kg/files/outline?path=a%00b.ts', {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/search/code?q=a%00b', {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/search/code?q=x&path=x%00', {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/kg/context', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"files": ["a\\u0000b"]}' }, 400, 'HTTP_BAD_REQUEST'],
      ['/api/kg/impact', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"files": [' }, 400, 'HTTP_BAD_REQUEST'],
      ['/api/kg/impact', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"files": ["nope.ts"]}' }, 400, 'KG_INVALID_ARGUMENT'],
      ['/api/kg/impact', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"depth": 99}' }, 400, 'HTTP_BAD_REQUEST'],
      ['/api/search/code', {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/search/code?q=', {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/search/code?q=%20%20', {}, 400, 'HTTP_BAD_REQUEST'],
      [`/api/search/code?q=${'x'.repeat(300)}`, {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/search/code?q=square&limit=100000', {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/search/code?q=square&kind=widget', {}, 400, 'HTTP_BAD_REQUEST'],
      ['/api/search/code?q=%27%3B%20DROP%20TABLE%20kg.objects%3B%20--', {}, 200, ''],
      ['/api/kg/context', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' }, 400, 'HTTP_BAD_REQUEST'],
      ['/api/kg/context', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }, 400, 'KG_INVALID_ARGUMENT'],
      ['/api/kg/context', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": "x", "budget_tokens": 99}' }, 400, 'HTTP_BAD_REQUEST'],
      ['/api/kg/context', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"files": ["nope.ts"]}' }, 404, 'KG_NOT_FOUND'],
      ['/api/kg/context', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"symbols": ["noSuchThing"]}' }, 404, 'KG_NOT_FOUND'],
    ];
    for (const [path, init, status, code] of cases) {
      const response = await call(path, init);
      expect({ path, status: response.status }).toEqual({ path, status });
      if (status >= 400) expect((await read<ErrorBody>(response)).error.code).toBe(code);
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
      '/api/kg/objects/{id}',
      '/api/kg/objects/{id}/relations',
      '/api/kg/stats',
      '/api/search/code',
    ]);
  });
});
