import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createEngine, migrateEngine, parseWorkflow, type Engine } from '@agentlane/engine';
import { createServer } from '../src/index.js';
import { createTestDatabase, testBackends, type TestDatabase } from '../../../test/support/backends.js';

const TOKEN = 'engine-token-0123456789';

interface SseEvent {
  id?: string;
  event: string;
  data: Record<string, unknown>;
}

/** Read a whole SSE response into events (the stream ends when the job has finished). */
async function readStream(response: Response): Promise<SseEvent[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '' && !block.startsWith(':'))
    .map((block) => {
      const fields = Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
      return { id: fields.id, event: fields.event as string, data: JSON.parse(fields.data ?? '{}') as Record<string, unknown> };
    });
}

describe.each(testBackends())('engine progress API on %s (real server on loopback)', (backend) => {
  let db: TestDatabase;
  let engine: Engine;
  let app: FastifyInstance;
  let base: string;
  const call = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}`, ...headers } });

  beforeAll(async () => {
    db = await createTestDatabase(backend);
    await migrateEngine(db.sql);
    engine = createEngine({ sql: db.sql, pollIntervalMs: 20, maintenanceIntervalMs: 100 });
    app = await createServer({ sql: db.sql, repoRoot: process.cwd(), token: TOKEN });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
    await engine?.close();
    await db?.dispose();
  });

  const workflow = parseWorkflow({
    tasks: [
      { key: 'first', role: 'r', agent: 'noop', weight: 1, label: 'First…', with: { sleep_ms: 200 } },
      { key: 'second', role: 'r', agent: 'noop', weight: 3, label: 'Second…', with: { sleep_ms: 200 } },
    ],
    dependencies: [['first', 'second']],
  });

  it('streams a running job live over SSE, in order, with weighted progress, then ends', async () => {
    const jobId = await engine.submit(workflow);
    const events = await readStream(await call(`/api/engine/jobs/${jobId}/events`));
    expect(events.map((e) => `${e.event}${e.data.task_key ? `:${e.data.task_key as string}` : ''}`)).toEqual([
      'jobStarted', 'taskStarted:first', 'taskDone:first', 'taskStarted:second', 'taskDone:second', 'jobFinished', 'end',
    ]);
    expect(events.find((e) => e.event === 'taskDone')?.data.progress).toBe(25);
    expect(events.find((e) => e.event === 'jobFinished')?.data).toMatchObject({ status: 'succeeded', progress: 100 });
    const ids = events.filter((e) => e.id).map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));

    const resumed = await readStream(await call(`/api/engine/jobs/${jobId}/events`, { 'last-event-id': String(ids[2]) }));
    expect(resumed.map((e) => e.event)).toEqual(['taskStarted', 'taskDone', 'jobFinished', 'end']);

    const status = await call(`/api/engine/jobs/${jobId}`);
    expect(status.status).toBe(200);
    expect(((await status.json()) as { job: { status: string; progress: number } }).job).toMatchObject({ status: 'succeeded', progress: 100 });
  });

  it('answers 404 for an unknown job, 400 for a malformed id, 401 without the token', async () => {
    const missing = await call('/api/engine/jobs/00000000-0000-4000-8000-000000000000/events');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('ENGINE_JOB_NOT_FOUND');
    expect((await call('/api/engine/jobs/not-a-uuid')).status).toBe(400);
    expect((await fetch(`${base}/api/engine/jobs/00000000-0000-4000-8000-000000000000`)).status).toBe(401);
  });
});
