import type { Sql } from '@agentlane/store';
import { csvLine } from '@agentlane/store/csv';
import type { RelationKind } from '../model.js';
import { GraphBuilder, pageRank } from './pagerank.js';

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
 * The rank graph as the indexer already holds it after a first index: every
 * object id, and the relations of the ranked kinds. Saves reading the whole
 * graph back from the database.
 */
export interface KnownRankGraph {
  objectIds: Iterable<string>;
  /** The number of ids `objectIds` yields: checked against the table before it is trusted. */
  objectCount: number;
  edges: Iterable<{ src: string; dst: string; kind: RelationKind }>;
}

export interface RankTimings {
  /** Building the graph (from the database, or from `known`). */
  graphMs: number;
  iterateMs: number;
  writeMs: number;
}

async function graphFromDatabase(sql: Sql): Promise<GraphBuilder<string>> {
  const graph = new GraphBuilder<string>();
  // Every object is a node, related or not, so the scale is over all of them.
  const objects = await sql.query<{ id: string }>('SELECT id FROM kg.objects');
  for (const row of objects.rows) graph.node(row.id);
  const kinds = Object.keys(RANK_EDGE_WEIGHTS);
  const relations = await sql.query<{ src: string; dst: string; kind: RelationKind }>(
    'SELECT src, dst, kind FROM kg.relations WHERE kind = ANY($1::text[])',
    [kinds],
  );
  addEdges(graph, relations.rows);
  return graph;
}

function addEdges(graph: GraphBuilder<string>, edges: Iterable<{ src: string; dst: string; kind: RelationKind }>): void {
  for (const r of edges) {
    const weight = RANK_EDGE_WEIGHTS[r.kind];
    if (weight === undefined) continue;
    // Relations always point at objects, but a concurrent reader's snapshot is not this one.
    if (graph.indexOf(r.src) === undefined || graph.indexOf(r.dst) === undefined) continue;
    graph.edge(r.src, r.dst, weight);
  }
}

/** `known` as a graph, or null when it is not the whole table (then the database is read). */
async function graphFromMemory(sql: Sql, known: KnownRankGraph): Promise<GraphBuilder<string> | null> {
  const { rows } = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM kg.objects');
  if (rows[0]?.n !== known.objectCount) return null;
  const graph = new GraphBuilder<string>();
  for (const id of known.objectIds) graph.node(id);
  // Same ids, same count: the same node set as the table (ids are its primary key).
  if (graph.keys.length !== known.objectCount) return null;
  addEdges(graph, known.edges);
  return graph;
}

/**
 * Recompute every object's rank and replace `kg.object_ranks` (in the caller's
 * transaction). Ranks are scaled so their mean is 1: a rank of 20 is twenty
 * times the average object's, whatever the size of the graph. `known`, when
 * given, must hold every relation of the ranked kinds in the table.
 */
export async function computeObjectRanks(sql: Sql, known?: KnownRankGraph, timings?: RankTimings): Promise<RankSummary> {
  const started = performance.now();
  const graph = (known ? await graphFromMemory(sql, known) : null) ?? (await graphFromDatabase(sql));
  const built = graph.build();
  const graphDone = performance.now();
  const { rank, iterations } = pageRank(built);
  const iterated = performance.now();
  const scale = built.nodeCount;
  let rows = '';
  for (let i = 0; i < built.nodeCount; i += 1) rows += csvLine([graph.keys[i] as string, ((rank[i] as number) * scale).toPrecision(6)]);
  await sql.query('DELETE FROM kg.object_ranks');
  if (rows.length > 0) await sql.copyFrom('kg.object_ranks', ['id', 'rank'], rows);
  const done = performance.now();
  if (timings) Object.assign(timings, { graphMs: graphDone - started, iterateMs: iterated - graphDone, writeMs: done - iterated });
  return { objects: built.nodeCount, edges: built.src.length, iterations, ms: Math.round(done - started) };
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
