import type { Logger } from '@agentlane/core';
import type { Json } from '../workflow/condition.js';
import type { WorkflowTask } from '../workflow/schema.js';

/** What a task receives: the job's input and the outputs of the tasks upstream of it. */
export interface TaskInput {
  job: { id: string; input: Json };
  task: { key: string; role: string; attempt: number; label: string };
  /** Outputs of the succeeded tasks this one transitively depends on, by key. */
  upstream: Record<string, Json>;
}

export interface AgentContext {
  jobId: string;
  taskId: string;
  attempt: number;
  task: WorkflowTask;
  input: TaskInput;
  /** The job's staging directory (seed §10): agents write here, never to production. */
  stagingDir: string;
  /** Directory of the workflow file, when it came from one. */
  workflowDir: string | undefined;
  /** Aborted on the task timeout, job timeout, cancellation or a lost lease: stop the work. */
  signal: AbortSignal;
  logger: Logger;
  /** Stream a partial result (a `partialResult` event; over 64 KB it is stored as an artifact). */
  partial(data: Json): Promise<void>;
}

export interface ArtifactInput {
  kind: string;
  uri?: string;
  content?: Json;
  metadata?: Record<string, Json>;
}

export interface AgentUsage {
  tokensIn?: number;
  tokensOut?: number;
  costUsd?: number;
}

export interface AgentResult {
  output: Json;
  artifacts?: ArtifactInput[];
  usage?: AgentUsage;
}

/** A named, typed factory's product (STYLE §8): looked up by name from the registry. */
export interface Agent {
  readonly name: string;
  /** Problems with a task definition for this agent, reported when a workflow is submitted. */
  validate?(task: WorkflowTask): string[];
  run(context: AgentContext): Promise<AgentResult>;
}

/**
 * A task failure with a stable, lowercase code recorded on the attempt
 * (`exec_failed`, `task_timeout`, …) and secret-free details.
 */
export class TaskError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown>;

  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'TaskError';
    this.code = code;
    this.details = details;
  }
}
