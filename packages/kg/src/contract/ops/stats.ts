import { z } from 'zod';
import { kgStats, type KgStats } from '../../query/stats.js';
import { answerFields, answerTail } from '../fields.js';
import { fmt } from '../format.js';
import { defineOperation } from '../operation.js';

const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .map(([k, n]) => `${k} ${fmt(n)}`)
    .join(', ') || 'none';

export const statsOperation = defineOperation({
  name: 'stats',
  summary: 'What the index holds and how fresh it is',
  description: 'Files, objects by kind, relations by kind and resolution, skipped files, syntax errors and the files with the most unresolved calls (blind spots).',
  mutates: false,
  input: z.object({ ...answerFields }),
  output: z.object({
    stats: z.object({ files: z.record(z.number()), objectsByKind: z.record(z.record(z.number())), relationsByKind: z.record(z.number()), unresolvedCalls: z.number() }).passthrough(),
    ...answerTail,
  }),
  http: { method: 'GET', path: '/api/kg/stats' },
  run: (deps): Promise<KgStats> => kgStats(deps.sql),
  view: {
    items: () => [],
    pageable: true,
    text: {
      head: (s, clip) => {
        const objects = Object.entries(s.objectsByKind).map(([language, kinds]) => `${language}: ${counts(kinds)}`);
        return [
          s.lastRun ? `last run ${s.lastRun.id.slice(0, 8)} (${s.lastRun.mode}) at ${s.lastRun.startedAt}${s.lastRun.gitHead ? ` · HEAD ${s.lastRun.gitHead.slice(0, 10)}` : ''}` : 'no completed run',
          ...(s.latestRun && s.latestRun.id !== s.lastRun?.id ? [`latest run ${s.latestRun.id.slice(0, 8)}: ${s.latestRun.status}${s.latestRun.error ? ` (${clip(s.latestRun.error)})` : ''}`] : []),
          `files: ${counts(s.files)}`,
          ...objects.map((line) => `objects ${line}`),
          `relations: ${counts(s.relationsByKind)}`,
          `resolution: ${counts(s.relationsByResolution)}`,
          `skipped: ${counts(s.skippedByReason)}`,
          `syntax errors in ${fmt(s.syntaxErrorFiles)} file(s)${s.syntaxErrorPaths.length > 0 ? `: ${s.syntaxErrorPaths.slice(0, clip.entries).map((f) => clip(f.path)).join(', ')}` : ''}`,
          `unresolved call sites: ${fmt(s.unresolvedCalls)}${s.topUnresolved.length > 0 ? ` (most in ${s.topUnresolved.slice(0, Math.min(5, clip.entries)).map((t) => `${clip(t.path)} ${fmt(t.unresolvedCalls)}`).join(', ')})` : ''}`,
        ];
      },
      item: () => [],
    },
    json: { head: (s, clip) => ({ stats: clip.deep(s) }), list: null, item: () => null },
  },
});
