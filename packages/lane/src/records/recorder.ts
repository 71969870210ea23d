/**
 * The runner's side of the records: every event goes to the JSONL buffer at
 * once; `sync()` (called at task boundaries) pushes what the database has not
 * seen yet. A database that is down does not stop the lane: the events wait in
 * the buffer, and the next boundary, or the next start, syncs them.
 */
import type { Logger } from '@agentlane/core';
import type { Sql } from '@agentlane/store';
import { TERMINAL_EVENTS, type EventData, type EventType, type LaneEvent } from './events.js';
import type { EventLog } from './jsonl.js';
import { syncEvents } from './sync.js';

export class Recorder {
  private pending: LaneEvent[] = [];
  private ended = false;

  constructor(
    readonly log: EventLog,
    private readonly sql: Sql | undefined,
    private readonly logger: Logger,
    private readonly listener?: (event: LaneEvent) => void,
  ) {}

  emit<T extends EventType>(type: T, data: EventData[T], where: { taskId?: string; attempt?: number } = {}): LaneEvent<T> {
    const event = this.log.append(type, data, where);
    if (TERMINAL_EVENTS.includes(type)) this.ended = true;
    this.pending.push(event);
    this.listener?.(event);
    return event;
  }

  /** A terminal event (run_finished, run_failed, run_crashed) was written. */
  get finished(): boolean {
    return this.ended;
  }

  /** Push unsynced events to the database; true when nothing is left pending. */
  async sync(): Promise<boolean> {
    if (!this.sql || this.pending.length === 0) return this.pending.length === 0;
    const batch = this.pending;
    try {
      await syncEvents(this.sql, batch, {
        onQuarantine: (q) => this.logger.warn({ code: q.code, seq: q.seq, type: q.type, reason: q.reason }, 'lane: the database refused an event; it was stored as quarantined'),
      });
      this.pending = this.pending.slice(batch.length);
      return this.pending.length === 0;
    } catch (error) {
      this.logger.warn({ err: (error as Error).message, pending: this.pending.length }, 'lane: event sync failed; the events stay in the JSONL buffer');
      return false;
    }
  }

  close(): void {
    this.log.close();
  }
}
