import { z } from 'zod';

/**
 * LLM Response JSON contract v1: what a cell's `/ask` loop accepts from the model.
 * Anything else is retried once with the validation errors, then fails the ask.
 *
 * - `summary`: one paragraph, shown in the reply and the PR body;
 * - `plan`: the steps, in order;
 * - `state_patch`: generated sections of STATE/current_state.md to replace (by name);
 * - `memory_patch`: notes appended to the cell's memory section;
 * - `edits`: whole-file contents (null deletes), judged by the lane validators and
 *   the u_contract policy like any other agent change;
 * - `evidence_refs`: which evidence items (their `id` in CONTEXT_JSON) the answer rests on.
 */
const section = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'a section name: lowercase, digits, - or _');

export const llmResponseV1Schema = z
  .object({
    version: z.literal(1),
    summary: z.string().min(1).max(4_000),
    plan: z.array(z.string().min(1).max(1_000)).min(1).max(20),
    state_patch: z.record(section, z.string().max(20_000)).optional(),
    memory_patch: z.array(z.string().min(1).max(2_000)).max(20).optional(),
    edits: z
      .array(z.object({ path: z.string().min(1).max(500), content: z.string().max(200_000).nullable() }).strict())
      .max(50)
      .optional(),
    evidence_refs: z.array(z.string().min(1)).max(50).default([]),
  })
  .strict();

export type LlmResponseV1 = z.infer<typeof llmResponseV1Schema>;

/** Told to the model in the system prompt, so the contract is stated once. */
export const CONTRACT_INSTRUCTIONS = `Answer with one JSON object, and nothing else, of this shape (LLM Response JSON contract v1):
{"version": 1,
 "summary": string (one paragraph),
 "plan": [string, ...] (1-20 steps),
 "state_patch": {"<section>": "<markdown>"} (optional: generated sections of STATE/current_state.md to replace),
 "memory_patch": [string, ...] (optional: notes to remember for this cell),
 "edits": [{"path": "<repo-relative path>", "content": "<whole new file>" | null}] (optional),
 "evidence_refs": ["<evidence id>", ...]}
Only change paths the cell's u_contract category allows; never .github/ or cells/u_contract.yaml.`;
