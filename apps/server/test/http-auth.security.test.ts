import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createEngine, migrateEngine, parseWorkflow, type Engine } from '@agentlane/engine';
import { migrateGitops, signWebhookBody } from '@agentlane/gitops';
import { indexRepository, objectId } from '@agentlane/kg';
import { createServer } from '../src/index.js';
import { testBackends } from '../../../test/support/backends.js';
import { SAMPLE_REPO, writeRepo } from '../../../test/support/repo.js';
import { useKgDatabase } from '../../../packages/kg/test/support/kg-database.js';
import { rawRequest, type RawResponse } from './support/raw-http.js';

const TOKEN = 'auth-token-0123456789abcdef';
const SECRET = 'webhook-secret-0123456789';

interface Route {
  method: 'GET' | 'POST';
  /** The path with parameters filled in, without the query. */
  path: string;
  query?: string;
  body?: string;
}

/**
 * Request targets that a lenient router might map to `path`: each one an attack on an
 * auth check that reads the URL text instead of the matched route.
 */
const ATTACKS: Record<string, (path: string, port: number) => string[]> = {
  'percent-encoded letters in each segment': (path) => {
    const segments = path.split('/').slice(1);
    return segments.flatMap((segment, i) => {
      const at = (replacement: string) => `/${segments.map((s, j) => (j === i ? replacement : s)).join('/')}`;
      const hex = (c: string) => c.charCodeAt(0).toString(16);
      const first = segment[0] as string;
      return [
        at(`%${hex(first)}${segment.slice(1)}`),
        at(`%${hex(first).toUpperCase()}${segment.slice(1)}`),
        at(`${segment.slice(0, -1)}%${hex(segment.at(-1) as string)}`),
        at([...segment].map((c) => `%${hex(c)}`).join('')),
      ];
    });
  },
  'encoded slashes (%2f, %2F) between segments': (path) => {
    const parts = path.split('/').slice(1);
    return parts.slice(1).flatMap((_, i) => ['%2f', '%2F', '%252f'].map((slash) => `/${parts.slice(0, i + 1).join('/')}${slash}${parts.slice(i + 1).join('/')}`));
  },
  'double slashes': (path) => [`/${path}`, `//${path}`, path.replace('/', '//'), path.replaceAll('/', '//'), `${path}//`],
  'dot segments (.., ., encoded)': (path) => {
    const parts = path.split('/').slice(1);
    return [
      `/x/..${path}`,
      `/x/%2e%2e${path}`,
      `/x/%2E%2E${path}`,
      `/.${path}`,
      `/%2e${path}`,
      ...parts.map((_, i) => `/${[...parts.slice(0, i + 1), '..', ...parts.slice(i)].join('/')}`),
      ...parts.map((_, i) => `/${[...parts.slice(0, i + 1), '.', ...parts.slice(i + 1)].join('/')}`),
      `/webhooks/..${path}`,
      `/openapi.json/..${path}`,
    ];
  },
  'upper and mixed case': (path) => {
    const parts = path.split('/').slice(1);
    return [
      path.toUpperCase(),
      ...parts.map((_, i) => `/${parts.map((s, j) => (j === i ? s.toUpperCase() : s)).join('/')}`),
      ...parts.map((_, i) => `/${parts.map((s, j) => (j === i ? `${s[0]?.toUpperCase()}${s.slice(1)}` : s)).join('/')}`),
    ];
  },
  'trailing characters (/, ;, %00, %20, ., #, ?)': (path) =>
    ['/', ';', ';jsessionid=x', '%00', '%20', '%09', '.', '/.', '/..', '%23', '%3f', '#x', '?', '??', '&', '%', '~', '\\'].map((tail) => `${path}${tail}`),
  'backslashes': (path) => [path.replaceAll('/', '\\'), `\\${path.slice(1)}`, path.replace(/\/([^/]*)$/, '\\$1')],
  'query-string tricks': (path) => [`${path}?x=/webhooks/github`, `${path}?/../webhooks/github`, `${path};?x=1`, `/webhooks/github?${path}`, `/openapi.json?x=${path}`],
  'absolute-form request lines': (path, port) => [
    `http://x${path}`,
    `http://127.0.0.1:${port}${path}`,
    `HTTP://X${path}`,
    `https://x${path}`,
    `http://x${path.replace('/a', '/%61')}`,
    `http://x/webhooks/..${path}`,
    `http://user:pass@x${path}`,
    `//x${path}`,
  ],
};

const BAD_CREDENTIALS: Record<string, Record<string, string>> = {
  'no header': {},
  'empty bearer': { authorization: 'Bearer ' },
  'wrong token': { authorization: 'Bearer auth-token-0123456789abcdeX' },
  'token prefix': { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
  'token plus suffix': { authorization: `Bearer ${TOKEN}x` },
  'other scheme': { authorization: `Basic ${TOKEN}` },
  'bare token': { authorization: TOKEN },
  'token in another header': { 'x-api-token': TOKEN, 'x-authorization': `Bearer ${TOKEN}` },
  'two tokens': { authorization: `Bearer nope, Bearer ${TOKEN}` },
};

/**
 * Held: the request got the auth refusal (401 HTTP_UNAUTHORIZED), or was refused as
 * malformed before any route ran (400 with no route data). Never 2xx, never a
 * route's own answer (404 ENGINE_JOB_NOT_FOUND, 409 KG_NO_INDEX, a validation 400…).
 */
function held(response: RawResponse): boolean {
  // The webhook route is public; its HMAC check is what refuses it.
  if (response.status === 401) return /"(HTTP_UNAUTHORIZED|WEBHOOK_SIGNATURE_INVALID)"/.test(response.body);
  // 400: refused as malformed (a bad percent-escape, a backslash) before any route ran,
  // in the server's one error shape; a route's own validation error would mean it ran.
  if (response.status === 400) {
    const body = JSON.parse(response.body || '{}') as { error?: { code?: string; message?: string } };
    return body.error?.code === 'HTTP_BAD_REQUEST' && !/^(params|querystring|body|headers)\b/.test(body.error.message ?? '');
  }
  return false;
}

describe('security: http auth', () => {
  const backend = testBackends()[0] ?? 'pglite';
  const database = useKgDatabase(backend);
  let app: FastifyInstance;
  let engine: Engine;
  let port: number;
  let routes: Route[];
  const webhookCalls: string[] = [];
  const makeSquare = objectId('ts', 'src/lib/shapes.ts', 'makeSquare', 'function');

  beforeAll(async () => {
    const root = writeRepo(SAMPLE_REPO);
    await indexRepository(database.sql, { repoRoot: root, workers: 1 });
    await migrateEngine(database.sql);
    engine = createEngine({ sql: database.sql, pollIntervalMs: 20, maintenanceIntervalMs: 100 });
    const jobId = await engine.submit(parseWorkflow({ tasks: [{ key: 'only', role: 'r', agent: 'noop', weight: 1, label: 'Only', with: {} }], dependencies: [] }));
    await engine.wait(jobId);
    await migrateGitops(database.sql);
    const ask = await database.sql.query<{ id: string }>(`INSERT INTO gitops.asks (repo, issue_number, actor, status) VALUES ('o/r', 1, 'writer', 'refused') RETURNING id`);
    const askId = ask.rows[0]?.id as string;
    app = await createServer({
      sql: database.sql,
      repoRoot: root,
      token: TOKEN,
      webhooks: {
        secret: SECRET,
        onIssueComment: async (delivery) => {
          webhookCalls.push(delivery);
          return { status: 'ignored', reason: 'test' };
        },
      },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;

    // Every operation of the served OpenAPI document, with arguments that answer 2xx (with the token).
    const doc = JSON.parse((await rawRequest(port, 'GET', '/openapi.json', { headers: { authorization: `Bearer ${TOKEN}` } })).body) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const samples: Record<string, Omit<Route, 'method' | 'path'> & { params?: Record<string, string> }> = {
      'GET /api/kg/stats': {},
      'GET /api/kg/objects/{target}': { params: { target: makeSquare } },
      'GET /api/kg/objects/{target}/relations': { params: { target: 'makeSquare' } },
      'GET /api/kg/files/outline': { query: 'path=src/lib/shapes.ts' },
      'POST /api/kg/impact': { body: '{"files":["src/lib/shapes.ts"]}' },
      'GET /api/search/code': { query: 'query=square' },
      'POST /api/kg/context': { body: '{"query":"square"}' },
      'POST /api/kg/index': { body: '{}' },
      'GET /api/engine/jobs/{id}': { params: { id: jobId } },
      'GET /api/engine/jobs/{id}/events': { params: { id: jobId } },
      'GET /api/asks/{id}': { params: { id: askId } },
    };
    const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    // A new route must be added to the samples, so it is attacked too.
    expect(operations.sort()).toEqual(Object.keys(samples).sort());
    routes = [
      ...operations.map((operation) => {
        const [method, template] = operation.split(' ') as [Route['method'], string];
        const sample = samples[operation] ?? {};
        const path = template.replace(/\{(\w+)\}/g, (_, name: string) => sample.params?.[name] ?? name);
        return { method, path, ...(sample.query ? { query: sample.query } : {}), ...(sample.body ? { body: sample.body } : {}) };
      }),
      { method: 'GET', path: '/openapi.json' },
      { method: 'GET', path: '/docs' },
    ];
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await engine?.close();
  });

  const send = (route: Route, target: string, headers: Record<string, string> = {}) =>
    rawRequest(port, route.method, route.query ? `${target}${target.includes('?') ? '&' : '?'}${route.query}` : target, { headers, ...(route.body ? { body: route.body } : {}) });

  it('control: with the token every route answers 2xx, and the router decodes %61 (so the attacks below would reach the routes)', async () => {
    for (const route of routes) {
      const response = await send(route, route.path, { authorization: `Bearer ${TOKEN}` });
      expect({ route: route.path, status: response.status }).toEqual({ route: route.path, status: 200 });
    }
    expect((await rawRequest(port, 'GET', '/%61pi/kg/stats', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await rawRequest(port, 'GET', `http://x/api/kg/stats`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('no token: every route of the OpenAPI document (and /openapi.json) answers 401', async () => {
    for (const route of routes) {
      const response = await send(route, route.path);
      expect({ route: route.path, status: response.status, held: held(response) }).toEqual({ route: route.path, status: 401, held: true });
    }
  });

  for (const [name, attack] of Object.entries(ATTACKS)) {
    it(`no token, ${name}: nothing answers with data`, async () => {
      const failures: string[] = [];
      let tried = 0;
      for (const route of routes) {
        for (const target of new Set(attack(route.path, port))) {
          for (const method of route.method === 'GET' ? ['GET', 'HEAD'] : ['POST']) {
            tried += 1;
            const response = await send({ ...route, method: method as Route['method'] }, target);
            // HEAD has no body: only the status can tell.
            const ok = method === 'HEAD' ? response.status === 401 || response.status === 400 : held(response);
            if (!ok) failures.push(`${method} ${target} → ${response.status} ${response.body.slice(0, 120)}`);
          }
        }
      }
      expect(tried).toBeGreaterThan(0);
      expect(failures).toEqual([]);
    });
  }

  for (const [name, headers] of Object.entries(BAD_CREDENTIALS)) {
    it(`bad credentials (${name}): every route answers 401`, async () => {
      for (const route of routes) {
        const response = await send(route, route.path, headers);
        expect({ route: route.path, status: response.status, held: held(response) }).toEqual({ route: route.path, status: 401, held: true });
      }
    });
  }

  it('token in the query string is not a token', async () => {
    for (const key of ['token', 'access_token', 'authorization']) {
      const response = await rawRequest(port, 'GET', `/api/kg/stats?${key}=${TOKEN}`);
      expect(response.status).toBe(401);
    }
  });

  it('unknown routes: 401 without the token (the route table is not probed), 404 with it', async () => {
    for (const target of ['/nope', '/api/nope', '/api/kg', '/.env', '/api/kg/objects', 'http://x/nope']) {
      const none = await rawRequest(port, 'GET', target);
      expect({ target, status: none.status, held: held(none) }).toEqual({ target, status: 401, held: true });
      const authed = await rawRequest(port, 'GET', target, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect({ target, status: authed.status }).toEqual({ target, status: 404 });
      expect(authed.body).toContain('"HTTP_NOT_FOUND"');
    }
  });

  it('the public webhook route: no token needed, but every variant still needs the HMAC; nothing reaches the intake unsigned', async () => {
    const body = JSON.stringify({ action: 'created' });
    for (const target of ['/webhooks/github', '/webhooks/%67ithub', 'http://x/webhooks/github', '/webhooks/github?x=1']) {
      const response = await rawRequest(port, 'POST', target, { body, headers: { 'x-github-event': 'issue_comment', 'x-github-delivery': 'd-1', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` } });
      expect({ target, status: response.status }).toEqual({ target, status: 401 });
      expect(response.body).toContain('"WEBHOOK_SIGNATURE_INVALID"');
    }
    expect(webhookCalls).toEqual([]);
    const signed = await rawRequest(port, 'POST', '/webhooks/github', { body, headers: { 'x-github-event': 'issue_comment', 'x-github-delivery': 'd-2', 'x-hub-signature-256': await signWebhookBody(SECRET, body) } });
    expect(signed.status).toBe(202);
    expect(webhookCalls).toEqual(['d-2']);
  });

  it('a route marked public in one method does not open its other methods or its neighbours', async () => {
    for (const [method, target] of [['GET', '/webhooks/github'], ['PUT', '/webhooks/github'], ['GET', '/webhooks/github/../../api/kg/stats'], ['POST', '/webhooks/github/x']] as const) {
      const response = await rawRequest(port, method, target);
      expect({ method, target, status: response.status, held: held(response) }).toEqual({ method, target, status: 401, held: true });
    }
  });
});
