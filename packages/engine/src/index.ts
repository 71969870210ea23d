export { Engine, createEngine, type EngineOptions, type TransportOption, type WaitOptions } from './engine.js';
export { migrateEngine, OWNED_JOBS_TABLE, type MigrateEngineOptions } from './schema.js';
export { resolveSchedulerOptions, retryDelayMs, type SchedulerOptions, type ResolvedSchedulerOptions } from './options.js';
export { FALLBACK_CODES, TASK_CODES, PARTIAL_RESULT_INLINE_LIMIT, type FallbackCode } from './codes.js';
export * from './workflow/dag.js';
export * from './workflow/condition.js';
export { parseWorkflow, parseWorkflowText, toDocument, durationSchema, MAX_TASKS, type Workflow, type WorkflowTask, type WorkflowDocument } from './workflow/schema.js';
export { DEFAULT_WORKFLOW_DOCUMENT, defaultWorkflow, BUILTIN_WORKFLOWS } from './workflow/builtin.js';
export { loadWorkflow } from './workflow/load.js';
export { exceedsJsonDepth, MAX_JSON_DEPTH } from './workflow/depth.js';
export { AgentRegistry, createAgentRegistry } from './agents/registry.js';
export { execAgent, type ExecAgentOptions } from './agents/exec.js';
export { noopAgent } from './agents/noop.js';
export { seedStubAgents } from './agents/stubs.js';
export { TaskError, type Agent, type AgentContext, type AgentResult, type AgentUsage, type ArtifactInput, type TaskInput } from './agents/types.js';
export { EVENT_TYPES, listEvents, watchEvents, insertEvents, recordPartialResult, type EngineEvent, type EventType, type WatchOptions } from './progress.js';
export { jobStatus, jobArtifacts, type JobStatus, type TaskView, type ArtifactView } from './status.js';
export { SCHEDULER_VERSION, type SubmitOptions, type RunMode } from './scheduler/submit.js';
export type { DispatchTask, SchedulerContext } from './scheduler/context.js';
export { claimMany, claimNext, claimTask, type ClaimedTask, type ClaimOptions } from './scheduler/claim.js';
export { cancelJob, expireDeadlines } from './scheduler/cancel.js';
export { ATTEMPT_FENCED, fencedWrite } from './scheduler/fence.js';
export { isConnectionLoss, connectionLost, retryConnectionLoss, type RetryOptions } from './scheduler/reconnect.js';
export { InlineTransport } from './transport/inline.js';
export { BullmqTransport, queueName, type BullmqTransportOptions } from './transport/bullmq.js';
export type { Transport, WorkerPool, WorkerPoolOptions } from './transport/types.js';
export { routeFor, shouldUseV2, verifiedIdentity, isVerifiedIdentity, flagsFromConfig, type EngineFlags, type EngineMode, type Route, type VerifiedIdentity } from './flag.js';
export { ownedJobsTable, type JobsTable, type Completer } from './jobs.js';
export {
  JobRouter,
  validateOutput,
  toV1Response,
  fallbackCodeFor,
  singleStepV1Runner,
  type V1Runner,
  type V1Request,
  type V1Response,
  type V1File,
  type OutputRules,
  type RouterOptions,
  type RouteRequest,
  type RouteOutcome,
} from './fallback.js';
export { applyToProduction, renameSwap, advisoryLockKey, nodeSwapFs, type SwapFs, type SwapResult, type ApplyOptions } from './staging.js';
export { measureGates, evaluateGates, DEFAULT_GATE_THRESHOLDS, type GateThresholds, type GateMetrics, type GateReport, type GateResult } from './gates.js';
export { killswitchDrill, stopRunningRuns, runningRuns, type DrillReport, type DrillCheck, type DrillOptions } from './killswitch.js';
export { teardownEngine } from './teardown.js';
export { engineFromConfig, type EngineFromConfigOptions } from './from-config.js';
