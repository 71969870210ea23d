import { z } from 'zod';
import type { RelationKind } from '../../model.js';
import { impactOf, type ImpactEntry } from '../../query/graph.js';
import { resolveTarget } from '../../query/resolve.js';
import { assertIndexed } from '../../query/stats.js';
import type { Incompleteness } from '../../query/unresolved.js';
import { answerFields, answerTail, objectRefSchema, pageFields, target, text, unresolvedSchema, type ObjectRef } from '../fields.js';
import { clipRef, fmt, incompletenessText, lines, objectRef } from '../format.js';
import { defineOperation } from '../operation.js';

export const MAX_IMPACT_DEPTH = 5;
export const MAX_IMPACT_LIMIT = 5_000;

export interface Dependent {
  object: ObjectRef;
  file: string;
  depth: number;
  via: { kind: RelationKind; from: string };
}

export interface Impact {
  changed: number;
  depth: number;
  truncated: boolean;
  files: number;
  unresolved: Incompleteness;
  dependents: Dependent[];
}

export const impactOperation = defineOperation({
  name: 'impact',
  summary: 'Transitive dependents of changed objects or files, grouped by file',
  description: 'Who calls, imports, extends, implements or uses them, and who depends on those, to `depth` hops. Targets may be ids, names or path:line.',
  mutates: false,
  input: z.object({
    targets: z.array(target()).max(1000).optional().describe('changed objects: ids, names or path:line'),
    files: z.array(text(4096)).max(1000).optional().describe('changed files, repository-relative'),
    depth: z.number().int().min(1).max(MAX_IMPACT_DEPTH).default(3).describe(`hops, 1 to ${MAX_IMPACT_DEPTH}`),
    limit: z.number().int().min(1).max(MAX_IMPACT_LIMIT).default(200).describe(`most dependents, 1 to ${MAX_IMPACT_LIMIT}`),
    ...answerFields,
  }),
  output: z.object({
    changed: z.number().int(),
    depth: z.number().int(),
    truncated: z.boolean(),
    unresolved: unresolvedSchema,
    ...pageFields,
    files: z.array(
      z.object({
        file: z.string(),
        dependents: z.array(z.object({ object: objectRefSchema, depth: z.number().int(), via: z.object({ kind: z.string(), from: z.string() }) })),
      }),
    ),
    ...answerTail,
  }),
  http: { method: 'POST', path: '/api/kg/impact' },
  run: async (deps, input): Promise<Impact> => {
    await assertIndexed(deps.sql);
    const ids: string[] = [];
    for (const t of input.targets ?? []) ids.push((await resolveTarget(deps.sql, t)).id);
    const result = await impactOf(deps.sql, { ids, files: input.files, depth: input.depth, limit: input.limit });
    const names = new Map(result.dependents.map((d) => [d.object.id, d.object.qualifiedName]));
    const unnamed = [...new Set(result.dependents.map((d) => d.via.from).filter((id) => !names.has(id)))];
    if (unnamed.length > 0) {
      const { rows } = await deps.sql.query<{ id: string; qualified_name: string }>('SELECT id, qualified_name FROM kg.objects WHERE id = ANY($1::uuid[])', [unnamed]);
      for (const row of rows) names.set(row.id, row.qualified_name);
    }
    const dependents = result.dependents
      .map((d: ImpactEntry) => ({ object: objectRef(d.object), file: d.object.filePath ?? '(external)', depth: d.depth, via: { kind: d.via.kind, from: names.get(d.via.from) ?? d.via.from } }))
      .sort((a, b) => a.file.localeCompare(b.file) || (a.object.startLine ?? 0) - (b.object.startLine ?? 0));
    return { changed: result.changed.length, depth: input.depth, truncated: result.truncated, files: result.files.length, unresolved: result.unresolved, dependents };
  },
  view: {
    items: (impact) => impact.dependents,
    group: (d: Dependent) => d.file,
    pageable: true,
    text: {
      head: (impact, clip) => [
        `impact of ${fmt(impact.changed)} changed object(s), depth ${impact.depth}: ${fmt(impact.dependents.length)} dependent(s) in ${fmt(impact.files)} file(s)${impact.truncated ? ' (truncated: raise limit)' : ''}`,
        ...incompletenessText(impact.unresolved, clip),
      ],
      group: (file, clip) => clip(file),
      item: (d: Dependent, clip) => [`  ${d.object.kind} ${clip(d.object.qualifiedName)}${lines(d.object)} ←${d.via.kind} ${clip(d.via.from)}${d.depth > 1 ? ` (hop ${d.depth})` : ''}`],
    },
    json: {
      head: (impact, clip) => ({ changed: impact.changed, depth: impact.depth, truncated: impact.truncated, unresolved: clip.deep(impact.unresolved), total: impact.dependents.length }),
      list: 'files',
      item: (d: Dependent, clip) => ({ object: clipRef(d.object, clip), depth: d.depth, via: { kind: d.via.kind, from: clip(d.via.from) } }),
      group: (file, dependents) => ({ file, dependents }),
    },
  },
});
