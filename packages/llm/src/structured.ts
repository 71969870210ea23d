import type { z } from 'zod';
import { AgentlaneError, redactSecrets } from '@agentlane/core';
import type { LlmRequest } from './request.js';
import { sumUsage, type CompleteOptions, type LlmProvider, type LlmResponse } from './types.js';

export interface StructuredResult<T> {
  value: T;
  /** The answer that passed. */
  response: LlmResponse;
  /** Every call made, in order: one, or two when the first answer failed the contract. */
  responses: LlmResponse[];
  /** Totals over `responses`, in the engine attempt's shape. */
  usage: { tokens_in: number; tokens_out: number; cost_usd: number | null };
}

export type ParsedAnswer<T> = { ok: true; value: T } | { ok: false; issues: string[] };

const MAX_ISSUES = 20;
const MAX_ISSUE_LENGTH = 300;

/** A fenced block (```json … ``` or ``` … ```) anywhere in the text: its first one wins. */
const FENCE = /```[ \t]*(?:json|JSON)?[ \t]*\r?\n([\s\S]*?)\r?\n?[ \t]*```/;

/**
 * Parse an answer as JSON (the whole text, or its first fenced block) and validate it.
 * Issues are `path: message` lines, bounded in number and length.
 */
export function parseStructuredText<S extends z.ZodTypeAny>(text: string, schema: S): ParsedAnswer<z.output<S>> {
  const fenced = FENCE.exec(text);
  const body = (fenced ? fenced[1]! : text).trim();
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return { ok: false, issues: [`(answer): not valid JSON${jsonErrorHint(body, (error as Error).message)}`] };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data as z.output<S> };
  const issues = parsed.error.issues.map((issue) => bound(`${issue.path.join('.') || '(root)'}: ${issue.message}`));
  return { ok: false, issues: issues.length > MAX_ISSUES ? [...issues.slice(0, MAX_ISSUES), `… and ${issues.length - MAX_ISSUES} more`] : issues };
}

/** The user message of the one retry: what was wrong, and what to do. */
export function retryMessage(issues: readonly string[], truncated: boolean): string {
  return [
    'Your previous answer does not satisfy the required JSON format:',
    ...issues.map((issue) => `- ${issue}`),
    ...(truncated ? ['(It was cut off at the token limit: answer more briefly.)'] : []),
    'Answer again with the corrected JSON object only.',
  ].join('\n');
}

/**
 * Ask for JSON that satisfies `schema`. A first answer that is not JSON or fails the
 * schema gets exactly one retry: the conversation with that answer and a user message
 * naming the issues. A second failure is LLM_OUTPUT_INVALID with the issues and the
 * usage of both calls (their text is not kept: it may quote the prompt).
 */
export async function completeStructured<S extends z.ZodTypeAny>(
  provider: LlmProvider,
  request: LlmRequest,
  schema: S,
  options: CompleteOptions = {},
): Promise<StructuredResult<z.output<S>>> {
  const first: LlmRequest = { ...request, responseFormat: request.responseFormat ?? 'json' };
  const responses: LlmResponse[] = [];

  const firstResponse = await provider.complete(first, options);
  responses.push(firstResponse);
  const firstParse = parseStructuredText(firstResponse.text, schema);
  if (firstParse.ok) return { value: firstParse.value, response: firstResponse, responses, usage: sumUsage(responses) };

  const retry: LlmRequest = {
    ...first,
    messages: [
      ...first.messages,
      { role: 'assistant', content: firstResponse.text },
      { role: 'user', content: retryMessage(firstParse.issues, isTruncated(firstResponse)) },
    ],
  };
  const secondResponse = await provider.complete(retry, options);
  responses.push(secondResponse);
  const secondParse = parseStructuredText(secondResponse.text, schema);
  if (secondParse.ok) return { value: secondParse.value, response: secondResponse, responses, usage: sumUsage(responses) };

  const issues = secondParse.issues.map(redactSecrets);
  throw new AgentlaneError('LLM_OUTPUT_INVALID', `The LLM answer failed its JSON contract twice: ${issues.slice(0, 5).join('; ')}`, {
    details: {
      issues,
      firstIssues: firstParse.issues.map(redactSecrets),
      attempts: 2,
      requestHashes: responses.map((response) => response.requestHash),
      usage: sumUsage(responses),
    },
  });
}

/**
 * Where JSON.parse stopped, without its quote of the text: issues end up in error
 * details, and the text may quote the prompt.
 */
function jsonErrorHint(body: string, message: string): string {
  if (body === '') return ' (empty answer)';
  const position = /position (\d+)/.exec(message)?.[1];
  if (position !== undefined) return ` (at position ${position})`;
  const token = /^Unexpected token '(.)'/.exec(message)?.[1];
  if (token !== undefined) return ` (unexpected '${token}')`;
  if (/end of JSON input/.test(message)) return ' (it ends too early)';
  return '';
}

function isTruncated(response: LlmResponse): boolean {
  return response.stopReason === 'max_tokens' || response.stopReason === 'length';
}

function bound(text: string): string {
  return text.length > MAX_ISSUE_LENGTH ? `${text.slice(0, MAX_ISSUE_LENGTH)}…` : text;
}
