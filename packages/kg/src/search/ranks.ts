import type { Sql } from '@agentlane/store';
import { csvLine } from '@agentlane/store/csv';
import type { RelationKind } from '../model.js';
import { GraphBuilder, pageRank, type WeightedGraph } from './pagerank.js';

/**
 * The graph prior of search: PageRank over the relations through which code
 * depends on code. A function many others call, a module many import, a base
 * class many extend rank high. Type references count half: they say "depends on"
 * less strongly than a call does. `contains` does not count: size is not importance.
 */
export const RANK_EDGE_WEIGHTS: Readonly<Partial<Record<RelationKind, number>>> = {
  calls: 1,
  imports: 1,
  extends: 1,
  implements: 1,
  uses_type: 0.5,
  returns_type: 0.5,
};

/** The ranked kinds in a fixed order, for compact encodings of ranked relations. */
export const RANKED_KINDS = Object.keys(RANK_EDGE_WEIGHTS) as RelationKind[];

export interface RankSummary {
  objects: number;
  edges: number;
  iterations: number;
  ms: number;
}

/**
 * The rank graph as the indexer holds it after a first index, which wrote every
 * object and relation there is: reading it back from the database costs more
 * than the ranking itself.
 */
export interface KnownRankGraph {
  /** Every object id, each once. */
  objectIds: readonly string[];
  /** Ranked relations as (src index, dst index, index in `RANKED_KINDS`) triples over `objectIds`. */
  edges: Int32Array;
}

/** Ranks computed and encoded, not yet written. */
export interface RankedGraph {
  objects: number;
  edges: number;
  iterations: number;
  /** `kg.object_ranks` rows (id, rank) for `Sql.copyFrom`. */
  rows: string;
}

export interface RankTimings {
  /** Building the graph (from the database, or from a known graph). */
  graphMs: number;
  iterateMs: number;
  writeMs: number;
}

const KIND_WEIGHTS = Float64Array.from(RANKED_KINDS, (kind) => RANK_EDGE_WEIGHTS[kind] ?? 0);

async function graphFromDatabase(sql: Sql): Promise<{ keys: readonly string[]; graph: WeightedGraph }> {
  const builder = new GraphBuilder<string>();
  // Every object is a node, related or not, so the scale is over all of them.
  const objects = await sql.query<{ id: string }>('SELECT id FROM kg.objects');
  for (const row of objects.rows) builder.node(row.id);
  const relations = await sql.query<{ src: string; dst: string; kind: RelationKind }>(
    'SELECT src, dst, kind FROM kg.relations WHERE kind = ANY($1::text[])',
    [RANKED_KINDS],
  );
  for (const r of relations.rows) {
    // Relations always point at objects, but a concurrent reader's snapshot is not this one.
    if (builder.indexOf(r.src) === undefined || builder.indexOf(r.dst) === undefined) continue;
    builder.edge(r.src, r.dst, RANK_EDGE_WEIGHTS[r.kind] ?? 0);
  }
  return { keys: builder.keys, graph: builder.build() };
}

/** The same graph `graphFromDatabase` builds, from a known one: self-loops and zero weights dropped. */
function graphFromKnown(known: KnownRankGraph): WeightedGraph {
  const n = known.objectIds.length;
  let count = 0;
  const src = new Int32Array(known.edges.length / 3);
  const dst = new Int32Array(src.length);
  const weight = new Float64Array(src.length);
  for (let i = 0; i + 2 < known.edges.length; i += 3) {
    const a = known.edges[i] as number;
    const b = known.edges[i + 1] as number;
    const w = KIND_WEIGHTS[known.edges[i + 2] as number] ?? 0;
    if (a === b || !(w > 0) || a < 0 || b < 0 || a >= n || b >= n) continue;
    src[count] = a;
    dst[count] = b;
    weight[count] = w;
    count += 1;
  }
  return { nodeCount: n, src: src.subarray(0, count), dst: dst.subarray(0, count), weight: weight.subarray(0, count) };
}

function rank(keys: readonly string[], graph: WeightedGraph): RankedGraph {
  const { rank: values, iterations } = pageRank(graph);
  const scale = graph.nodeCount;
  let rows = '';
  for (let i = 0; i < graph.nodeCount; i += 1) rows += csvLine([keys[i] as string, ((values[i] as number) * scale).toPrecision(6)]);
  return { objects: graph.nodeCount, edges: graph.src.length, iterations, rows };
}

/** Rank a known graph: pure CPU, so it can run while the database is busy with something else. */
export function rankKnownGraph(known: KnownRankGraph): RankedGraph {
  return rank(known.objectIds, graphFromKnown(known));
}

/**
 * Replace `kg.object_ranks` with ranks computed from a known graph, if that graph
 * has as many objects as the table (its ids are the table's primary key, so then
 * the same set). False, writing nothing, when it does not.
 */
export async function writeKnownRanks(sql: Sql, ranked: RankedGraph): Promise<boolean> {
  const { rows } = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM kg.objects');
  if (rows[0]?.n !== ranked.objects) return false;
  await sql.query('DELETE FROM kg.object_ranks');
  if (ranked.rows.length > 0) await sql.copyFrom('kg.object_ranks', ['id', 'rank'], ranked.rows);
  return true;
}

/**
 * Recompute every object's rank from the tables and replace `kg.object_ranks`
 * (in the caller's transaction). Ranks are scaled so their mean is 1: a rank of
 * 20 is twenty times the average object's, whatever the size of the graph.
 */
export async function computeObjectRanks(sql: Sql, timings?: RankTimings): Promise<RankSummary> {
  const started = performance.now();
  const { keys, graph } = await graphFromDatabase(sql);
  const built = performance.now();
  const ranked = rank(keys, graph);
  const iterated = performance.now();
  await sql.query('DELETE FROM kg.object_ranks');
  if (ranked.rows.length > 0) await sql.copyFrom('kg.object_ranks', ['id', 'rank'], ranked.rows);
  const done = performance.now();
  if (timings) Object.assign(timings, { graphMs: built - started, iterateMs: iterated - built, writeMs: done - iterated });
  return { objects: ranked.objects, edges: ranked.edges, iterations: ranked.iterations, ms: Math.round(done - started) };
}

/**
 * Whether an incremental run should recompute ranks: when it rewrote a
 * noticeable share of the graph, or none were ever computed. A small edit keeps
 * the old ranks (ids are stable, so re-parsed objects keep theirs) and costs
 * nothing; new objects rank as average until the next computation.
 */
export async function ranksAreStale(sql: Sql, rewrittenObjects: number, share = 0.05): Promise<boolean> {
  const { rows } = await sql.query<{ ranked: boolean; objects: number }>(
    `SELECT EXISTS (SELECT 1 FROM kg.object_ranks) AS ranked,
            (SELECT coalesce(sum(object_count), 0) FROM kg.files)::int AS objects`,
  );
  const row = rows[0];
  if (!row?.ranked) return (row?.objects ?? 0) > 0;
  return rewrittenObjects > share * Math.max(row.objects, 1);
}
