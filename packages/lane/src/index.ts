export * from './defaults.js';
export {
  loadLaneFile,
  parseLaneFile,
  MICROTASK_KINDS,
  type LaneFile,
  type Microtask,
  type MicrotaskKind,
  type AgentSpec,
  type ValidatorsConfig,
  type NotifierSpec,
  type SandboxMode,
  type BannedPattern,
  type ParseLaneOptions,
} from './lane-file.js';
export { runLane, prepareLane, type RunLaneOptions, type LaneRunResult, type TaskResult, type TaskStatus } from './runner.js';
export { lanePaths, ensureLanePaths, type LanePaths } from './paths.js';
export { cleanStaleWorktrees, type CleanResult } from './sandbox/worktree.js';
export { probeBwrap, bwrapArgv, type BwrapStatus } from './sandbox/bwrap.js';
export { selectSandbox, bwrapSandbox, worktreeSandbox, WORKTREE_MODE_GIVES_UP, type Sandbox, type SandboxRunOptions } from './sandbox/sandbox.js';
export { sandboxEnv, isProxyVariable } from './sandbox/env.js';
export { runCommand, type RunResult } from './sandbox/process.js';
export { webhookNotifier, notifierFor, type Notifier, type LaneNotification } from './notify.js';
export { attemptInstructions, failureSummary, retryInstructions, MAX_ATTEMPTS } from './retry.js';
export { migrateLane } from './records/schema.js';
export { EventLog, readEvents, eventId, EVENTS_FILE } from './records/jsonl.js';
export { syncEvents, syncRunBuffer, syncPendingRuns, recoverCrashedRuns, type BufferSync, type RecoveredRun } from './records/sync.js';
export type { LaneEvent, EventType, EventData } from './records/events.js';
export { laneStatus, type LaneStatus, type Criterion } from './status.js';
export { laneSummary, renderSummary, writeSummary, localDate, dayWindow, nextActionFor, type LaneSummary, type SummaryItem } from './summary.js';
export { VALIDATOR_NAMES, type Finding, type ValidatorName } from './validators/types.js';
export { importsOf, moduleMatches } from './validators/index.js';
export { parseAddedLines } from './changes.js';
export { globMatcher } from './glob.js';
export { syncLaneRecords, cleanLane, type RecordsSync, type CleanLaneResult } from './maintenance.js';
export { repoToplevel } from './git.js';
export { validateProposedFiles, defaultValidatorsConfig, type ProposedFile } from './validators/content.js';
export { secretPathsUnder, SANDBOX_TOOLCHAIN_PATHS, ETC_SECRET_PATHS, type MaskedPath } from './sandbox/view.js';
export { killMarked, markedProcesses, markerScopeFor, SANDBOX_MARKER_VARIABLE } from './sandbox/tree.js';
export { validateSecrets, highEntropyStrings, shannonEntropy } from './validators/secrets.js';
export { scanWorktree, preflightFindings } from './preflight.js';
