import { coerceError } from '@agentlane/core';
import { TaskError, parseWorkflow, type Agent, type Engine, type Json, type Workflow } from '@agentlane/engine';
import { completeStructured, stableStringify, type LlmProvider, type LlmRequest } from '@agentlane/llm';
import type { Sql } from '@agentlane/store';
import { loadCell } from '../cells/load.js';
import type { Forge } from '../forge/port.js';
import { loadPolicyOn } from '../policy/load.js';
import { STATE_PATH } from '../state/markers.js';
import { proposeChange } from './apply.js';
import type { AskCommand } from '../ask/parse.js';
import { codeSpan, inertMarkdown } from '../ask/replies.js';
import { buildContextJson, systemPrompt, type ContextJson } from './context.js';
import { llmResponseV1Schema, type LlmResponseV1 } from './contract.js';
import { gatherEvidence, type KgContextProvider } from './evidence.js';
import { publishAnswer, type AskRecord, type PublishDeps, type PublishOutcome } from './publish.js';

/**
 * An accepted `/ask` runs as an engine_v2 workflow of three tasks:
 *
 *   gather (evidence → CONTEXT_JSON) → answer (LLM, contract v1, one retry) → publish
 *
 * so it gets the engine's records (attempts with tokens and cost, events, retries)
 * like any other job. The agents close over the loop's dependencies.
 */
export const ASK_WORKFLOW: Workflow = parseWorkflow({
  name: 'ask',
  description: 'A cell /ask: evidence, LLM answer under contract v1, policy, pull request, reply',
  tasks: [
    { key: 'gather', role: 'ask', agent: 'ask.gather', label: 'Gathering evidence', weight: 1, max_attempts: 2 },
    // The contract retry happens inside the task: a second engine attempt would pay twice.
    { key: 'answer', role: 'ask', agent: 'ask.answer', label: 'Asking the model', weight: 3, max_attempts: 1 },
    { key: 'publish', role: 'ask', agent: 'ask.publish', label: 'Opening the pull request', weight: 2, max_attempts: 1 },
  ],
  dependencies: [
    ['gather', 'answer'],
    ['answer', 'publish'],
  ],
});

export interface AskLoopDeps extends Omit<PublishDeps, 'policyRef'> {
  sql: Sql;
  forge: Forge;
  llm: LlmProvider;
  /** The repository checkout the cells, STATE and reports are read from. */
  repoRoot: string;
  kgContext?: KgContextProvider;
  /** Max tokens of the model's answer. @defaultValue 4000 */
  maxTokens?: number;
}

async function loadAsk(sql: Sql, askId: string): Promise<AskRecord> {
  const { rows } = await sql.query<AskRecord>(
    `SELECT id, repo, issue_number, actor, cell, action, plan_only, command FROM gitops.asks WHERE id = $1`,
    [askId],
  );
  const ask = rows[0];
  if (!ask) throw new TaskError('ask_not_found', `No ask ${askId}`);
  return ask;
}

/** The policy from the base branch on the forge: a change never judges itself by its own policy. */
const basePolicy = (deps: AskLoopDeps) => loadPolicyOn(deps.forge, deps.baseBranch);

const askIdOf = (input: Json): string => {
  const id = (input as { askId?: unknown } | null)?.askId;
  if (typeof id !== 'string') throw new TaskError('ask_input_invalid', 'The job input has no askId');
  return id;
};

/**
 * CONTEXT_JSON for an ask: the cell, the command, the base branch's policy and STATE,
 * and the evidence. Deterministic for the same repository and records.
 */
export async function askContext(deps: AskLoopDeps, ask: { cell: string; actor: string; command: AskCommand }): Promise<ContextJson> {
  const cell = await loadCell(deps.repoRoot, ask.cell);
  const { policy } = await basePolicy(deps);
  const state = (await deps.forge.readFile(deps.baseBranch, STATE_PATH)) ?? '';
  const evidence = await gatherEvidence(cell, { repoRoot: deps.repoRoot, sql: deps.sql, ...(deps.kgContext ? { kgContext: deps.kgContext } : {}) });
  return buildContextJson(cell, ask.command, ask.actor, policy, state, evidence);
}

/**
 * The model request for a context (what a cassette for this ask is keyed on). Keys are
 * sorted: the context passes through jsonb between tasks, which reorders them.
 */
export function askLlmRequest(context: ContextJson, maxTokens = 4_000): LlmRequest {
  return { system: systemPrompt(context), messages: [{ role: 'user', content: `CONTEXT_JSON:\n${stableStringify(context)}` }], maxTokens, temperature: 0, responseFormat: 'json' };
}

export function askAgents(deps: AskLoopDeps): Agent[] {
  const gather: Agent = {
    name: 'ask.gather',
    async run(ctx) {
      const ask = await loadAsk(deps.sql, askIdOf(ctx.input.job.input));
      const command = { ...(ask.command as unknown as AskCommand), planOnly: ask.plan_only };
      const context = await askContext(deps, { cell: ask.cell, actor: ask.actor, command });
      await deps.sql.query(`UPDATE gitops.asks SET status = 'running', job_id = $2 WHERE id = $1`, [ask.id, ctx.jobId]);
      return { output: context as unknown as Json, artifacts: [{ kind: 'context_json', content: context as unknown as Json }] };
    },
  };
  const answer: Agent = {
    name: 'ask.answer',
    async run(ctx) {
      const context = ctx.input.upstream.gather as unknown as ContextJson;
      const result = await completeStructured(deps.llm, askLlmRequest(context, deps.maxTokens), llmResponseV1Schema, { signal: ctx.signal }).catch((error: unknown) => {
        const failure = coerceError(error);
        throw new TaskError(failure.code === 'LLM_OUTPUT_INVALID' ? 'llm_output_invalid' : 'llm_failed', failure.message, failure.details);
      });
      return {
        output: result.value as unknown as Json,
        usage: { tokensIn: result.usage.tokens_in, tokensOut: result.usage.tokens_out, ...(result.usage.cost_usd === null ? {} : { costUsd: result.usage.cost_usd }) },
        artifacts: [{ kind: 'llm_answer', content: result.value as unknown as Json, metadata: { model: result.response.model, provider: result.response.provider, requestHash: result.response.requestHash } }],
      };
    },
  };
  const publish: Agent = {
    name: 'ask.publish',
    async run(ctx) {
      const ask = await loadAsk(deps.sql, askIdOf(ctx.input.job.input));
      const cell = await loadCell(deps.repoRoot, ask.cell);
      const { policy, ref } = await basePolicy(deps);
      const response = ctx.input.upstream.answer as unknown as LlmResponseV1;
      const readBase = (file: string) => deps.forge.readFile(deps.baseBranch, file);
      let outcome: PublishOutcome;
      try {
        const change = ask.plan_only ? { edits: [], files: [] } : await proposeChange(response, cell.key, readBase);
        outcome = await publishAnswer({ ...deps, policyRef: ref }, ask, cell, policy, response, change);
      } catch (error) {
        const failure = coerceError(error);
        if (failure.code !== 'POLICY_DENIED') throw error;
        const reply = await deps.forge.comment(ask.issue_number, `**${cell.key}** · \`${ask.action}\`: the answer was stopped before anything was pushed: ${inertMarkdown(failure.message)}`);
        outcome = { status: 'denied', replyUrl: reply.url, decision: null, findings: [] };
      }
      await deps.sql.query(`UPDATE gitops.asks SET status = $2, reply_url = $3, finished_at = now() WHERE id = $1`, [ask.id, outcome.status, outcome.replyUrl]);
      return { output: outcome as unknown as Json };
    },
  };
  return [gather, answer, publish];
}

export interface AskRunResult {
  askId: string;
  jobId: string;
  status: 'answered' | 'pr_opened' | 'merged' | 'denied' | 'failed';
  outcome: PublishOutcome | null;
  errorCode: string | null;
}

/**
 * Run one queued ask to its end on an engine whose registry has `askAgents(deps)`.
 * A failed job marks the ask failed and tells the asker why (no secrets: the engine's
 * error code and message).
 */
export async function runAsk(engine: Engine, deps: Pick<AskLoopDeps, 'sql' | 'forge'>, askId: string): Promise<AskRunResult> {
  const ask = await loadAsk(deps.sql, askId);
  const status = await engine.run(ASK_WORKFLOW, { input: { askId }, actor: ask.actor });
  if (status.status === 'succeeded') {
    const { rows } = await deps.sql.query<{ output: PublishOutcome }>(`SELECT output FROM engine_v2.job_tasks WHERE job_id = $1 AND task_key = 'publish'`, [status.jobId]);
    const outcome = rows[0]?.output ?? null;
    return { askId, jobId: status.jobId, status: outcome?.status ?? 'answered', outcome, errorCode: null };
  }
  const failed = status.tasks.find((t) => t.status === 'failed');
  const code = failed?.errorCode ?? status.errorCode ?? 'v2_unknown';
  const reply = await deps.forge.comment(ask.issue_number, `Sorry, ${codeSpan(ask.command.line)} failed at ${failed ? `\`${failed.key}\`` : 'the workflow'} (${code}). Nothing was pushed.`);
  await deps.sql.query(`UPDATE gitops.asks SET status = 'failed', error_code = $2, error_message = $3, reply_url = $4, finished_at = now() WHERE id = $1`, [
    askId,
    code,
    failed?.errorMessage ?? status.errorMessage,
    reply.url,
  ]);
  return { askId, jobId: status.jobId, status: 'failed', outcome: null, errorCode: code };
}
