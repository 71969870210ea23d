import { AgentlaneError } from '@agentlane/core';
import type { Sql } from '@agentlane/store';

/**
 * Fencing: an attempt's number (`job_tasks.attempt_count` when it was claimed) is its
 * token, and every write an attempt makes is checked against it in the statement or the
 * transaction that makes it: completions and failures (`complete_success[_many]`,
 * `completeFailure`), the artifacts a completion carries, lease renewals (`renewLease`)
 * and partial results (`fencedWrite`, here). Once the task has been re-claimed (a higher
 * attempt number) or has ended, a write from the old attempt is refused with
 * ENGINE_ATTEMPT_FENCED and changes nothing but the old attempt's own row, so work done
 * twice can never be committed twice.
 */
export const ATTEMPT_FENCED = 'ENGINE_ATTEMPT_FENCED' as const;

export interface AttemptToken {
  taskId: string;
  attemptNo: number;
}

export function fencedError(attempt: AttemptToken, what: string): AgentlaneError {
  return new AgentlaneError(ATTEMPT_FENCED, `Refused ${what} from attempt ${attempt.attemptNo}: the task is no longer held by that attempt (re-claimed or ended)`, {
    details: { taskId: attempt.taskId, attempt: attempt.attemptNo },
  });
}

/**
 * Run `write` in a transaction that first takes the task row in share mode while the
 * attempt still holds it: the re-claim path (the reaper's failure, a cancel) updates
 * that row, so it waits for this write to commit, and a write that comes after it finds
 * the attempt number moved on and is refused.
 */
export async function fencedWrite<T>(sql: Sql, attempt: AttemptToken, what: string, write: (tx: Sql) => Promise<T>): Promise<T> {
  return sql.transaction(async (tx) => {
    const { rows } = await tx.query(
      `SELECT 1 AS held FROM engine_v2.job_tasks WHERE id = $1 AND status = 'running' AND attempt_count = $2 FOR SHARE`,
      [attempt.taskId, attempt.attemptNo],
    );
    if (rows.length === 0) throw fencedError(attempt, what);
    return write(tx);
  });
}
