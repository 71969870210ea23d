import { z } from 'zod';

/**
 * Skip conditions: a small declarative language over upstream task outputs, never
 * evaluated as code. A condition names a task, an optional property path into its
 * output, and one comparison; `all`/`any`/`not` combine them.
 *
 *   { task: intent, path: intent, equals: chat }
 *   { task: qa_review, path: issues, equals: 0 }
 *   { any: [ { task: plan, path: image_count, lte: 0 }, { task: plan, path: skip, exists: true } ] }
 *
 * A string is shorthand for one comparison: `intent.intent == "chat"`, `qa_review.issues == 0`,
 * `plan.image_count <= 0` (the right side is JSON; a bare word is a string). Paths are
 * dot-separated own properties or array indexes; `__proto__`, `prototype` and
 * `constructor` are refused, so a condition can only read data.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type Comparison =
  | { equals: Json }
  | { not_equals: Json }
  | { in: Json[] }
  | { exists: boolean }
  | { lt: number }
  | { lte: number }
  | { gt: number }
  | { gte: number };

export type Condition =
  | ({ task: string; path?: string } & Comparison)
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

export const TASK_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const PATH_SEGMENT = /^[A-Za-z0-9_$-]{1,128}$/;
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);
const MAX_DEPTH = 8;

const jsonSchema: z.ZodType<Json> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number().finite(), z.string(), z.array(jsonSchema), z.record(jsonSchema)]),
);

const pathSchema = z
  .string()
  .max(512)
  .refine(
    (path) => path.split('.').every((segment) => PATH_SEGMENT.test(segment) && !FORBIDDEN_SEGMENTS.has(segment)),
    'must be dot-separated property names or indexes (no __proto__, prototype, constructor)',
  );

const OPERATORS = ['equals', 'not_equals', 'in', 'exists', 'lt', 'lte', 'gt', 'gte'] as const;

const comparisonSchema = z
  .object({
    task: z.string().regex(TASK_KEY_PATTERN, 'must be a task key'),
    path: pathSchema.optional(),
    equals: jsonSchema.optional(),
    not_equals: jsonSchema.optional(),
    in: z.array(jsonSchema).optional(),
    exists: z.boolean().optional(),
    lt: z.number().finite().optional(),
    lte: z.number().finite().optional(),
    gt: z.number().finite().optional(),
    gte: z.number().finite().optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    const used = OPERATORS.filter((op) => op in value);
    if (used.length !== 1) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `needs exactly one of ${OPERATORS.join(', ')} (got ${used.length === 0 ? 'none' : used.join(', ')})` });
    }
  });

const SHORTHAND = /^\s*([A-Za-z][A-Za-z0-9_-]{0,63})((?:\.[A-Za-z0-9_$-]+)*)\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*$/;
const SHORTHAND_OPS = { '==': 'equals', '!=': 'not_equals', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' } as const;

/** `qa_review.issues == 0` → `{task: 'qa_review', path: 'issues', equals: 0}`. */
export function parseShorthand(text: string): Condition | string {
  const match = SHORTHAND.exec(text);
  if (!match) return 'must look like `task.path == value` (operators == != < <= > >=)';
  const [, task, rawPath, op, rawValue] = match as unknown as [string, string, string, keyof typeof SHORTHAND_OPS, string];
  let value: Json;
  try {
    value = JSON.parse(rawValue) as Json;
  } catch {
    if (/^'.*'$/.test(rawValue)) value = rawValue.slice(1, -1);
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(rawValue)) value = rawValue;
    else return `cannot read the value ${JSON.stringify(rawValue)} (use JSON, 'text' or a bare word)`;
  }
  const operator = SHORTHAND_OPS[op];
  if (operator !== 'equals' && operator !== 'not_equals' && typeof value !== 'number') return `${op} needs a number`;
  const path = rawPath.startsWith('.') ? rawPath.slice(1) : undefined;
  return { task, ...(path ? { path } : {}), [operator]: value } as Condition;
}

export const conditionSchema: z.ZodType<Condition, z.ZodTypeDef, unknown> = z.lazy(() =>
  z.union([
    z.string().transform((text, ctx) => {
      const parsed = parseShorthand(text);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed });
        return z.NEVER;
      }
      return conditionSchema.parse(parsed);
    }),
    z.object({ all: z.array(conditionSchema).min(1).max(32) }).strict(),
    z.object({ any: z.array(conditionSchema).min(1).max(32) }).strict(),
    z.object({ not: conditionSchema }).strict(),
    comparisonSchema as unknown as z.ZodType<Condition>,
  ]),
) as z.ZodType<Condition, z.ZodTypeDef, unknown>;

/** Every task a condition reads. */
export function conditionTasks(condition: Condition, into: Set<string> = new Set()): Set<string> {
  if ('all' in condition) for (const c of condition.all) conditionTasks(c, into);
  else if ('any' in condition) for (const c of condition.any) conditionTasks(c, into);
  else if ('not' in condition) conditionTasks(condition.not, into);
  else into.add(condition.task);
  return into;
}

export function conditionDepth(condition: Condition): number {
  if ('all' in condition) return 1 + Math.max(...condition.all.map(conditionDepth));
  if ('any' in condition) return 1 + Math.max(...condition.any.map(conditionDepth));
  if ('not' in condition) return 1 + conditionDepth(condition.not);
  return 1;
}

export { MAX_DEPTH as MAX_CONDITION_DEPTH };

const MISSING = Symbol('missing');

function readPath(value: unknown, path: string | undefined): unknown {
  if (path === undefined) return value;
  let current: unknown = value;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return MISSING;
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return MISSING;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, i) => deepEqual(item, other[i]));
  }
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * Evaluate against the outputs of upstream tasks. A task that did not succeed (skipped)
 * has no output: every comparison on it is false except `exists: false`.
 */
export function evaluateCondition(condition: Condition, outputs: ReadonlyMap<string, unknown>): boolean {
  if ('all' in condition) return condition.all.every((c) => evaluateCondition(c, outputs));
  if ('any' in condition) return condition.any.some((c) => evaluateCondition(c, outputs));
  if ('not' in condition) return !evaluateCondition(condition.not, outputs);
  const value = outputs.has(condition.task) ? readPath(outputs.get(condition.task), condition.path) : MISSING;
  if ('exists' in condition) return (value !== MISSING && value !== undefined) === condition.exists;
  if (value === MISSING) return false;
  if ('equals' in condition) return deepEqual(value, condition.equals);
  if ('not_equals' in condition) return !deepEqual(value, condition.not_equals);
  if ('in' in condition) return condition.in.some((candidate) => deepEqual(value, candidate));
  if (typeof value !== 'number') return false;
  if ('lt' in condition) return value < condition.lt;
  if ('lte' in condition) return value <= condition.lte;
  if ('gt' in condition) return value > condition.gt;
  return value >= condition.gte;
}

/** A one-line rendering for events and `engine status`. */
export function describeCondition(condition: Condition): string {
  if ('all' in condition) return condition.all.map(describeCondition).join(' and ');
  if ('any' in condition) return `(${condition.any.map(describeCondition).join(' or ')})`;
  if ('not' in condition) return `not (${describeCondition(condition.not)})`;
  const subject = condition.path ? `${condition.task}.${condition.path}` : condition.task;
  const [op, value] = Object.entries(condition).find(([key]) => key !== 'task' && key !== 'path') as [string, unknown];
  const symbol: Record<string, string> = { equals: '==', not_equals: '!=', lt: '<', lte: '<=', gt: '>', gte: '>=', in: 'in', exists: 'exists' };
  return `${subject} ${symbol[op] ?? op} ${JSON.stringify(value)}`;
}
