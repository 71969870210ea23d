/**
 * The run's event buffer: one JSON object per line, appended and fsynced before
 * the lane moves on, so a crash (of the lane, or of the machine once the write
 * returned) loses nothing. A line torn by a crash mid-write is dropped when the
 * buffer is reopened; it was never complete, so it was never synced either.
 */
import fs from 'node:fs';
import path from 'node:path';
import { redactSecretsDeep, stableUuid } from '@agentlane/core';
import type { EventData, EventType, LaneEvent } from './events.js';

export const EVENTS_FILE = 'events.jsonl';

export function eventId(runId: string, seq: number): string {
  return stableUuid(['lane-event', runId, seq]);
}

export interface ReadResult {
  events: LaneEvent[];
  /** Lines that did not parse (a torn last line after a crash), or are not events. */
  corrupt: number;
}

/** The envelope every event has; a line without it cannot be synced or ordered. */
function isEventShape(value: unknown): value is LaneEvent {
  if (value === null || typeof value !== 'object') return false;
  const e = value as Record<string, unknown>;
  return typeof e.id === 'string' && typeof e.runId === 'string' && Number.isInteger(e.seq) && typeof e.type === 'string'
    && typeof e.at === 'string' && e.data !== null && typeof e.data === 'object';
}

export function readEvents(file: string): ReadResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], corrupt: 0 };
    throw error;
  }
  const events: LaneEvent[] = [];
  let corrupt = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      corrupt += 1;
      continue;
    }
    if (isEventShape(parsed)) events.push(parsed);
    else corrupt += 1;
  }
  return { events, corrupt };
}

export class EventLog {
  private fd: number;
  private seq: number;

  private constructor(
    readonly file: string,
    readonly runId: string,
    lastSeq: number,
    private readonly now: () => Date,
  ) {
    this.fd = fs.openSync(file, 'a');
    this.seq = lastSeq;
  }

  /** A new buffer for a new run. */
  static create(dir: string, runId: string, now: () => Date = () => new Date()): EventLog {
    fs.mkdirSync(dir, { recursive: true });
    return new EventLog(path.join(dir, EVENTS_FILE), runId, 0, now);
  }

  /** Reopen a run's buffer to append (crash recovery), dropping a torn last line first. */
  static reopen(file: string, runId: string, now: () => Date = () => new Date()): EventLog {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (text.length > 0 && !text.endsWith('\n')) {
      fs.truncateSync(file, Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
    }
    const { events } = readEvents(file);
    return new EventLog(file, runId, events.reduce((max, e) => Math.max(max, e.seq), 0), now);
  }

  get lastSeq(): number {
    return this.seq;
  }

  append<T extends EventType>(type: T, data: EventData[T], where: { taskId?: string; attempt?: number } = {}): LaneEvent<T> {
    this.seq += 1;
    const event: LaneEvent<T> = {
      id: eventId(this.runId, this.seq),
      runId: this.runId,
      seq: this.seq,
      at: this.now().toISOString(),
      type,
      taskId: where.taskId ?? null,
      attempt: where.attempt ?? null,
      // The buffer is a record like the tables it feeds: no secret is written to it.
      data: redactSecretsDeep(data),
    };
    fs.writeSync(this.fd, `${JSON.stringify(event)}\n`);
    fs.fsyncSync(this.fd);
    return event;
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}
