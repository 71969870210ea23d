import { z } from 'zod';
import type { IndexSummary } from '../../index/indexer.js';
import { answerFields, answerTail } from '../fields.js';
import { fmt } from '../format.js';
import { defineOperation } from '../operation.js';

type IndexAnswer = Pick<IndexSummary, 'runId' | 'mode' | 'gitHead' | 'files' | 'objects' | 'relations' | 'syntaxErrorFiles' | 'durationMs'>;

export const indexOperation = defineOperation({
  name: 'index',
  summary: 'Refresh the index now: parse the files changed since the last run (incremental)',
  description: 'Call it after editing files, or when an answer says the index is STALE. Only this repository\'s rows change.',
  mutates: true,
  input: z.object({ full: z.boolean().default(false).describe('re-parse every file, not only changed ones'), ...answerFields }),
  output: z.object({
    summary: z.object({
      runId: z.string(),
      mode: z.enum(['full', 'incremental']),
      gitHead: z.string().nullable(),
      files: z.object({ seen: z.number(), parsed: z.number(), unchanged: z.number(), deleted: z.number(), dependents: z.number(), skipped: z.number() }),
      objects: z.number(),
      relations: z.number(),
      syntaxErrorFiles: z.number(),
      durationMs: z.number(),
    }),
    ...answerTail,
  }),
  http: { method: 'POST', path: '/api/kg/index' },
  run: async (deps, input): Promise<IndexAnswer> => {
    // The indexer (grammars, worker pool) loads only when an index is asked for: the read path stays light.
    const { indexRepository } = await import('../../index/indexer.js');
    // Never replaceRepository: an on-demand refresh must not delete another repository's index.
    const s = await indexRepository(deps.sql, { ...deps.index, repoRoot: deps.repoRoot, full: input.full });
    return { runId: s.runId, mode: s.mode, gitHead: s.gitHead, files: s.files, objects: s.objects, relations: s.relations, syntaxErrorFiles: s.syntaxErrorFiles, durationMs: s.durationMs };
  },
  view: {
    items: () => [],
    pageable: true,
    text: {
      head: (s) => [
        `indexed (${s.mode}) in ${(s.durationMs / 1000).toFixed(1)}s: ${fmt(s.files.parsed)} parsed · ${fmt(s.files.unchanged)} unchanged · ${fmt(s.files.deleted)} deleted · ${fmt(s.files.skipped)} skipped; ${fmt(s.objects)} objects, ${fmt(s.relations)} relations`,
      ],
      item: () => [],
    },
    json: { head: (s) => ({ summary: s }), list: null, item: () => null },
  },
});
