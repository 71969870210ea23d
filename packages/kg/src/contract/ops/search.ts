import { z } from 'zod';
import type { ObjectKind } from '../../extract/types.js';
import { MAX_QUERY_LENGTH, MAX_SEARCH_LIMIT, OBJECT_KINDS } from '../../search/query.js';
import { searchObjects, type SearchHit, type SearchResult } from '../../search/search.js';
import { answerFields, answerTail, objectRefSchema, pageFields, text } from '../fields.js';
import { where } from '../format.js';
import { defineOperation } from '../operation.js';

/** Agents want a few good hits; more are a cursor away. */
export const DEFAULT_SEARCH_HITS = 10;

const hitSchema = objectRefSchema.extend({
  name: z.string(),
  language: z.string(),
  signature: z.string(),
  summary: z.string().nullable(),
  score: z.number(),
  reasons: z.array(z.object({ ranker: z.string(), rank: z.number().int(), detail: z.string() })),
  /** Declarations of the same name in the same file folded into this hit (overloads). */
  overloads: z.number().int().optional(),
});

export const searchOperation = defineOperation({
  name: 'search',
  summary: 'Find code objects by name, partial name, typo or a description in words',
  description: 'Functions, classes, methods, modules… ranked by exact name, name in context, prefix, fuzzy spelling and full text, with a PageRank prior; each hit says why it matched.',
  mutates: false,
  input: z.object({
    query: text(MAX_QUERY_LENGTH, { blank: false }).describe('what to look for'),
    kind: z
      .array(z.enum(OBJECT_KINDS as [ObjectKind, ...ObjectKind[]]))
      .max(OBJECT_KINDS.length)
      .optional()
      .describe(`only these kinds: ${OBJECT_KINDS.join(', ')}`),
    language: z.enum(['ts', 'py']).optional().describe('only this language'),
    path: text(1024).optional().describe('only under this path prefix, or matching this glob (* and ?), e.g. src/ or **/*.py'),
    limit: z.number().int().min(1).max(MAX_SEARCH_LIMIT).default(DEFAULT_SEARCH_HITS).describe(`hits, 1 to ${MAX_SEARCH_LIMIT}`),
    ...answerFields,
  }),
  output: z.object({ query: z.string(), ...pageFields, hits: z.array(hitSchema), ...answerTail }),
  http: { method: 'GET', path: '/api/search/code' },
  run: (deps, input): Promise<SearchResult> =>
    searchObjects(deps.sql, input.query, { kind: input.kind, language: input.language, path: input.path, limit: input.limit }),
  view: {
    items: (result) => result.hits,
    pageable: true,
    text: {
      head: (result, clip) => [`search ${JSON.stringify(clip(result.query))}: ${result.hits.length} hit${result.hits.length === 1 ? '' : 's'}`],
      item: (hit: SearchHit, clip) => [
        `${where(hit, clip)} ${hit.kind} ${clip(hit.qualifiedName)}${hit.overloads && hit.overloads > 1 ? ` (${hit.overloads} overloads)` : ''} [${hit.reasons.map((r) => r.ranker).join(',')}]`,
        ...(hit.signature ? [`  ${clip(hit.signature)}`] : []),
        ...(hit.summary ? [`  # ${clip(hit.summary)}`] : []),
      ],
    },
    json: {
      head: (result, clip) => ({ query: clip(result.query), total: result.hits.length }),
      list: 'hits',
      item: (hit: SearchHit, clip) => clip.deep(hit),
    },
  },
});
