/**
 * The lane's events: the one record of what happened. They are appended to the
 * run's JSONL buffer first and projected into the `lane` tables by the sync.
 * No event carries a secret: no environment, no webhook URL, diffs and output
 * pass through redactSecrets.
 */
import type { LimitsConfig } from '../defaults.js';
import type { ChangeStatus } from '../changes.js';
import type { MicrotaskKind } from '../lane-file.js';
import type { Finding, ValidatorName } from '../validators/types.js';

export interface TaskPlan {
  id: string;
  kind: MicrotaskKind;
  position: number;
  instructions: string;
  dependsOn: string[];
  allowedPaths: string[];
}

export interface ChangeSummary {
  files: { path: string; status: ChangeStatus; linesAdded: number | null; linesDeleted: number | null }[];
  linesAdded: number;
  linesDeleted: number;
  filesCreated: number;
  diskGrowth: number;
}

export interface EventData {
  run_started: {
    lane: string;
    laneFile: string;
    repoRoot: string;
    base: string;
    baseCommit: string;
    branch: string;
    startCommit: string;
    sandbox: 'bwrap' | 'worktree';
    sandboxWarning: string | null;
    unattended: boolean;
    pid: number;
    settings: { checkpointEvery: number; stopAfterFailures: number; limits: LimitsConfig; test: string[] };
    tasks: TaskPlan[];
  };
  worktrees_cleaned: { worktrees: string[]; branches: string[] };
  health_checked: { ok: boolean; agents: { command: string; ok: boolean; detail: string }[] };
  task_started: { worktree: string; base: string };
  attempt_started: { retryContext: string | null };
  agent_started: { pid: number };
  agent_finished: { exitCode: number | null; signal: string | null; timedOut: boolean; durationMs: number };
  attempt_finished: {
    outcome: 'succeeded' | 'failed';
    findings: Finding[];
    stoppedBy: ValidatorName | null;
    changes: ChangeSummary | null;
    diff: string | null;
    testsMs: number | null;
    rollback: { ok: boolean; leftovers: string[] } | null;
    failureSummary: string | null;
  };
  task_finished: { outcome: 'succeeded' | 'failed'; attempts: number; commit: string | null; failure: Finding[] | null };
  task_skipped: { reason: string };
  checkpoint_created: { seq: number; commit: string; tag: string | null; successes: number };
  lane_stopped: { reason: string; failedTasks: string[]; resetTo: { seq: number; commit: string }; reverted: string[]; pending: string[] };
  notification: { kind: string; notifier: string; ok: boolean; error: string | null };
  run_finished: { status: 'completed' | 'stopped'; head: string; succeeded: number; failed: number; skipped: number; pending: number };
  run_failed: { code: string; message: string };
  run_crashed: { detectedBy: number; lastSeq: number };
}

export type EventType = keyof EventData;

export interface LaneEvent<T extends EventType = EventType> {
  /** Stable from the run id and the sequence number: the sync's idempotency key. */
  id: string;
  runId: string;
  seq: number;
  at: string;
  type: T;
  taskId: string | null;
  attempt: number | null;
  data: EventData[T];
}

/** Events after which nothing more is written to a run's buffer. */
export const TERMINAL_EVENTS: readonly EventType[] = ['run_finished', 'run_failed', 'run_crashed'];

export function isEvent<T extends EventType>(event: LaneEvent, type: T): event is LaneEvent<T> {
  return event.type === type;
}
