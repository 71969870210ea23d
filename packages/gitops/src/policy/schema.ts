import { z } from 'zod';

/**
 * `cells/u_contract.yaml`: which changes an agent may make, by category. A category
 * names the paths a change may touch, how big it may be, the checks that must pass
 * and how it merges (`auto` when green, or `review` by a human). Paths are globs;
 * `{cell}` stands for the key of the cell making the change.
 */
const glob = z.string().min(1).refine((value) => !value.startsWith('/') && !value.split('/').includes('..'), {
  message: 'must be a relative glob without ".."',
});

export const categorySchema = z
  .object({
    description: z.string().optional(),
    paths: z.array(glob).min(1),
    max_files: z.number().int().positive().optional(),
    max_changed_lines: z.number().int().positive().optional(),
    required_checks: z.array(z.string().min(1)).default([]),
    merge: z.enum(['auto', 'review']),
  })
  .strict();

export const POLICY_VERSION = 1;

/** Paths no agent change may touch, whatever the policy file says. */
export const ALWAYS_PROTECTED = ['.github/**', 'cells/u_contract.yaml'] as const;

export const policySchema = z
  .object({
    version: z.literal(POLICY_VERSION),
    /** Added to ALWAYS_PROTECTED. */
    protected_paths: z.array(glob).default([]),
    categories: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'category names are kebab-case'), categorySchema).refine(
      (categories) => Object.keys(categories).length > 0,
      { message: 'at least one category' },
    ),
  })
  .strict();

export type PolicyCategory = z.infer<typeof categorySchema>;
export type Policy = z.infer<typeof policySchema>;
