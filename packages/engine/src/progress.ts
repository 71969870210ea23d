import type { Sql } from '@agentlane/store';
import { PARTIAL_RESULT_INLINE_LIMIT } from './codes.js';
import type { Json } from './workflow/condition.js';

/**
 * Progress events (seed 001 §13), written to `job_task_events` in the transaction that
 * changes the state they report, and read back in `seq` order by waiters, the CLI and the
 * server's SSE stream. `progress` is the percentage of task weight that is terminal.
 */
export const EVENT_TYPES = [
  'jobStarted',
  'taskStarted',
  'taskDone',
  'taskSkipped',
  'taskFailed',
  'taskCanceled',
  'partialResult',
  'jobFinished',
  'fallback',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

export interface EngineEvent {
  seq: number;
  jobId: string;
  taskId: string | null;
  type: EventType;
  data: Record<string, Json>;
  createdAt: Date;
}

/** Percent of weight in terminal states, computed in SQL from the job's current rows. */
const PROGRESS_SQL = 'engine_v2.job_progress($1)';

export interface NewEvent {
  taskId: string | null;
  type: EventType;
  data: Record<string, unknown>;
}

/**
 * Append events for one job in one statement; each gets the job's progress at this point
 * of the transaction when `withProgress` is set.
 */
export async function insertEvents(sql: Sql, jobId: string, events: readonly NewEvent[], withProgress = true): Promise<void> {
  if (events.length === 0) return;
  await sql.query(
    `INSERT INTO engine_v2.job_task_events (job_id, task_id, event_type, data)
     SELECT $1, e.task_id, e.event_type,
            CASE WHEN $5 THEN e.data::jsonb || jsonb_build_object('progress', ${PROGRESS_SQL}) ELSE e.data::jsonb END
     FROM unnest($2::uuid[], $3::text[], $4::text[]) WITH ORDINALITY AS e(task_id, event_type, data, n)
     ORDER BY e.n`,
    [jobId, events.map((e) => e.taskId), events.map((e) => e.type), events.map((e) => JSON.stringify(e.data)), withProgress],
  );
}

interface EventRow {
  seq: number;
  job_id: string;
  task_id: string | null;
  event_type: EventType;
  data: Record<string, Json>;
  created_at: Date;
}

const toEvent = (row: EventRow): EngineEvent => ({
  seq: Number(row.seq),
  jobId: row.job_id,
  taskId: row.task_id,
  type: row.event_type,
  data: row.data,
  createdAt: row.created_at,
});

export async function listEvents(sql: Sql, jobId: string, afterSeq = 0, limit = 1000): Promise<EngineEvent[]> {
  const { rows } = await sql.query<EventRow>(
    `SELECT seq, job_id, task_id, event_type, data, created_at FROM engine_v2.job_task_events
     WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    [jobId, afterSeq, limit],
  );
  return rows.map(toEvent);
}

export interface WatchOptions {
  afterSeq?: number;
  /** @defaultValue 250 */
  pollMs?: number;
  signal?: AbortSignal;
  /** Resolves early when the job may have changed (in-process notifications). */
  wake?: (timeoutMs: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Every event of a job from `afterSeq` on, waiting for new ones, until `jobFinished` (or the
 * signal aborts). Replays history first, so a late subscriber misses nothing.
 */
export async function* watchEvents(sql: Sql, jobId: string, options: WatchOptions = {}): AsyncGenerator<EngineEvent> {
  let after = options.afterSeq ?? 0;
  const pollMs = options.pollMs ?? 250;
  const sleep = options.wake ?? ((ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  }));
  while (!options.signal?.aborted) {
    const events = await listEvents(sql, jobId, after);
    for (const event of events) {
      after = event.seq;
      yield event;
      if (event.type === 'jobFinished') return;
    }
    if (events.length === 0) await sleep(pollMs, options.signal);
  }
}

/** A partial result goes inline up to 64 KB; larger ones become an artifact the event points to. */
export async function recordPartialResult(sql: Sql, jobId: string, taskId: string, taskKey: string, data: Json): Promise<void> {
  const text = JSON.stringify(data);
  const bytes = Buffer.byteLength(text);
  if (bytes <= PARTIAL_RESULT_INLINE_LIMIT) {
    await insertEvents(sql, jobId, [{ taskId, type: 'partialResult', data: { task_key: taskKey, ref: 'inline', data } }], false);
    return;
  }
  await sql.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO engine_v2.job_task_artifacts (job_id, task_id, kind, content, metadata)
       VALUES ($1, $2, 'partial', $3::jsonb, jsonb_build_object('bytes', $4::int)) RETURNING id`,
      [jobId, taskId, text, bytes],
    );
    const artifactId = rows[0]?.id as string;
    await insertEvents(tx, jobId, [{ taskId, type: 'partialResult', data: { task_key: taskKey, ref: 'artifact', uri: `artifact:${artifactId}`, artifact_id: artifactId, bytes } }], false);
  });
}
