/**
 * The seed's fallback error codes (seed 001 §15), recorded on `job_runs.error_code` and in
 * `job_task_events` for aggregation. `v2_canceled` is agentlane's addition for a job that
 * was canceled (by a user or the kill switch) rather than failing.
 */
export const FALLBACK_CODES = {
  v2_output_invalid: 'Required fields missing from the v2 result',
  v2_task_failed: 'A task failed after all its attempts',
  v2_timeout: 'The whole job exceeded its timeout',
  v2_scheduler_error: 'Scheduler internal error (database, queue)',
  v2_dag_deadlock: 'Tasks left waiting with nothing ready or running (circular or missing dependency)',
  v2_staging_error: 'A staging filesystem operation failed',
  v2_concurrent_apply: 'The per-project apply lock was not acquired',
  v2_unknown: 'Unclassified error',
  v2_canceled: 'The job was canceled (request or kill switch)',
} as const;

export type FallbackCode = keyof typeof FALLBACK_CODES;

/**
 * Task-level codes on attempts and tasks: why one attempt or task ended as it did.
 * Agents may add their own lowercase codes (`exec_failed`, …).
 */
export const TASK_CODES = {
  upstream_failed: 'Canceled: an upstream task failed',
  task_timeout: 'The attempt exceeded the task timeout and was stopped',
  lease_expired: 'The worker stopped heartbeating (died or hung); the attempt was abandoned',
  lease_lost: 'This worker lost the lease (the task was re-claimed or the job ended)',
  job_canceled: 'The job was canceled while the task waited or ran',
  agent_error: 'The agent threw an error without a code',
} as const;

export const PARTIAL_RESULT_INLINE_LIMIT = 64 * 1024;
