import { z } from 'zod';

/**
 * `cells/<key>/cell.yaml`: a cell is a small, long-lived unit of the repository's
 * work with a North Star, a u_contract category for its changes, the evidence its
 * `/ask` loop gathers, and the actions `/ask` may run on it.
 */
export const cellSchema = z
  .object({
    key: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'kebab-case'),
    role: z.string().min(1),
    north_star: z.string().min(1),
    /** The u_contract category every change of this cell is judged under. */
    category: z.string().min(1),
    evidence: z
      .object({
        /** Report files (globs, relative to the repository) read into the context. */
        reports: z.array(z.string().min(1)).default([]),
        /** Metric names read from the engine and lane records. */
        metrics: z.array(z.enum(['engine_success_rate', 'lane_success_rate', 'ready', 'llm_cost_usd'])).default([]),
        /** Queries whose KG context pack goes into the context. */
        kg_queries: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({}),
    actions: z
      .record(
        z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'snake_case'),
        z
          .object({
            description: z.string().min(1),
            /** This action only ever answers with a plan (a comment, no PR). */
            plan_only: z.boolean().default(false),
          })
          .strict(),
      )
      .refine((actions) => Object.keys(actions).length > 0, { message: 'at least one action' }),
  })
  .strict();

export type Cell = z.infer<typeof cellSchema>;
