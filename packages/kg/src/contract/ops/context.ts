import { z } from 'zod';
import { MAX_QUERY_LENGTH } from '../../search/query.js';
import { MAX_BUDGET_TOKENS, MIN_BUDGET_TOKENS, buildContext, type ContextObject, type ContextPack } from '../../search/context.js';
import { answerFields, answerTail, pageFields, text } from '../fields.js';
import { fmt } from '../format.js';
import { defineOperation } from '../operation.js';

/**
 * The pack's own budget is the answer's minus room for its head and freshness; JSON
 * spends about three times the tokens of the text on the same objects (ids, keys,
 * quoting), so it gets a third. Whatever still does not fit is dropped from the end and
 * counted as omitted: the whole answer holds `maxTokens`.
 */
const TEXT_SHARE = 0.85;
const JSON_SHARE = 0.3;

export interface ContextEntry {
  path: string;
  /** The file's place in the pack (best file first). */
  fileRank: number;
  nested: boolean;
  object: ContextObject;
}

export interface Context {
  pack: ContextPack;
  entries: ContextEntry[];
}

export const contextOperation = defineOperation({
  name: 'context',
  summary: 'A map of the code relevant to a task within the token budget: signatures grouped by file',
  description:
    'Signatures (not bodies) ranked by personalized PageRank from the query, files and symbols (ids or names), grouped by file and ordered by line; `maxTokens` bounds the whole answer.',
  mutates: false,
  input: z.object({
    query: z
      .string()
      .max(MAX_QUERY_LENGTH)
      .refine((value) => !value.includes('\u0000'), 'must not contain NUL characters')
      .optional()
      .describe('what the task is about'),
    files: z.array(text(4096)).max(100).optional().describe('files the task touches, repository-relative'),
    // Each symbol is searched as a query, so it has a query's limit.
    symbols: z.array(text(MAX_QUERY_LENGTH)).max(100).optional().describe('symbols the task touches: ids or names'),
    ...answerFields,
  }),
  output: z.object({
    tokenizer: z.string(),
    seeds: z.number().int(),
    considered: z.number().int(),
    omitted: z.number().int(),
    ...pageFields,
    files: z.array(
      z.object({
        path: z.string(),
        objects: z.array(z.object({ id: z.string(), kind: z.string(), qualifiedName: z.string(), signature: z.string(), startLine: z.number().int(), endLine: z.number().int(), score: z.number() })),
      }),
    ),
    ...answerTail,
  }),
  http: { method: 'POST', path: '/api/kg/context' },
  run: async (deps, input): Promise<Context> => {
    const share = input.format === 'json' ? JSON_SHARE : TEXT_SHARE;
    const budgetTokens = Math.max(MIN_BUDGET_TOKENS, Math.min(MAX_BUDGET_TOKENS, Math.floor(input.maxTokens * share)));
    const pack = await buildContext(deps.sql, { query: input.query, files: input.files, symbols: input.symbols, budgetTokens });
    // A member is indented under its container (a method under its class), as in the pack's text.
    const entries = pack.files.flatMap((file, fileRank) =>
      file.objects.map((object) => ({
        path: file.path,
        fileRank,
        object,
        nested: file.objects.some(
          (p) => p.id !== object.id && p.startLine <= object.startLine && p.endLine >= object.endLine && (p.startLine < object.startLine || p.endLine > object.endLine),
        ),
      })),
    );
    // Best first, so that when the answer's budget is short the best-ranked objects stay (see `arrange`).
    // A container (a method's class, added by the pack for its members) ranks with its best member, so it stays with them.
    const contains = (outer: ContextEntry, inner: ContextEntry) =>
      outer !== inner && outer.path === inner.path && outer.object.startLine <= inner.object.startLine && outer.object.endLine >= inner.object.endLine;
    const rank = new Map(entries.map((e) => [e, Math.max(e.object.score, ...entries.filter((inner) => contains(e, inner)).map((inner) => inner.object.score))]));
    entries.sort((a, b) => (rank.get(b) as number) - (rank.get(a) as number) || a.fileRank - b.fileRank || a.object.startLine - b.object.startLine);
    return { pack, entries };
  },
  view: {
    items: (context) => context.entries,
    group: (entry: ContextEntry) => entry.path,
    arrange: (entries) => [...entries].sort((a, b) => a.fileRank - b.fileRank || a.object.startLine - b.object.startLine || b.object.endLine - a.object.endLine),
    pageable: false,
    text: {
      head: (context) => [
        `context: ${fmt(context.entries.length)} object(s) in ${fmt(context.pack.files.length)} file(s) · ${fmt(context.pack.seeds)} seeds · ${fmt(context.pack.considered)} considered · ${fmt(context.pack.omitted)} left out for the budget`,
      ],
      group: (path, clip) => clip(path),
      item: (entry: ContextEntry, clip) => [`${entry.nested ? '  ' : ''}${entry.object.startLine}: ${clip(entry.object.signature.replace(/\s+/g, ' ').trim() || `${entry.object.kind} ${entry.object.qualifiedName}`)}`],
    },
    json: {
      head: (context) => ({ tokenizer: context.pack.tokenizer, seeds: context.pack.seeds, considered: context.pack.considered, omitted: context.pack.omitted, total: context.entries.length }),
      list: 'files',
      item: (entry: ContextEntry, clip) => ({ ...entry.object, qualifiedName: clip(entry.object.qualifiedName), signature: clip(entry.object.signature) }),
      group: (path, objects) => ({ path, objects }),
    },
  },
});
