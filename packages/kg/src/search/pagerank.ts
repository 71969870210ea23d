/**
 * PageRank by power iteration over a weighted directed graph in compressed form.
 * Pure and allocation-light (typed arrays), so it serves both the global prior
 * computed at index time and the personalized runs behind context packs.
 */
export interface WeightedGraph {
  nodeCount: number;
  /** Edge i goes from `src[i]` to `dst[i]` with weight `weight[i]` (> 0). */
  src: Int32Array;
  dst: Int32Array;
  weight: Float64Array;
}

export interface PageRankOptions {
  /** Probability of following an edge rather than teleporting. @defaultValue 0.85 */
  damping?: number;
  /** @defaultValue 100 */
  maxIterations?: number;
  /** Stop when the L1 change of an iteration drops below this. @defaultValue 1e-7 */
  tolerance?: number;
  /**
   * Where teleports (and the rank of nodes without out-edges) land; need not be
   * normalized. Uniform when omitted: plain PageRank.
   */
  personalization?: Float64Array;
}

export interface PageRankResult {
  /** Sums to 1 (for a non-empty graph). */
  rank: Float64Array;
  iterations: number;
}

export function pageRank(graph: WeightedGraph, options: PageRankOptions = {}): PageRankResult {
  const n = graph.nodeCount;
  const damping = options.damping ?? 0.85;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-7;
  if (n === 0) return { rank: new Float64Array(0), iterations: 0 };
  if (!(damping >= 0 && damping < 1)) throw new RangeError(`damping must be in [0, 1): ${damping}`);

  const teleport = new Float64Array(n);
  const given = options.personalization;
  let total = 0;
  if (given) {
    if (given.length !== n) throw new RangeError(`personalization has ${given.length} entries for ${n} nodes`);
    for (let i = 0; i < n; i += 1) {
      const value = given[i] as number;
      if (!(value >= 0)) throw new RangeError(`personalization[${i}] must be >= 0`);
      total += value;
    }
  }
  if (given && total > 0) for (let i = 0; i < n; i += 1) teleport[i] = (given[i] as number) / total;
  else teleport.fill(1 / n);

  const outWeight = new Float64Array(n);
  for (let e = 0; e < graph.src.length; e += 1) {
    const from = graph.src[e] as number;
    outWeight[from] = (outWeight[from] as number) + (graph.weight[e] as number);
  }

  let rank = Float64Array.from(teleport);
  let next = new Float64Array(n);
  let iterations = 0;
  while (iterations < maxIterations) {
    iterations += 1;
    let dangling = 0;
    for (let i = 0; i < n; i += 1) if (outWeight[i] === 0) dangling += rank[i] as number;
    for (let i = 0; i < n; i += 1) next[i] = (1 - damping + damping * dangling) * (teleport[i] as number);
    for (let e = 0; e < graph.src.length; e += 1) {
      const from = graph.src[e] as number;
      const to = graph.dst[e] as number;
      next[to] = (next[to] as number) + (damping * (rank[from] as number) * (graph.weight[e] as number)) / (outWeight[from] as number);
    }
    let change = 0;
    for (let i = 0; i < n; i += 1) change += Math.abs((next[i] as number) - (rank[i] as number));
    [rank, next] = [next, rank];
    if (change < tolerance) break;
  }
  return { rank, iterations };
}

/** Builds a `WeightedGraph` from edges named by arbitrary keys. */
export class GraphBuilder<K> {
  private readonly index = new Map<K, number>();
  readonly keys: K[] = [];
  private readonly src: number[] = [];
  private readonly dst: number[] = [];
  private readonly weight: number[] = [];

  node(key: K): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.keys.length;
      this.index.set(key, i);
      this.keys.push(key);
    }
    return i;
  }

  indexOf(key: K): number | undefined {
    return this.index.get(key);
  }

  edge(from: K, to: K, weight = 1): void {
    if (!(weight > 0)) return;
    const a = this.node(from);
    const b = this.node(to);
    if (a === b) return;
    this.src.push(a);
    this.dst.push(b);
    this.weight.push(weight);
  }

  build(): WeightedGraph {
    return { nodeCount: this.keys.length, src: Int32Array.from(this.src), dst: Int32Array.from(this.dst), weight: Float64Array.from(this.weight) };
  }
}
