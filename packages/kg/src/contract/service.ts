import { AgentlaneError, ERROR_CODES, coerceError } from '@agentlane/core';
import { freshnessProbe, type Freshness } from '../query/freshness.js';
import type { Candidate } from '../query/resolve.js';
import { tokenCounter } from '../search/tokenizer.js';
import { fitPage, type Clip, type Counter } from './budget.js';
import { argumentsKey, decodeCursor, encodeCursor } from './cursor.js';
import { DEFAULT_MAX_TOKENS, type AnswerFields, type AnswerFormat } from './fields.js';
import { clipFreshness, freshnessLine } from './format.js';
import type { KgDeps, KgOperation, KgOperationName } from './operation.js';
import { KG_OPERATIONS } from './registry.js';

/**
 * Runs operations for the HTTP routes and the MCP tools: validates the input against
 * the operation's schema, runs it, and prints the answer (text or JSON) within
 * `maxTokens`, with a cursor for the rest and the index's freshness. Index runs are
 * serialised, and each one refreshes the freshness the next answers carry.
 */

export interface Answer {
  format: AnswerFormat;
  /** The payload, exactly as sent. */
  body: string;
  /** Its size in o200k_base tokens, never above the request's `maxTokens`. */
  tokens: number;
}

export interface KgService {
  /** Validate, run, page and print; failures throw (AgentlaneError with a stable code). */
  answer(name: KgOperationName, raw: unknown): Promise<Answer>;
  /** An error as an answer within the budget: `CODE: message`, then the candidates of an ambiguous name. */
  errorAnswer(error: unknown, raw?: unknown): Promise<Answer>;
  freshness(): Promise<Freshness>;
}

/** The input, validated by the operation's schema (defaults applied); KG_INVALID_ARGUMENT names each bad field. */
export function parseInput<O extends KgOperation>(operation: O, raw: unknown): ReturnType<O['input']['parse']> {
  const parsed = operation.input.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`);
    throw new AgentlaneError('KG_INVALID_ARGUMENT', `Invalid ${operation.name} arguments: ${problems.join('; ')}`, {
      details: { fields: parsed.error.issues.map((issue) => issue.path.join('.')) },
    });
  }
  return parsed.data as ReturnType<O['input']['parse']>;
}

function groupJson<T>(operation: KgOperation, items: readonly T[], clip: Clip): unknown[] {
  const view = operation.view as KgOperation<never, unknown, T>['view'];
  if (!view.group) return items.map((item) => view.json.item(item, clip));
  const groups: { key: string; items: unknown[] }[] = [];
  const byKey = new Map<string, { key: string; items: unknown[] }>();
  for (const item of items) {
    const key = view.group(item);
    let group = byKey.get(key);
    if (!group) {
      group = { key, items: [] };
      byKey.set(key, group);
      groups.push(group);
    }
    group.items.push(view.json.item(item, clip));
  }
  return groups.map((g) => (view.json.group ? view.json.group(clip(g.key), g.items) : { file: clip(g.key), items: g.items }));
}

/** Print `result` within the budget: the shared pager over the operation's view. */
export function present(operation: KgOperation, input: AnswerFields & Record<string, unknown>, result: unknown, freshness: Freshness, count: Counter): Answer {
  const view = operation.view as KgOperation<never, unknown, unknown>['view'];
  const items = view.items(result);
  const key = argumentsKey(operation.name, input);
  const offset = view.pageable ? decodeCursor(input.cursor, operation.name, key) : 0;
  const cursorOf = (next: number | null) => (next === null || !view.pageable ? null : encodeCursor({ op: operation.name, offset: next, key }));
  const format = input.format;
  const page = fitPage({
    items,
    offset,
    maxTokens: input.maxTokens,
    count,
    cost: (item, previous, clip) => {
      const header = view.group && (previous === undefined || view.group(previous) !== view.group(item)) ? view.group(item) : null;
      if (format === 'json') return `${header === null ? '' : JSON.stringify({ file: clip(header) })}${JSON.stringify(view.json.item(item, clip))}`;
      return [...(header === null ? [] : [view.text.group ? view.text.group(header, clip) : clip(header)]), ...view.text.item(item, clip)].join('\n');
    },
    render: (taken, next, clip) => {
      const chosen = view.arrange ? view.arrange(taken) : taken;
      const nextCursor = cursorOf(next);
      if (format === 'json') {
        const body: Record<string, unknown> = { ...view.json.head(result, clip) };
        if (view.json.list !== null) {
          if (view.json.single) body[view.json.list] = chosen.length > 0 ? view.json.item(chosen[0], clip) : null;
          else {
            body.offset = offset;
            body[view.json.list] = groupJson(operation, chosen, clip);
          }
        }
        if (!view.pageable && next !== null) body.omitted = (Number(body.omitted) || 0) + (items.length - next);
        return JSON.stringify({ ...body, nextCursor, freshness: clipFreshness(freshness, clip) });
      }
      const out = [...view.text.head(result, clip)];
      let group: string | null = null;
      for (const item of chosen) {
        const key = view.group ? view.group(item) : null;
        if (key !== null && key !== group) out.push(view.text.group ? view.text.group(key, clip) : clip(key));
        group = key;
        out.push(...view.text.item(item, clip));
      }
      if (next !== null) {
        const rest = items.length - next;
        out.push(nextCursor ? `… ${rest} more: same call with cursor=${nextCursor}` : `… ${rest} more did not fit in maxTokens`);
      }
      out.push(freshnessLine(freshness, clip));
      return `${out.join('\n')}\n`;
    },
  });
  return { format, body: page.body, tokens: page.tokens };
}

export function createKgService(deps: KgDeps): KgService {
  let probe = freshnessProbe(deps.sql, { repoRoot: deps.repoRoot, maxFileBytes: deps.index?.maxFileBytes });
  let indexing: Promise<unknown> = Promise.resolve();
  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    const run = indexing.then(work, work);
    indexing = run.catch(() => undefined);
    return run;
  };

  const answer = async (name: KgOperationName, raw: unknown): Promise<Answer> => {
    const operation = KG_OPERATIONS[name] as KgOperation;
    const input = parseInput(operation, raw) as AnswerFields & Record<string, unknown>;
    const result = operation.mutates ? await serialised(() => operation.run(deps, input)) : await operation.run(deps, input);
    if (operation.mutates) probe = freshnessProbe(deps.sql, { repoRoot: deps.repoRoot, maxFileBytes: deps.index?.maxFileBytes });
    const [freshness, count] = await Promise.all([probe(), tokenCounter()]);
    return present(operation, input, result, freshness, count);
  };

  const errorAnswer = async (error: unknown, raw?: unknown): Promise<Answer> => {
    const failure = coerceError(error);
    // An internal failure says what kind it was, not its internal message.
    const message = failure.httpStatus >= 500 ? ERROR_CODES[failure.code] : failure.message;
    const fields = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<AnswerFields>;
    const format: AnswerFormat = fields.format === 'json' ? 'json' : 'text';
    const maxTokens = typeof fields.maxTokens === 'number' && Number.isInteger(fields.maxTokens) && fields.maxTokens >= 512 ? fields.maxTokens : DEFAULT_MAX_TOKENS;
    const candidates = (Array.isArray(failure.details.candidates) ? failure.details.candidates : []) as Candidate[];
    const count = await tokenCounter();
    // An ambiguous name's message lists its candidates: the answer prints them one a line, within the budget.
    const head = typeof failure.details.summary === 'string' && candidates.length > 0 ? failure.details.summary : message;
    const page = fitPage({
      items: candidates,
      offset: 0,
      maxTokens,
      count,
      cost: (c, _previous, clip) => candidateLine(c, clip),
      render: (chosen, _next, clip) =>
        format === 'json'
          ? JSON.stringify({ error: { code: failure.code, message: clip(head), ...(candidates.length > 0 ? { candidates: chosen.map((c) => clip.deep(c)) } : {}) } })
          : `${[`${failure.code}: ${clip(head)}`, ...chosen.map((c) => candidateLine(c, clip))].join('\n')}\n`,
    });
    return { format, body: page.body, tokens: page.tokens };
  };

  return { answer, errorAnswer, freshness: () => probe() };
}

function candidateLine(c: Candidate, clip: Clip): string {
  return `  ${c.id} ${c.kind} ${clip(c.qualifiedName)} ${c.filePath ? `${clip(c.filePath)}:${c.startLine ?? '?'}` : '(external)'}`;
}
