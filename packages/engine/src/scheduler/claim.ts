import type { Sql } from '@agentlane/store';
import type { Json } from '../workflow/condition.js';
import type { TaskConfig } from './task-config.js';

/**
 * Seed §8.2: take one ready task with `FOR UPDATE SKIP LOCKED`, so two workers never get
 * the same task, and in the same transaction start its attempt row, its lease and its
 * `taskStarted` event, and read what the task needs (job input, upstream outputs). The
 * statements are `engine_v2.claim` (migration 0001; PL/pgSQL keeps their plans cached per
 * connection). `claimNext` takes the oldest runnable task (inline workers); `claimTask`
 * takes one named task (a BullMQ delivery: a duplicate delivery finds it no longer ready
 * and gets null, which keeps execution exactly-once whatever the queue does).
 */
const CLAIM = 'SELECT engine_v2.claim($1, $2, $3::text[], $4::uuid) AS c';

export interface ClaimedTask {
  id: string;
  job_id: string;
  task_key: string;
  agent_role: string;
  agent: string;
  config: TaskConfig;
  /** This attempt's number (1-based): the fencing token for every later write. */
  attempt_count: number;
  max_attempts: number;
  display_label: string | null;
  weight: number;
  template_id: string | null;
  attempt_id: string;
  job_input: Json;
  staging_dir: string | null;
  source_dir: string | null;
  upstream: Record<string, Json>;
}

export interface ClaimOptions {
  workerId: string;
  leaseMs: number;
}

export async function claimNext(sql: Sql, options: ClaimOptions & { roles?: readonly string[] }): Promise<ClaimedTask | null> {
  const { rows } = await sql.query<{ c: ClaimedTask | null }>(CLAIM, [options.workerId, options.leaseMs, options.roles ? [...options.roles] : null, null]);
  return rows[0]?.c ?? null;
}

export async function claimTask(sql: Sql, taskId: string, options: ClaimOptions): Promise<ClaimedTask | null> {
  const { rows } = await sql.query<{ c: ClaimedTask | null }>(CLAIM, [options.workerId, options.leaseMs, null, taskId]);
  return rows[0]?.c ?? null;
}
