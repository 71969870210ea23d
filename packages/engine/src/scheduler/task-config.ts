import type { Condition, Json } from '../workflow/condition.js';
import type { WorkflowTask } from '../workflow/schema.js';

/** The part of a task definition kept in `job_tasks.config`, plus its upstream keys. */
export interface TaskConfig {
  timeoutMs?: number;
  skipIf?: Condition;
  skipDownstream: boolean;
  command?: string[];
  with?: Record<string, Json>;
  /** Keys of every task this one transitively depends on: its input carries their outputs. */
  upstream: string[];
}

export function taskConfig(task: WorkflowTask, upstream: readonly string[]): TaskConfig {
  return {
    ...(task.timeoutMs === undefined ? {} : { timeoutMs: task.timeoutMs }),
    ...(task.skipIf === undefined ? {} : { skipIf: task.skipIf }),
    skipDownstream: task.skipDownstream,
    ...(task.command === undefined ? {} : { command: task.command }),
    ...(task.with === undefined ? {} : { with: task.with }),
    upstream: [...upstream],
  };
}

export interface TaskRowBasics {
  task_key: string;
  agent_role: string;
  agent: string;
  max_attempts: number;
  weight: number;
  display_label: string | null;
  template_id?: string | null;
  config: TaskConfig;
}

export function workflowTaskFromRow(row: TaskRowBasics): WorkflowTask {
  const c = row.config;
  return {
    key: row.task_key,
    role: row.agent_role,
    agent: row.agent,
    maxAttempts: row.max_attempts,
    weight: row.weight,
    label: row.display_label ?? row.task_key,
    ...(c.timeoutMs === undefined ? {} : { timeoutMs: c.timeoutMs }),
    ...(c.skipIf === undefined ? {} : { skipIf: c.skipIf }),
    skipDownstream: c.skipDownstream,
    ...(c.command === undefined ? {} : { command: c.command }),
    ...(c.with === undefined ? {} : { with: c.with }),
    ...(row.template_id ? { templateId: row.template_id } : {}),
  };
}
