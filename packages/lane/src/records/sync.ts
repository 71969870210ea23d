/**
 * JSONL buffer → database. Each event is inserted once (its id is stable) and,
 * only when it was new, projected into runs / microtasks / attempts / checkpoints,
 * in the same transaction: syncing twice, or after a crash, changes nothing.
 *
 * Every write goes through `redactingSql` (no secret reaches a lane table) and the
 * store's sanitizer (U+0000 and the like become U+FFFD). An event the database still
 * refuses does not block the ones after it: it is stored as a `quarantined` event
 * (LANE_EVENT_QUARANTINED, with the reason) and the sync goes on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { coerceError, stableUuid } from '@agentlane/core';
import { redactingSql, type Sql } from '@agentlane/store';
import type { LanePaths } from '../paths.js';
import { isEvent, TERMINAL_EVENTS, type LaneEvent } from './events.js';
import { EVENTS_FILE, EventLog, readEvents } from './jsonl.js';

/** Marks a run whose buffer is complete and fully synced. */
const SYNCED_MARKER = 'synced';

const json = (value: unknown) => JSON.stringify(value);

async function project(tx: Sql, event: LaneEvent): Promise<void> {
  const { runId, at } = event;
  if (isEvent(event, 'run_started')) {
    const d = event.data;
    await tx.query(
      `INSERT INTO lane.runs (id, lane_name, lane_file, repo_root, base_ref, base_commit, branch, start_commit, head_commit,
                              sandbox, sandbox_warning, unattended, pid, status, settings, started_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11, $12, 'running', $13, $14)
       ON CONFLICT (id) DO NOTHING`,
      [runId, d.lane, d.laneFile, d.repoRoot, d.base, d.baseCommit, d.branch, d.startCommit, d.sandbox, d.sandboxWarning, d.unattended, d.pid, json(d.settings), at],
    );
    for (const task of d.tasks) {
      await tx.query(
        `INSERT INTO lane.microtasks (run_id, id, kind, position, instructions, depends_on, allowed_paths, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending') ON CONFLICT DO NOTHING`,
        [runId, task.id, task.kind, task.position, task.instructions, task.dependsOn, task.allowedPaths],
      );
    }
  } else if (isEvent(event, 'task_started')) {
    await tx.query(`UPDATE lane.microtasks SET status = 'running', started_at = $3 WHERE run_id = $1 AND id = $2`, [runId, event.taskId, at]);
  } else if (isEvent(event, 'attempt_started')) {
    await tx.query(
      `INSERT INTO lane.attempts (run_id, microtask_id, attempt, status, retry_context, started_at)
       VALUES ($1, $2, $3, 'running', $4, $5) ON CONFLICT DO NOTHING`,
      [runId, event.taskId, event.attempt, event.data.retryContext, at],
    );
    await tx.query(`UPDATE lane.microtasks SET attempts = GREATEST(attempts, $3) WHERE run_id = $1 AND id = $2`, [runId, event.taskId, event.attempt]);
  } else if (isEvent(event, 'agent_finished')) {
    const d = event.data;
    await tx.query(
      `UPDATE lane.attempts SET agent_exit = $4, agent_signal = $5, timed_out = $6, agent_ms = $7
       WHERE run_id = $1 AND microtask_id = $2 AND attempt = $3`,
      [runId, event.taskId, event.attempt, d.exitCode, d.signal, d.timedOut, d.durationMs],
    );
  } else if (isEvent(event, 'attempt_finished')) {
    const d = event.data;
    const c = d.changes;
    await tx.query(
      `UPDATE lane.attempts SET status = $4, findings = $5, stopped_by = $6, files_changed = $7, lines_added = $8,
              lines_deleted = $9, files_created = $10, disk_growth = $11, changed_files = $12, diff = $13, tests_ms = $14,
              rollback_ok = $15, failure_summary = $16, finished_at = $17
       WHERE run_id = $1 AND microtask_id = $2 AND attempt = $3`,
      [
        runId, event.taskId, event.attempt, d.outcome, json(d.findings), d.stoppedBy,
        c?.files.length ?? null, c?.linesAdded ?? null, c?.linesDeleted ?? null, c?.filesCreated ?? null, c?.diskGrowth ?? null,
        c === null ? null : json(c.files), d.diff, d.testsMs, d.rollback?.ok ?? null, d.failureSummary, at,
      ],
    );
  } else if (isEvent(event, 'task_finished')) {
    const d = event.data;
    await tx.query(
      `UPDATE lane.microtasks SET status = $3, attempts = $4, commit_sha = $5, failure = $6, finished_at = $7 WHERE run_id = $1 AND id = $2`,
      [runId, event.taskId, d.outcome, d.attempts, d.commit, d.failure === null ? null : json(d.failure), at],
    );
  } else if (isEvent(event, 'task_skipped')) {
    await tx.query(`UPDATE lane.microtasks SET status = 'skipped', skip_reason = $3, finished_at = $4 WHERE run_id = $1 AND id = $2`, [
      runId, event.taskId, event.data.reason, at,
    ]);
  } else if (isEvent(event, 'checkpoint_created')) {
    const d = event.data;
    await tx.query(
      `INSERT INTO lane.checkpoints (run_id, seq, commit_sha, tag, successes, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [runId, d.seq, d.commit, d.tag, d.successes, at],
    );
  } else if (isEvent(event, 'lane_stopped')) {
    const d = event.data;
    await tx.query(`UPDATE lane.runs SET stop_reason = $2, head_commit = $3 WHERE id = $1`, [runId, d.reason, d.resetTo.commit]);
    if (d.reverted.length > 0) {
      await tx.query(`UPDATE lane.microtasks SET status = 'reverted' WHERE run_id = $1 AND id = ANY($2::text[])`, [runId, d.reverted]);
    }
  } else if (isEvent(event, 'run_finished')) {
    await tx.query(`UPDATE lane.runs SET status = $2, head_commit = $3, finished_at = $4 WHERE id = $1`, [runId, event.data.status, event.data.head, at]);
  } else if (isEvent(event, 'run_failed')) {
    await tx.query(`UPDATE lane.runs SET status = 'failed', stop_reason = $2, finished_at = $3 WHERE id = $1`, [runId, `${event.data.code}: ${event.data.message}`, at]);
  } else if (isEvent(event, 'run_crashed')) {
    await tx.query(`UPDATE lane.runs SET status = 'crashed', finished_at = $2 WHERE id = $1 AND status = 'running'`, [runId, at]);
    await tx.query(`UPDATE lane.microtasks SET status = 'interrupted', finished_at = $2 WHERE run_id = $1 AND status = 'running'`, [runId, at]);
    await tx.query(`UPDATE lane.attempts SET status = 'interrupted', finished_at = $2 WHERE run_id = $1 AND status = 'running'`, [runId, at]);
  }
}

async function insertAndProject(tx: Sql, events: readonly LaneEvent[]): Promise<number> {
  let inserted = 0;
  for (const event of events) {
    const result = await tx.query<{ id: string }>(
      `INSERT INTO lane.events (id, run_id, seq, type, microtask_id, attempt, at, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [event.id, event.runId, event.seq, event.type, event.taskId, event.attempt, event.at, json(event.data)],
    );
    if (result.rows.length === 0) continue;
    inserted += 1;
    await project(tx, event);
  }
  return inserted;
}

/** An event that could not be stored, replaced by a `quarantined` event. */
export interface QuarantinedEvent {
  runId: string;
  seq: number;
  type: string;
  code: 'LANE_EVENT_QUARANTINED';
  /** Why the database refused it (redacted). */
  reason: string;
}

/** SQLSTATE classes of failures that say nothing about the event: connection, transaction rollback, resources, operator. */
const TRANSIENT_SQLSTATE = /^(08|40|53|57|58)|^55P03$/;

function isTransient(error: unknown): boolean {
  const pgCode = coerceError(error).details.pgCode;
  return typeof pgCode === 'string' && TRANSIENT_SQLSTATE.test(pgCode);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const asUuid = (value: string, kind: string) => (UUID.test(value) ? value : stableUuid(['lane-quarantine', kind, value]));

/** Store the quarantine record: only values that always fit the columns (the refused value itself may be what did not). */
async function quarantine(sql: Sql, event: LaneEvent, error: unknown): Promise<QuarantinedEvent> {
  const reason = coerceError(error).message.slice(0, 2000);
  const record: QuarantinedEvent = { runId: String(event.runId), seq: Number(event.seq), type: String(event.type).slice(0, 100), code: 'LANE_EVENT_QUARANTINED', reason };
  await sql.query(
    `INSERT INTO lane.events (id, run_id, seq, type, microtask_id, attempt, at, data)
     VALUES ($1, $2, $3, 'quarantined', NULL, NULL, now(), $4) ON CONFLICT DO NOTHING`,
    [asUuid(String(event.id), 'id'), asUuid(record.runId, 'run'), record.seq, json({ code: record.code, type: record.type, reason })],
  );
  return record;
}

export interface SyncEventsOptions {
  /** Told about each event stored as quarantined. */
  onQuarantine?: (event: QuarantinedEvent) => void;
}

/**
 * Insert the events not yet in the database and project them. Returns how many were
 * new. All in one transaction; when that fails, event by event, so that one event the
 * database refuses is quarantined instead of failing every later sync. A database that
 * is down (or a transient failure) throws: the events wait in the buffer.
 */
export async function syncEvents(sql: Sql, events: readonly LaneEvent[], options: SyncEventsOptions = {}): Promise<number> {
  if (events.length === 0) return 0;
  const records = redactingSql(sql);
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  try {
    return await records.transaction((tx) => insertAndProject(tx, sorted));
  } catch (error) {
    if (isTransient(error)) throw error;
  }
  let inserted = 0;
  for (const event of sorted) {
    try {
      inserted += await records.transaction((tx) => insertAndProject(tx, [event]));
    } catch (error) {
      if (isTransient(error)) throw error;
      await records.query('SELECT 1'); // the database itself is unreachable: throw, nothing is quarantined
      const quarantined = await quarantine(records, event, error);
      options.onQuarantine?.(quarantined);
      inserted += 1;
    }
  }
  return inserted;
}

export interface BufferSync {
  runId: string;
  inserted: number;
  total: number;
  /** Lines that did not parse (a line torn by a crash). */
  corrupt: number;
  /** Events the database refused, stored as `quarantined` events. */
  quarantined: QuarantinedEvent[];
  complete: boolean;
}

/** Sync one run's buffer (a directory under lane/runs); marks it done once it is complete. */
export async function syncRunBuffer(sql: Sql, dir: string): Promise<BufferSync> {
  const runId = path.basename(dir);
  const { events, corrupt } = readEvents(path.join(dir, EVENTS_FILE));
  const complete = events.some((e) => TERMINAL_EVENTS.includes(e.type));
  const quarantined: QuarantinedEvent[] = [];
  const inserted = await syncEvents(sql, events, { onQuarantine: (q) => quarantined.push(q) });
  if (complete) fs.writeFileSync(path.join(dir, SYNCED_MARKER), `${events.length}\n`);
  return { runId, inserted, total: events.length, corrupt, quarantined, complete };
}

function pendingRunDirs(paths: LanePaths): string[] {
  if (!fs.existsSync(paths.runs)) return [];
  return fs
    .readdirSync(paths.runs)
    .sort()
    .map((name) => path.join(paths.runs, name))
    .filter((dir) => fs.existsSync(path.join(dir, EVENTS_FILE)) && !fs.existsSync(path.join(dir, SYNCED_MARKER)));
}

/** Sync every run buffer not yet marked done: what a crash, or a database that was down, left behind. */
export async function syncPendingRuns(sql: Sql, paths: LanePaths): Promise<BufferSync[]> {
  const results: BufferSync[] = [];
  for (const dir of pendingRunDirs(paths)) results.push(await syncRunBuffer(sql, dir));
  return results;
}

export interface RecoveredRun {
  runId: string;
  lastSeq: number;
  /** The agent process group the crashed run left running, killed now. */
  killedAgent: number | null;
}

/**
 * Record every unfinished run as crashed, in its own buffer (so the buffer stays
 * the one record). Only call this holding the lane lock: then nobody is writing
 * those buffers any more. An agent the crashed run left running (its pid is in the
 * buffer) is killed when it still works inside one of the lane's worktrees.
 */
export function recoverCrashedRuns(paths: LanePaths): RecoveredRun[] {
  const recovered: RecoveredRun[] = [];
  for (const dir of pendingRunDirs(paths)) {
    const runId = path.basename(dir);
    const file = path.join(dir, EVENTS_FILE);
    const { events } = readEvents(file);
    if (events.length === 0 || events.some((e) => TERMINAL_EVENTS.includes(e.type))) continue;
    const killedAgent = killLeftoverAgent(events, paths);
    const log = EventLog.reopen(file, runId);
    log.append('run_crashed', { detectedBy: process.pid, lastSeq: log.lastSeq });
    recovered.push({ runId, lastSeq: log.lastSeq - 1, killedAgent });
    log.close();
  }
  return recovered;
}

function killLeftoverAgent(events: readonly LaneEvent[], paths: LanePaths): number | null {
  const last = [...events].reverse().find((e) => e.type === 'agent_started' || e.type === 'agent_finished');
  if (!last || !isEvent(last, 'agent_started')) return null;
  const pid = last.data.pid;
  let cwd: string;
  try {
    // Linux: a pid reused by an unrelated process will not be working in our worktrees.
    cwd = fs.realpathSync(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
  const root = fs.realpathSync(paths.worktrees);
  if (!cwd.startsWith(`${root}${path.sep}`)) return null;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return null;
    }
  }
  return pid;
}
