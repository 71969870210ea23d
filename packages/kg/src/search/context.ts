import { AgentlaneError } from '@agentlane/core';
import type { Sql } from '@agentlane/store';
import type { ObjectKind } from '../extract/types.js';
import type { RelationKind } from '../model.js';
import { OBJECT_ID, assertText } from '../query/graph.js';
import { assertIndexed } from '../query/stats.js';
import { GraphBuilder, pageRank } from './pagerank.js';
import { searchObjects } from './search.js';
import { TOKENIZER, tokenCounter } from './tokenizer.js';

/**
 * Context packs: the map of the code relevant to a task, cut to a token budget,
 * for the codegen step to hand to an LLM. Like Aider's repo map, but from the
 * graph: seeds (search hits for the query, the objects of named files, named
 * symbols) personalize a PageRank over their two-hop neighbourhood; the objects
 * that rank highest contribute their signatures (never bodies), grouped by file
 * and ordered by line, until the budget is spent.
 */

export const MIN_BUDGET_TOKENS = 128;
export const MAX_BUDGET_TOKENS = 32_000;
export const DEFAULT_BUDGET_TOKENS = 4_096;
const MAX_SEEDS_PER_SOURCE = 100;
/** Neighbours expanded per hop; the most central are kept when there are more. */
const HOP_LIMIT = 2_000;
const LINE_CHARS = 240;

/** How strongly each relation ties two objects' relevance, per direction. */
const EDGE_WEIGHTS: Readonly<Record<RelationKind, { forward: number; backward: number }>> = {
  calls: { forward: 1, backward: 0.5 },
  extends: { forward: 1, backward: 0.5 },
  implements: { forward: 1, backward: 0.5 },
  uses_type: { forward: 0.7, backward: 0.3 },
  returns_type: { forward: 0.7, backward: 0.3 },
  imports: { forward: 0.3, backward: 0.1 },
  contains: { forward: 0.5, backward: 0.5 },
};

export interface ContextRequest {
  query?: string;
  /** Repository-relative paths whose objects seed the pack. */
  files?: readonly string[];
  /** Object ids, or names / qualified names resolved by exact search. */
  symbols?: readonly string[];
  /** @defaultValue 4096 */
  budgetTokens?: number;
}

export interface ContextObject {
  id: string;
  kind: ObjectKind;
  qualifiedName: string;
  signature: string;
  startLine: number;
  endLine: number;
  /** Personalized PageRank, scaled so the best object is 1. */
  score: number;
}

export interface ContextFile {
  path: string;
  objects: ContextObject[];
}

export interface ContextPack {
  budgetTokens: number;
  usedTokens: number;
  tokenizer: string;
  /** Objects the ranking started from. */
  seeds: number;
  /** Objects ranked (seeds and their neighbourhood). */
  considered: number;
  /** Ranked objects left out for lack of budget. */
  omitted: number;
  files: ContextFile[];
  /** The pack as text: each file's path, then one line per object, `line: signature`. */
  text: string;
}

interface NodeRow {
  id: string;
  kind: ObjectKind;
  name: string;
  qualified_name: string;
  file_path: string | null;
  parent_id: string | null;
  signature: string;
  start_line: number | null;
  end_line: number | null;
}

function invalid(message: string, details: Record<string, unknown> = {}): never {
  throw new AgentlaneError('KG_INVALID_ARGUMENT', message, { details });
}

function validate(request: ContextRequest): Required<Pick<ContextRequest, 'budgetTokens'>> & { query: string | null; files: string[]; symbols: string[] } {
  const budgetTokens = request.budgetTokens ?? DEFAULT_BUDGET_TOKENS;
  if (!Number.isInteger(budgetTokens) || budgetTokens < MIN_BUDGET_TOKENS || budgetTokens > MAX_BUDGET_TOKENS) {
    invalid(`budget_tokens must be an integer from ${MIN_BUDGET_TOKENS} to ${MAX_BUDGET_TOKENS}`, { budgetTokens });
  }
  for (const file of request.files ?? []) assertText(file, 'file');
  for (const symbol of request.symbols ?? []) assertText(symbol, 'symbol');
  const query = typeof request.query === 'string' && request.query.trim().length > 0 ? request.query : null;
  const files = [...new Set((request.files ?? []).map((f) => f.trim().replace(/^\.\//, '')).filter((f) => f.length > 0))];
  const symbols = [...new Set((request.symbols ?? []).map((s) => s.trim()).filter((s) => s.length > 0))];
  if (!query && files.length === 0 && symbols.length === 0) invalid('Give a query, files or symbols to build the context from');
  if (files.length > MAX_SEEDS_PER_SOURCE || symbols.length > MAX_SEEDS_PER_SOURCE) invalid(`At most ${MAX_SEEDS_PER_SOURCE} files and ${MAX_SEEDS_PER_SOURCE} symbols`);
  return { budgetTokens, query, files, symbols };
}

/** Seed weights: each source (query, files, symbols) brings the same total weight. */
async function collectSeeds(sql: Sql, request: ReturnType<typeof validate>): Promise<Map<string, number>> {
  const seeds = new Map<string, number>();
  const add = (ids: readonly string[], weights?: readonly number[]) => {
    const total = weights ? weights.reduce((a, b) => a + b, 0) : ids.length;
    ids.forEach((id, i) => seeds.set(id, (seeds.get(id) ?? 0) + (weights ? (weights[i] as number) : 1) / Math.max(total, 1e-9)));
  };
  if (request.query) {
    const { hits } = await searchObjects(sql, request.query, { limit: 10 });
    // A steep fall-off: the first hits are what the query means.
    add(
      hits.map((h) => h.id),
      hits.map((h) => h.score * h.score),
    );
  }
  if (request.files.length > 0) {
    const { rows } = await sql.query<{ id: string; file_path: string }>(
      `SELECT o.id, o.file_path FROM kg.objects o JOIN kg.objects m ON m.id = o.parent_id AND m.kind = 'module'
        WHERE o.file_path = ANY($1::text[])`,
      [request.files],
    );
    const known = await sql.query<{ path: string }>('SELECT path FROM kg.files WHERE path = ANY($1::text[])', [request.files]);
    const missing = request.files.filter((f) => !known.rows.some((r) => r.path === f));
    if (missing.length > 0) throw new AgentlaneError('KG_NOT_FOUND', `Not in the index: ${missing.join(', ')}`, { details: { files: missing } });
    add(rows.map((r) => r.id));
  }
  if (request.symbols.length > 0) {
    const ids: string[] = [];
    const missing: string[] = [];
    for (const symbol of request.symbols) {
      if (OBJECT_ID.test(symbol)) {
        const { rows } = await sql.query<{ id: string }>('SELECT id FROM kg.objects WHERE id = $1', [symbol]);
        if (rows[0]) ids.push(rows[0].id);
        else missing.push(symbol);
        continue;
      }
      const { hits } = await searchObjects(sql, symbol, { limit: 5 });
      const exact = hits.filter((h) => h.qualifiedName === symbol || h.name === symbol || h.qualifiedName.endsWith(`.${symbol}`));
      if (exact.length > 0) ids.push(...exact.slice(0, 3).map((h) => h.id));
      else missing.push(symbol);
    }
    if (missing.length > 0) throw new AgentlaneError('KG_NOT_FOUND', `No such symbol: ${missing.join(', ')}`, { details: { symbols: missing } });
    add(ids);
  }
  return seeds;
}

interface EdgeRow {
  src: string;
  dst: string;
  kind: RelationKind;
}

/** Two hops around the seeds, in both directions; the widest frontiers keep their most central nodes. */
async function neighbourhood(sql: Sql, seeds: readonly string[]): Promise<EdgeRow[]> {
  const edges: EdgeRow[] = [];
  const seen = new Set<string>(seeds);
  let frontier = [...seeds];
  for (let hop = 0; hop < 2 && frontier.length > 0; hop += 1) {
    const { rows } = await sql.query<EdgeRow>(
      `(SELECT src, dst, kind FROM kg.relations WHERE src = ANY($1::uuid[]) LIMIT ${HOP_LIMIT * 2})
       UNION ALL
       (SELECT src, dst, kind FROM kg.relations WHERE dst = ANY($1::uuid[]) LIMIT ${HOP_LIMIT * 2})`,
      [frontier],
    );
    edges.push(...rows);
    const next: string[] = [];
    for (const row of rows) {
      for (const id of [row.src, row.dst]) {
        if (!seen.has(id)) {
          seen.add(id);
          next.push(id);
        }
      }
    }
    if (next.length > HOP_LIMIT) {
      const ranked = await sql.query<{ id: string }>(
        `SELECT id FROM kg.object_ranks WHERE id = ANY($1::uuid[]) ORDER BY rank DESC LIMIT ${HOP_LIMIT}`,
        [next],
      );
      frontier = ranked.rows.map((r) => r.id);
    } else frontier = next;
  }
  return edges;
}

function lineOf(row: NodeRow, indent: string): string {
  const text = (row.signature || `${row.kind} ${row.name}`).replace(/\s+/g, ' ').trim();
  const clipped = text.length > LINE_CHARS ? `${text.slice(0, LINE_CHARS - 1)}…` : text;
  return `${indent}${row.start_line}: ${clipped}`;
}

export async function buildContext(sql: Sql, request: ContextRequest): Promise<ContextPack> {
  const valid = validate(request);
  await assertIndexed(sql);
  const countTokens = await tokenCounter();
  const seeds = await collectSeeds(sql, valid);
  const empty: ContextPack = { budgetTokens: valid.budgetTokens, usedTokens: 0, tokenizer: TOKENIZER, seeds: 0, considered: 0, omitted: 0, files: [], text: '' };
  if (seeds.size === 0) return empty;

  const edges = await neighbourhood(sql, [...seeds.keys()]);
  const graph = new GraphBuilder<string>();
  for (const id of seeds.keys()) graph.node(id);
  for (const edge of edges) {
    const weight = EDGE_WEIGHTS[edge.kind];
    graph.edge(edge.src, edge.dst, weight.forward);
    graph.edge(edge.dst, edge.src, weight.backward);
  }
  const built = graph.build();
  const personalization = new Float64Array(built.nodeCount);
  for (const [id, weight] of seeds) personalization[graph.indexOf(id) as number] = weight;
  const { rank } = pageRank(built, { personalization, maxIterations: 50, tolerance: 1e-6 });

  const { rows } = await sql.query<NodeRow>(
    `SELECT id, kind, name, qualified_name, file_path, parent_id, signature, start_line, end_line
       FROM kg.objects WHERE id = ANY($1::uuid[]) AND file_path IS NOT NULL`,
    [graph.keys],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  // Containers (a method's class) are shown with their members even when not ranked themselves.
  const parents = [...new Set(rows.map((r) => r.parent_id).filter((id): id is string => id !== null && !byId.has(id)))];
  if (parents.length > 0) {
    const more = await sql.query<NodeRow>(
      `SELECT id, kind, name, qualified_name, file_path, parent_id, signature, start_line, end_line
         FROM kg.objects WHERE id = ANY($1::uuid[]) AND kind <> 'module'`,
      [parents],
    );
    for (const row of more.rows) byId.set(row.id, row);
  }
  let best = 1e-12;
  for (const value of rank) if (value > best) best = value;
  const ranked = graph.keys
    .map((id, i) => ({ row: byId.get(id), score: (rank[i] as number) / best }))
    .filter((entry): entry is { row: NodeRow; score: number } => entry.row !== undefined && entry.row.kind !== 'module')
    .sort((a, b) => b.score - a.score || a.row.qualified_name.localeCompare(b.row.qualified_name));

  // Greedy fill: an object costs its line, plus its file's header the first time,
  // plus its container's line (a method needs its class) when that is not in yet.
  const chosen = new Map<string, { row: NodeRow; score: number }>();
  const files = new Set<string>();
  let used = 0;
  let omitted = 0;
  for (const entry of ranked) {
    const extra: Array<{ row: NodeRow; score: number }> = [];
    const parent = entry.row.parent_id ? byId.get(entry.row.parent_id) : undefined;
    if (parent && parent.kind !== 'module' && !chosen.has(parent.id)) extra.push({ row: parent, score: 0 });
    let cost = 0;
    const path = entry.row.file_path as string;
    if (!files.has(path)) cost += countTokens(`${path}\n`);
    for (const item of [...extra, entry]) cost += countTokens(`${lineOf(item.row, item === entry && parent && parent.kind !== 'module' ? '  ' : '')}\n`);
    if (used + cost > valid.budgetTokens) {
      omitted += 1;
      continue;
    }
    used += cost;
    files.add(path);
    for (const item of extra) chosen.set(item.row.id, item);
    chosen.set(entry.row.id, entry);
  }

  const render = (selection: Map<string, { row: NodeRow; score: number }>) => {
    const groups = new Map<string, Array<{ row: NodeRow; score: number }>>();
    for (const item of selection.values()) {
      const list = groups.get(item.row.file_path as string) ?? [];
      list.push(item);
      groups.set(item.row.file_path as string, list);
    }
    const ordered = [...groups].sort((a, b) => Math.max(...b[1].map((i) => i.score)) - Math.max(...a[1].map((i) => i.score)) || a[0].localeCompare(b[0]));
    const outFiles: ContextFile[] = [];
    const lines: string[] = [];
    for (const [path, items] of ordered) {
      items.sort((a, b) => (a.row.start_line ?? 0) - (b.row.start_line ?? 0) || (b.row.end_line ?? 0) - (a.row.end_line ?? 0));
      lines.push(path);
      for (const item of items) {
        const nested = item.row.parent_id !== null && selection.has(item.row.parent_id);
        lines.push(lineOf(item.row, nested ? '  ' : ''));
      }
      outFiles.push({
        path,
        objects: items.map(({ row, score }) => ({
          id: row.id,
          kind: row.kind,
          qualifiedName: row.qualified_name,
          signature: row.signature,
          startLine: row.start_line as number,
          endLine: row.end_line as number,
          score: Number(score.toFixed(4)),
        })),
      });
    }
    return { files: outFiles, text: lines.length > 0 ? `${lines.join('\n')}\n` : '' };
  };

  let pack = render(chosen);
  let usedTokens = countTokens(pack.text);
  // Line-by-line counts can differ from the whole text's by a token here and there:
  // drop the lowest-ranked objects until the exact count fits.
  const byScore = [...chosen.values()].sort((a, b) => a.score - b.score);
  while (usedTokens > valid.budgetTokens && byScore.length > 0) {
    const drop = byScore.shift() as { row: NodeRow };
    chosen.delete(drop.row.id);
    omitted += 1;
    pack = render(chosen);
    usedTokens = countTokens(pack.text);
  }
  return {
    budgetTokens: valid.budgetTokens,
    usedTokens,
    tokenizer: TOKENIZER,
    seeds: seeds.size,
    considered: ranked.length,
    omitted,
    files: pack.files,
    text: pack.text,
  };
}
