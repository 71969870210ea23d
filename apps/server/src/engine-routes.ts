import type { FastifyInstance } from 'fastify';
import { coerceError, type Logger } from '@agentlane/core';
import type { Sql } from '@agentlane/store';
import { jobStatus, watchEvents, type EngineEvent } from '@agentlane/engine';

/**
 * engine_v2 progress for dashboards and clients (seed 001 §13):
 * `GET /api/engine/jobs/:id` is the job and its tasks; `GET /api/engine/jobs/:id/events` is
 * a Server-Sent Events stream of its events from `job_task_events` (taskStarted, taskDone,
 * taskSkipped, taskFailed, partialResult, … with `progress` in percent), replayed from the
 * start or after `Last-Event-ID` / `?after=`, ending with `event: end` once the job has
 * finished. Events are read from the database, so any server instance can stream any job.
 */
export interface EngineRouteOptions {
  sql: Sql;
  /** @defaultValue 250 */
  pollMs?: number;
  /** Comment line sent while nothing happens, so proxies keep the stream open. @defaultValue 15_000 */
  keepAliveMs?: number;
  logger?: Logger;
}

const jobParams = {
  type: 'object',
  properties: { id: { type: 'string', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' } },
  required: ['id'],
} as const;

function frame(event: EngineEvent): string {
  const data = { seq: event.seq, type: event.type, task_id: event.taskId, created_at: event.createdAt.toISOString(), ...event.data };
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(data)}\n\n`;
}

export async function registerEngineRoutes(app: FastifyInstance, options: EngineRouteOptions): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/api/engine/jobs/:id',
    { schema: { summary: 'An engine_v2 job: state, progress and tasks', params: jobParams } },
    async (request) => ({ job: await jobStatus(options.sql, request.params.id) }),
  );

  app.get<{ Params: { id: string }; Querystring: { after?: number } }>(
    '/api/engine/jobs/:id/events',
    {
      schema: {
        summary: 'Server-Sent Events: the progress events of an engine_v2 job, until it finishes',
        params: jobParams,
        querystring: { type: 'object', properties: { after: { type: 'integer', minimum: 0 } }, additionalProperties: false },
      },
    },
    async (request, reply) => {
      // Unknown jobs get a JSON 404 before the stream starts.
      await jobStatus(options.sql, request.params.id);
      const header = Number(request.headers['last-event-id']);
      const after = Number.isInteger(header) && header >= 0 ? header : (request.query.after ?? 0);
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const closed = new AbortController();
      request.raw.on('close', () => closed.abort());
      const keepAlive = setInterval(() => out.write(': keep-alive\n\n'), options.keepAliveMs ?? 15_000);
      try {
        for await (const event of watchEvents(options.sql, request.params.id, { afterSeq: after, pollMs: options.pollMs ?? 250, signal: closed.signal })) {
          out.write(frame(event));
        }
        if (!closed.signal.aborted) out.write('event: end\ndata: {}\n\n');
      } catch (error) {
        const failure = coerceError(error);
        options.logger?.error({ err: failure }, 'engine event stream failed');
        if (!closed.signal.aborted) out.write(`event: error\ndata: ${JSON.stringify({ code: failure.code, message: 'stream failed' })}\n\n`);
      } finally {
        clearInterval(keepAlive);
        out.end();
      }
    },
  );
}
