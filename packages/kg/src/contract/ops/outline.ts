import { z } from 'zod';
import type { KgObject } from '../../model.js';
import { fileOutline, type OutlineNode } from '../../query/graph.js';
import { assertIndexed } from '../../query/stats.js';
import { answerFields, answerTail, pageFields, text } from '../fields.js';
import { defineOperation } from '../operation.js';

export interface OutlineEntry {
  depth: number;
  object: KgObject;
}

export interface Outline {
  path: string;
  entries: OutlineEntry[];
}

function flatten(node: OutlineNode, depth: number, out: OutlineEntry[]): OutlineEntry[] {
  out.push({ depth, object: node.object });
  for (const child of node.children) flatten(child, depth + 1, out);
  return out;
}

export const outlineOperation = defineOperation({
  name: 'outline',
  summary: "A file's objects as a tree, in source order",
  description: 'One line per object (lines, kind, signature), nested by containment; long files page with the cursor.',
  mutates: false,
  input: z.object({ path: text(4096).describe('repository-relative path, as indexed'), ...answerFields }),
  output: z.object({
    path: z.string(),
    ...pageFields,
    objects: z.array(
      z.object({
        depth: z.number().int(),
        id: z.string(),
        kind: z.string(),
        name: z.string(),
        signature: z.string(),
        startLine: z.number().int().nullable(),
        endLine: z.number().int().nullable(),
      }),
    ),
    ...answerTail,
  }),
  http: { method: 'GET', path: '/api/kg/files/outline' },
  run: async (deps, input): Promise<Outline> => {
    await assertIndexed(deps.sql);
    const root = await fileOutline(deps.sql, input.path);
    // The module is the file itself: its children are the outline.
    return { path: input.path, entries: root.children.flatMap((child) => flatten(child, 0, [])) };
  },
  view: {
    items: (outline) => outline.entries,
    pageable: true,
    text: {
      head: (outline, clip) => [`outline of ${clip(outline.path)}: ${outline.entries.length} objects`],
      item: ({ depth, object: o }: OutlineEntry, clip) => [
        `${'  '.repeat(Math.min(depth, 8))}${o.startLine}-${o.endLine} ${o.kind} ${clip((o.signature || o.name).replace(/\s+/g, ' '))}`,
      ],
    },
    json: {
      head: (outline, clip) => ({ path: clip(outline.path), total: outline.entries.length }),
      list: 'objects',
      item: ({ depth, object: o }: OutlineEntry, clip) => ({
        depth,
        id: o.id,
        kind: o.kind,
        name: clip(o.name),
        signature: clip(o.signature),
        startLine: o.startLine,
        endLine: o.endLine,
      }),
    },
  },
});
