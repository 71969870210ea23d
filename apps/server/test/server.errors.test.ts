import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { AgentlaneError, ERROR_CODES, createLogger, httpStatusOf } from '@agentlane/core';
import { signWebhookBody } from '@agentlane/gitops';
import type { Sql } from '@agentlane/store';
import { createServer, isLoopbackHost, toHttpError } from '../src/index.js';

const INTERNAL = 'relation "kg.files" at postgres://app:hunter2secret@db.internal:5432/prod is broken';

/** A database whose every statement fails with an internal message. */
const brokenSql = {
  dialect: 'postgres',
  query: async () => {
    throw new AgentlaneError('DB_QUERY_FAILED', INTERNAL);
  },
} as unknown as Sql;

describe('one error reply, statuses from the catalogue', () => {
  let app: FastifyInstance;
  let base: string;
  const logged: string[] = [];
  const logger = createLogger({ level: 'error', destination: new Writable({ write: (chunk: Buffer, _e, done) => void (logged.push(chunk.toString()), done()) }) });

  beforeAll(async () => {
    app = await createServer({
      sql: brokenSql,
      repoRoot: process.cwd(),
      logger,
      webhooks: {
        secret: 'webhook-secret-0123456789',
        onIssueComment: async () => {
          throw new AgentlaneError('DB_QUERY_FAILED', INTERNAL);
        },
      },
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => app?.close());

  it('the catalogue carries an HTTP status per code (default 500)', () => {
    expect(new AgentlaneError('HTTP_UNAUTHORIZED').httpStatus).toBe(401);
    expect(new AgentlaneError('KG_NOT_FOUND').httpStatus).toBe(404);
    expect(new AgentlaneError('WEBHOOK_REPOSITORY_MISMATCH').httpStatus).toBe(403);
    expect(new AgentlaneError('ASK_INVALID').httpStatus).toBe(400);
    expect(httpStatusOf('DB_QUERY_FAILED')).toBe(500);
    for (const code of Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[]) expect(httpStatusOf(code)).toBeGreaterThanOrEqual(400);
  });

  it('a 5xx from a route sends the catalogue text, never the internal message; the log has it, redacted', async () => {
    const response = await fetch(`${base}/api/kg/stats`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: { code: 'DB_QUERY_FAILED', message: ERROR_CODES.DB_QUERY_FAILED } });
    const log = logged.join('');
    expect(log).toContain('kg.files');
    expect(log).not.toContain('hunter2secret');
  });

  it('a 5xx from the webhook handler is the same reply (the old handler sent the internal message)', async () => {
    const body = JSON.stringify({ action: 'created' });
    const response = await fetch(`${base}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'issue_comment', 'x-github-delivery': 'd-1', 'x-hub-signature-256': await signWebhookBody('webhook-secret-0123456789', body) },
      body,
    });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'DB_QUERY_FAILED', message: ERROR_CODES.DB_QUERY_FAILED } });
    expect(text).not.toContain('kg.files');
  });

  it('anything thrown that is not ours is INTERNAL with the generic text', () => {
    expect(toHttpError(new TypeError('x is undefined at /srv/app.js:10'))).toMatchObject({ status: 500, body: { error: { code: 'INTERNAL', message: ERROR_CODES.INTERNAL } } });
  });

  it('malformed URLs and bodies get the same error shape (400 HTTP_BAD_REQUEST)', async () => {
    for (const [path, init] of [
      ['/api/kg/stats%', {}],
      ['/api/kg/impact', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }],
      ['/api/kg/impact', { method: 'POST', headers: { 'content-type': 'text/x-nope' }, body: 'x' }],
    ] as const) {
      const response = await fetch(`${base}${path}`, init);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('HTTP_BAD_REQUEST');
    }
  });

  it('NUL characters in any parameter are a 400 naming the field, before the database is asked (path=x%00 was a 500)', async () => {
    for (const [path, field] of [
      ['/api/kg/files/outline?path=x%00', 'query.path'],
      ['/api/search/code?q=x&path=x%00', 'query.path'],
    ] as const) {
      const response = await fetch(`${base}${path}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { message: string } }).error.message).toContain(field);
    }
    const context = await fetch(`${base}/api/kg/context`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"symbols":["a\\u0000"]}' });
    expect(context.status).toBe(400);
  });

  it('a context symbol over 256 characters is refused naming symbols, not query', async () => {
    const response = await fetch(`${base}/api/kg/context`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ symbols: ['s'.repeat(300)] }) });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('HTTP_BAD_REQUEST');
    expect(error.message).toMatch(/symbols/);
    expect(error.message).not.toMatch(/query/);
  });
});

describe('serve: which hosts are loopback', () => {
  it('only literal loopback addresses and localhost', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect({ host, loopback: isLoopbackHost(host) }).toEqual({ host, loopback: true });
    for (const host of ['0.0.0.0', '::', '', '10.0.0.1', '192.168.1.2', 'example.com', 'localhost.evil.com', '127.0.0.1.nip.io', '::ffff:10.0.0.1']) expect({ host, loopback: isLoopbackHost(host) }).toEqual({ host, loopback: false });
  });
});
