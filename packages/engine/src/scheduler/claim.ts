import type { Sql } from '@agentlane/store';
import type { Json } from '../workflow/condition.js';
import type { TaskConfig } from './task-config.js';

/**
 * Seed §8.2: take ready tasks with `FOR UPDATE SKIP LOCKED`, so two workers never get the
 * same task, and in the same transaction start each one's attempt row, lease and
 * `taskStarted` event, and read what it needs (job input, upstream outputs). One statement,
 * `engine_v2.claim_many` (migration 0003), for any number of tasks: inline workers take the
 * oldest runnable ones (`limit` of them), a BullMQ worker names the tasks its deliveries
 * carry. A named task that is no longer ready (a duplicate delivery, a task another worker
 * holds) is not in the answer, which keeps execution exactly-once whatever the queue does.
 */
const CLAIM_MANY = 'SELECT engine_v2.claim_many($1, $2, $3::text[], $4::uuid[], $5) AS c';
/** One task: `engine_v2.claim` (0001), whose single-row statements beat the set-based ones for a group of one. */
const CLAIM_ONE = 'SELECT engine_v2.claim($1, $2, $3::text[], $4::uuid) AS c';

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
  /**
   * `performance.now()` in this process when the claim was sent: the lease runs at least
   * `leaseMs` from then (the database set it later). Not from the database.
   */
  lease_from?: number;
}

export interface ClaimOptions {
  workerId: string;
  leaseMs: number;
}

/**
 * Named tasks (`taskIds`: each one that is ready, whatever its role), or else the oldest
 * `limit` runnable tasks of `roles` (every role when unset).
 */
export async function claimMany(
  sql: Sql,
  options: ClaimOptions & ({ taskIds: readonly string[]; roles?: undefined; limit?: undefined } | { taskIds?: undefined; roles?: readonly string[]; limit?: number }),
): Promise<ClaimedTask[]> {
  const ids = options.taskIds ? [...new Set(options.taskIds)] : undefined;
  if (ids?.length === 0) return [];
  const leaseFrom = performance.now();
  const stamp = (tasks: ClaimedTask[]) => {
    for (const task of tasks) task.lease_from = leaseFrom;
    return tasks;
  };
  if (ids ? ids.length === 1 : (options.limit ?? 1) === 1) {
    const { rows } = await sql.query<{ c: ClaimedTask | null }>(CLAIM_ONE, [options.workerId, options.leaseMs, options.roles ? [...options.roles] : null, ids?.[0] ?? null]);
    const claimed = rows[0]?.c;
    return claimed ? stamp([claimed]) : [];
  }
  const { rows } = await sql.query<{ c: ClaimedTask[] }>(CLAIM_MANY, [
    options.workerId,
    options.leaseMs,
    options.roles ? [...options.roles] : null,
    ids ?? null,
    options.limit ?? ids?.length ?? 1,
  ]);
  return stamp(rows[0]?.c ?? []);
}

/** The oldest runnable task (of some roles), or null. */
export async function claimNext(sql: Sql, options: ClaimOptions & { roles?: readonly string[] }): Promise<ClaimedTask | null> {
  return (await claimMany(sql, { ...options, limit: 1 }))[0] ?? null;
}

/** One named task, or null when it is not ready (or not yet runnable). */
export async function claimTask(sql: Sql, taskId: string, options: ClaimOptions): Promise<ClaimedTask | null> {
  return (await claimMany(sql, { ...options, taskIds: [taskId] }))[0] ?? null;
}
