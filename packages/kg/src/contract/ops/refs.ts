import { z } from 'zod';
import type { KgObject, RelationKind } from '../../model.js';
import { MAX_DEPTH, RELATION_KINDS, relationsOf, type RelationsResult } from '../../query/graph.js';
import { resolveTarget } from '../../query/resolve.js';
import { assertIndexed } from '../../query/stats.js';
import type { Incompleteness } from '../../query/unresolved.js';
import { answerFields, answerTail, objectRefSchema, pageFields, target, unresolvedSchema, type ObjectRef } from '../fields.js';
import { clipRef, fmt, incompletenessText, lines, objectRef, where } from '../format.js';
import { defineOperation } from '../operation.js';

/**
 * Callers by default, everywhere (CLI, HTTP, MCP): "who uses this?" is what an agent
 * asks before changing something; callees are in the object's own body, one read away.
 */
export const DEFAULT_REFS_DIRECTION = 'in';
export const MAX_REFS_LIMIT = 1_000;
export const DEFAULT_REFS_LIMIT = 200;

export interface Site {
  kind: RelationKind;
  direction: 'in' | 'out';
  filePath: string;
  line: number;
  depth: number;
  resolution: string;
  /** The object on the root's side of the edge, when it is not the root (hops > 1). */
  via: string | null;
}

/** One object related to the root, with every edge between them: the unit refs group by. */
export interface RefEntry {
  object: ObjectRef;
  file: string;
  sites: Site[];
}

export interface Refs {
  root: ObjectRef;
  direction: 'in' | 'out' | 'both';
  depth: number;
  edges: number;
  truncated: boolean;
  unresolved: Incompleteness;
  entries: RefEntry[];
}

const EXTERNAL = '(external)';

function group(result: RelationsResult): RefEntry[] {
  const byId = new Map<string, KgObject>(result.objects.map((o) => [o.id, o]));
  const entries = new Map<string, RefEntry>();
  for (const edge of result.edges) {
    const [otherId, nearId] = edge.direction === 'in' ? [edge.src, edge.dst] : [edge.dst, edge.src];
    const other = byId.get(otherId);
    if (!other) continue;
    let entry = entries.get(otherId);
    if (!entry) {
      entry = { object: objectRef(other), file: other.filePath ?? EXTERNAL, sites: [] };
      entries.set(otherId, entry);
    }
    const near = nearId === result.root.id ? null : (byId.get(nearId)?.qualifiedName ?? nearId);
    entry.sites.push({ kind: edge.kind, direction: edge.direction, filePath: edge.filePath, line: edge.line, depth: edge.depth, resolution: edge.resolution, via: near });
  }
  return [...entries.values()].sort(
    (a, b) => Number(a.file === EXTERNAL) - Number(b.file === EXTERNAL) || a.file.localeCompare(b.file) || (a.object.startLine ?? 0) - (b.object.startLine ?? 0),
  );
}

const DIRECTION_WORDS = { in: 'callers, importers, subclasses, users (in)', out: 'callees, imports, bases, types used (out)', both: 'in and out' } as const;

function siteText(site: Site, clip: (s: string) => string): string {
  const arrow = site.direction === 'in' ? '←' : '→';
  const hop = site.depth > 1 ? ` hop ${site.depth}${site.via ? ` via ${clip(site.via)}` : ''}` : '';
  return `${arrow}${site.kind} @${site.line}${hop}`;
}

export const refsOperation = defineOperation({
  name: 'refs',
  summary: 'Relations of an object, grouped by file and object: callers by default',
  description:
    'direction "in" (default): callers, importers, subclasses, users; "out": callees, imports, bases, types used. Takes an id, a name or path:line. Says when unresolved call sites mean callers may be missing.',
  mutates: false,
  input: z.object({
    target: target(),
    kind: z
      .array(z.enum(RELATION_KINDS as [RelationKind, ...RelationKind[]]))
      .max(RELATION_KINDS.length)
      .optional()
      .describe(`only these relations: ${RELATION_KINDS.join(', ')}`),
    direction: z.enum(['in', 'out', 'both']).default(DEFAULT_REFS_DIRECTION).describe('in = callers/importers/subclasses (default), out = callees/imports/bases'),
    depth: z.number().int().min(1).max(MAX_DEPTH).default(1).describe(`hops, 1 to ${MAX_DEPTH}`),
    limit: z.number().int().min(1).max(MAX_REFS_LIMIT).default(DEFAULT_REFS_LIMIT).describe(`most edges looked at, 1 to ${MAX_REFS_LIMIT}`),
    ...answerFields,
  }),
  output: z.object({
    root: objectRefSchema,
    direction: z.enum(['in', 'out', 'both']),
    depth: z.number().int(),
    edges: z.number().int(),
    truncated: z.boolean(),
    unresolved: unresolvedSchema,
    ...pageFields,
    files: z.array(
      z.object({
        file: z.string(),
        objects: z.array(z.object({ object: objectRefSchema, sites: z.array(z.object({ kind: z.string(), direction: z.string(), line: z.number().int(), depth: z.number().int() }).passthrough()) })),
      }),
    ),
    ...answerTail,
  }),
  http: { method: 'GET', path: '/api/kg/objects/:target/relations', param: 'target' },
  run: async (deps, input): Promise<Refs> => {
    await assertIndexed(deps.sql);
    const root = await resolveTarget(deps.sql, input.target);
    const result = await relationsOf(deps.sql, root.id, { kinds: input.kind, direction: input.direction, depth: input.depth, limit: input.limit });
    return {
      root: objectRef(root),
      direction: input.direction,
      depth: input.depth,
      edges: result.edges.length,
      truncated: result.truncated,
      unresolved: result.unresolved,
      entries: group(result),
    };
  },
  view: {
    items: (refs) => refs.entries,
    group: (entry: RefEntry) => entry.file,
    pageable: true,
    text: {
      head: (refs, clip) => [
        `refs of ${refs.root.kind} ${clip(refs.root.qualifiedName)} (${where(refs.root, clip)}) · ${DIRECTION_WORDS[refs.direction]} · depth ${refs.depth}: ${fmt(refs.entries.length)} object(s), ${fmt(refs.edges)} edge(s)${refs.truncated ? ' (truncated: raise limit)' : ''}`,
        ...incompletenessText(refs.unresolved, clip),
      ],
      group: (file, clip) => clip(file),
      item: (entry: RefEntry, clip) => {
        const sites = entry.sites.slice(0, clip.entries).map((s) => siteText(s, clip));
        const more = entry.sites.length > sites.length ? ` +${entry.sites.length - sites.length}` : '';
        return [`  ${entry.object.kind} ${clip(entry.object.qualifiedName)}${lines(entry.object)} ${sites.join(' ')}${more}`];
      },
    },
    json: {
      head: (refs, clip) => ({
        root: clipRef(refs.root, clip),
        direction: refs.direction,
        depth: refs.depth,
        edges: refs.edges,
        truncated: refs.truncated,
        unresolved: clip.deep(refs.unresolved),
        total: refs.entries.length,
      }),
      list: 'files',
      item: (entry: RefEntry, clip) => ({ object: clipRef(entry.object, clip), sites: clip.deep(entry.sites.slice(0, clip.entries * 4)) }),
      group: (file, objects) => ({ file, objects }),
    },
  },
});
