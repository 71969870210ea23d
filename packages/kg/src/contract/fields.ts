import { z } from 'zod';
import { MAX_BUDGET_TOKENS } from '../search/context.js';

/**
 * The pieces every operation's input is built from: text arguments that a database
 * text column can hold, object targets (id, name or `path:line`), and the answer
 * fields (`format`, `maxTokens`, `cursor`) every tool takes.
 */

/** Client text: no NUL characters (PostgreSQL text cannot hold them; they would fail as an internal error). */
export const text = (max = 4096, options: { blank?: boolean } = {}) =>
  (options.blank === false ? z.string().min(1).max(max).regex(/\S/, 'must not be blank') : z.string().min(1).max(max)).refine(
    (value) => !value.includes('\u0000'),
    'must not contain NUL characters',
  );

/** What a target may be, said once for every operation that takes one. */
export const TARGET_HELP = 'an object id, a name (`ZodString`), a qualified name (`Message.get_param`), or `path:line` (the object enclosing that line)';

export const target = () => text(1024).describe(TARGET_HELP);

/** The smallest `maxTokens`: enough for the answer's head and freshness with the longest clipped names. */
export const MIN_MAX_TOKENS = 512;
/** Agents' tool-output limits are ~25k tokens; answers stay well under. */
export const MAX_MAX_TOKENS = MAX_BUDGET_TOKENS;
export const DEFAULT_MAX_TOKENS = 4_096;

export const FORMATS = ['text', 'json'] as const;
export type AnswerFormat = (typeof FORMATS)[number];

/** The answer fields of every operation. */
export const answerFields = {
  format: z.enum(FORMATS).default('text').describe('compact text (default) or JSON'),
  maxTokens: z
    .number()
    .int()
    .min(MIN_MAX_TOKENS)
    .max(MAX_MAX_TOKENS)
    .default(DEFAULT_MAX_TOKENS)
    .describe(`token budget of the whole answer (o200k_base tokens), ${MIN_MAX_TOKENS} to ${MAX_MAX_TOKENS}`),
  cursor: z
    .string()
    .min(1)
    .max(512)
    .regex(/^[A-Za-z0-9_-]+$/, 'not a cursor')
    .optional()
    .describe('where the previous answer stopped (its `nextCursor`); same arguments otherwise'),
};

export type AnswerFields = { format: AnswerFormat; maxTokens: number; cursor?: string | undefined };

/** Freshness as it appears in answers (see query/freshness.ts). */
export const freshnessSchema = z.object({
  runId: z.string().nullable(),
  indexedAt: z.string().nullable(),
  indexedHead: z.string().nullable(),
  currentHead: z.string().nullable(),
  changedFiles: z.number().int(),
  examples: z.array(z.string()),
  fresh: z.boolean(),
});

/** An object as answers name it: enough to find it and ask about it again. */
export const objectRefSchema = z.object({
  id: z.string(),
  kind: z.string(),
  qualifiedName: z.string(),
  filePath: z.string().nullable(),
  startLine: z.number().int().nullable(),
  endLine: z.number().int().nullable(),
});
export type ObjectRef = z.infer<typeof objectRefSchema>;

/** Where a paged answer's items start, and how many there are in all. */
export const pageFields = {
  total: z.number().int(),
  offset: z.number().int(),
};

/** Unresolved call sites near the answer (query/unresolved.ts): how far callers or callees may be a lower bound. */
export const unresolvedSchema = z.object({ callersMayMiss: z.unknown(), calleesMayMiss: z.unknown() });

/** Every JSON answer ends with these. */
export const answerTail = {
  nextCursor: z.string().nullable().describe('pass as `cursor` for the rest; null when the answer is complete'),
  freshness: freshnessSchema,
};
