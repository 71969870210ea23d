import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AgentlaneError } from '@agentlane/core';
import { TASK_KEY_PATTERN, conditionDepth, conditionSchema, conditionTasks, MAX_CONDITION_DEPTH, type Condition, type Json } from './condition.js';
import { formatCycle, upstreamOf, validateDag, type Edge } from './dag.js';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from './depth.js';

/**
 * A workflow is data: YAML or JSON, checked here with zod at the edge and by the DAG
 * rules, then handled as the plain `Workflow` type inside. Unknown properties are
 * errors (a typo such as `max_attempt` must not silently fall back to a default).
 *
 * ```yaml
 * name: review
 * timeout: 10m                  # whole job (v2_timeout); default ENGINE_V2_JOB_TIMEOUT_MS
 * tasks:
 *   - key: lint
 *     role: qa                   # BullMQ queue: one per role
 *     agent: exec                # from the agent registry
 *     command: [npx, eslint, --format, json, .]
 *     max_attempts: 2            # default 2
 *     weight: 1                  # share of the progress bar, default 1
 *     label: Linting…            # default: the key
 *     timeout: 30s               # per attempt; the process is killed
 *   - key: fix
 *     role: builder
 *     agent: exec
 *     command: [node, "{workflow_dir}/fix.js"]
 *     skip_if: "lint.errors == 0"
 * dependencies:
 *   - [lint, fix]
 * ```
 */
export interface WorkflowTask {
  key: string;
  role: string;
  agent: string;
  maxAttempts: number;
  weight: number;
  label: string;
  timeoutMs?: number;
  skipIf?: Condition;
  /** When skip_if holds, skip every downstream task too (seed: `intent === 'chat'`). */
  skipDownstream: boolean;
  /** For the exec agent: an argv array, never a shell string. */
  command?: string[];
  /** Agent-specific settings. */
  with?: Record<string, Json>;
  templateId?: string;
}

export interface Workflow {
  name: string;
  description?: string;
  timeoutMs?: number;
  /** The task whose output is the job's output; default the single sink, else all sinks by key. */
  result?: string;
  tasks: WorkflowTask[];
  dependencies: Edge[];
  /** Directory of the file the workflow was read from: `{workflow_dir}` in exec commands. */
  sourceDir?: string;
}

export const MAX_TASKS = 500;

const DURATION = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `250ms`, `30s`, `5m`, `1h`, `7d` or a number of milliseconds (at most 7 days). */
export const durationSchema = z.union([
  z.number().int().positive(),
  z.string().transform((text, ctx) => {
    const match = DURATION.exec(text.trim());
    if (!match) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a duration such as 500ms, 30s, 5m, 1h, 7d or a number of milliseconds' });
      return z.NEVER;
    }
    return Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
  }),
]).pipe(z.number().int().min(1).max(7 * 24 * 3_600_000));

const jsonValue: z.ZodType<Json> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number().finite(), z.string(), z.array(jsonValue), z.record(jsonValue)]),
);

const taskKey = z.string().regex(TASK_KEY_PATTERN, 'must start with a letter and hold only letters, digits, _ and - (at most 64)');
const roleName = z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'must be lowercase letters, digits, _ and - (at most 64)');

const taskSchema = z
  .object({
    key: taskKey,
    role: roleName,
    agent: z.string().regex(/^[a-z][a-z0-9_.-]{0,63}$/, 'must be an agent name (lowercase, at most 64)'),
    max_attempts: z.number().int().min(1).max(20).default(2),
    weight: z.number().int().min(0).max(1000).default(1),
    label: z.string().min(1).max(200).optional(),
    timeout: durationSchema.optional(),
    skip_if: conditionSchema.optional(),
    skip_downstream: z.boolean().default(false),
    command: z
      .array(z.string().min(1).max(4096), { invalid_type_error: 'must be an argv array such as [node, script.js], never a shell string' })
      .min(1)
      .max(256)
      .optional(),
    with: z.record(jsonValue).optional(),
    template_id: z.string().max(200).optional(),
  })
  .strict();

const workflowSchema = z
  .object({
    name: z.string().min(1).max(200).default('workflow'),
    description: z.string().max(2000).optional(),
    timeout: durationSchema.optional(),
    result: taskKey.optional(),
    tasks: z.array(taskSchema).min(1).max(MAX_TASKS),
    dependencies: z.array(z.tuple([taskKey, taskKey], { invalid_type_error: 'must be a [predecessor, successor] pair' })).max(10_000).default([]),
  })
  .strict();

export type WorkflowDocument = z.input<typeof workflowSchema>;

function invalid(problems: string[]): AgentlaneError {
  return new AgentlaneError('ENGINE_WORKFLOW_INVALID', `Invalid workflow: ${problems.join('; ')}`, { details: { problems } });
}

function zodProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : 'workflow';
    if (issue.code === z.ZodIssueCode.unrecognized_keys) return `${where}: unknown propert${issue.keys.length > 1 ? 'ies' : 'y'} ${issue.keys.join(', ')}`;
    if (issue.code === z.ZodIssueCode.invalid_union) {
      const inner = issue.unionErrors.flatMap((e) => e.issues).find((i) => i.code === z.ZodIssueCode.custom);
      if (inner) return `${where}: ${inner.message}`;
    }
    return `${where}: ${issue.message}`;
  });
}

/**
 * Validate a parsed document (an object from YAML/JSON) into a Workflow. Throws
 * ENGINE_WORKFLOW_CYCLE naming the cycle, or ENGINE_WORKFLOW_INVALID listing every
 * problem (schema, duplicate/unknown keys, self-edges, conditions on non-upstream tasks).
 */
export function parseWorkflow(document: unknown, options: { sourceDir?: string } = {}): Workflow {
  // Before anything recursive (zod's JSON schema, conditions) walks it.
  if (exceedsJsonDepth(document, MAX_JSON_DEPTH)) throw invalid([`workflow: nests deeper than ${MAX_JSON_DEPTH} levels`]);
  const parsed = workflowSchema.safeParse(document);
  if (!parsed.success) throw invalid(zodProblems(parsed.error));
  const doc = parsed.data;
  const keys = doc.tasks.map((t) => t.key);
  const edges = doc.dependencies.map(([from, to]) => [from, to] as const);
  const issues = validateDag(keys, edges);
  const cycle = issues.find((issue) => issue.kind === 'cycle');
  if (cycle) {
    throw new AgentlaneError('ENGINE_WORKFLOW_CYCLE', `Workflow "${doc.name}" has a dependency cycle: ${formatCycle(cycle.keys)}`, {
      details: { cycle: cycle.keys },
    });
  }
  const problems = issues.map((issue) => issue.message);
  if (problems.length === 0) {
    for (const task of doc.tasks) {
      if (!task.skip_if) {
        if (task.skip_downstream) problems.push(`task "${task.key}": skip_downstream needs skip_if`);
        continue;
      }
      if (conditionDepth(task.skip_if) > MAX_CONDITION_DEPTH) problems.push(`task "${task.key}": skip_if nests deeper than ${MAX_CONDITION_DEPTH}`);
      const upstream = upstreamOf(task.key, keys, edges);
      for (const read of conditionTasks(task.skip_if)) {
        if (!upstream.has(read)) {
          problems.push(`task "${task.key}": skip_if reads "${read}", which is not upstream of it${keys.includes(read) ? '' : ' (no such task)'}`);
        }
      }
    }
    if (doc.result !== undefined && !keys.includes(doc.result)) problems.push(`result names unknown task "${doc.result}"`);
  }
  if (problems.length > 0) throw invalid(problems);
  return {
    name: doc.name,
    ...(doc.description === undefined ? {} : { description: doc.description }),
    ...(doc.timeout === undefined ? {} : { timeoutMs: doc.timeout }),
    ...(doc.result === undefined ? {} : { result: doc.result }),
    tasks: doc.tasks.map((t) => ({
      key: t.key,
      role: t.role,
      agent: t.agent,
      maxAttempts: t.max_attempts,
      weight: t.weight,
      label: t.label ?? t.key,
      ...(t.timeout === undefined ? {} : { timeoutMs: t.timeout }),
      ...(t.skip_if === undefined ? {} : { skipIf: t.skip_if }),
      skipDownstream: t.skip_downstream,
      ...(t.command === undefined ? {} : { command: t.command }),
      ...(t.with === undefined ? {} : { with: t.with }),
      ...(t.template_id === undefined ? {} : { templateId: t.template_id }),
    })),
    dependencies: edges.map(([from, to]) => [from, to]),
    ...(options.sourceDir === undefined ? {} : { sourceDir: options.sourceDir }),
  };
}

/** Parse YAML or JSON text (YAML is read with unique keys and a bounded alias count). */
export function parseWorkflowText(text: string, options: { format?: 'yaml' | 'json'; sourceDir?: string } = {}): Workflow {
  let document: unknown;
  try {
    document = options.format === 'json' ? JSON.parse(text) : parseYaml(text, { uniqueKeys: true, maxAliasCount: 50 });
  } catch (error) {
    throw new AgentlaneError('ENGINE_WORKFLOW_INVALID', `Cannot read the workflow: ${(error as Error).message}`, { cause: error });
  }
  return parseWorkflow(document, { sourceDir: options.sourceDir });
}

/** The document form of a Workflow (what `parseWorkflow` accepts), e.g. to print or store. */
export function toDocument(workflow: Workflow): WorkflowDocument {
  return {
    name: workflow.name,
    ...(workflow.description === undefined ? {} : { description: workflow.description }),
    ...(workflow.timeoutMs === undefined ? {} : { timeout: workflow.timeoutMs }),
    ...(workflow.result === undefined ? {} : { result: workflow.result }),
    tasks: workflow.tasks.map((t) => ({
      key: t.key,
      role: t.role,
      agent: t.agent,
      max_attempts: t.maxAttempts,
      weight: t.weight,
      label: t.label,
      ...(t.timeoutMs === undefined ? {} : { timeout: t.timeoutMs }),
      ...(t.skipIf === undefined ? {} : { skip_if: t.skipIf }),
      skip_downstream: t.skipDownstream,
      ...(t.command === undefined ? {} : { command: t.command }),
      ...(t.with === undefined ? {} : { with: t.with }),
      ...(t.templateId === undefined ? {} : { template_id: t.templateId }),
    })),
    dependencies: workflow.dependencies.map(([a, b]) => [a, b]),
  };
}
