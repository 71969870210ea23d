/**
 * The DAG rules of engine_v2, as pure functions over task keys and `[predecessor,
 * successor]` edges: validation (unknown keys, self-edges, duplicates, cycles named),
 * topological order, upstream/downstream sets, and the terminal-state semantics the
 * scheduler implements (seed 001 §8). No I/O: the agent lane reuses them as they are.
 */
export type Edge = readonly [predecessor: string, successor: string];

export type TaskStatus = 'pending' | 'ready' | 'running' | 'succeeded' | 'failed' | 'blocked' | 'canceled' | 'skipped';
export type TerminalStatus = 'succeeded' | 'failed' | 'canceled' | 'skipped';

export const TERMINAL_STATUSES: readonly TerminalStatus[] = ['succeeded', 'failed', 'canceled', 'skipped'];

export function isTerminal(status: TaskStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

/** Succeeded and skipped tasks let their successors run (seed §8.1). */
export function satisfies(status: TaskStatus): boolean {
  return status === 'succeeded' || status === 'skipped';
}

export interface DagIssue {
  kind: 'duplicate_key' | 'unknown_key' | 'self_edge' | 'duplicate_edge' | 'cycle';
  message: string;
  /** For a cycle: the keys in order, first repeated last (`a → b → a`). */
  keys: string[];
}

function successorsMap(keys: readonly string[], edges: readonly Edge[]): Map<string, string[]> {
  const next = new Map<string, string[]>(keys.map((key) => [key, []]));
  for (const [from, to] of edges) next.get(from)?.push(to);
  return next;
}

function predecessorsMap(keys: readonly string[], edges: readonly Edge[]): Map<string, string[]> {
  const prev = new Map<string, string[]>(keys.map((key) => [key, []]));
  for (const [from, to] of edges) prev.get(to)?.push(from);
  return prev;
}

/**
 * A cycle as a path whose last key repeats the first (`['a', 'b', 'c', 'a']`), or null.
 * Iterative DFS with colours, visiting keys and successors in declaration order, so the
 * cycle reported for a given workflow is always the same.
 */
export function findCycle(keys: readonly string[], edges: readonly Edge[]): string[] | null {
  const next = successorsMap(keys, edges);
  const colour = new Map<string, 0 | 1 | 2>(keys.map((key) => [key, 0]));
  for (const root of keys) {
    if (colour.get(root) !== 0) continue;
    const stack: { key: string; index: number }[] = [{ key: root, index: 0 }];
    colour.set(root, 1);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1] as { key: string; index: number };
      const successors = next.get(frame.key) ?? [];
      if (frame.index >= successors.length) {
        colour.set(frame.key, 2);
        stack.pop();
        continue;
      }
      const successor = successors[frame.index] as string;
      frame.index += 1;
      const state = colour.get(successor);
      if (state === 1) {
        const start = stack.findIndex((f) => f.key === successor);
        return [...stack.slice(start).map((f) => f.key), successor];
      }
      if (state === 0) {
        colour.set(successor, 1);
        stack.push({ key: successor, index: 0 });
      }
    }
  }
  return null;
}

export function formatCycle(cycle: readonly string[]): string {
  return cycle.join(' → ');
}

/** Every structural problem of the graph; empty when it is a valid DAG. */
export function validateDag(keys: readonly string[], edges: readonly Edge[]): DagIssue[] {
  const issues: DagIssue[] = [];
  const seen = new Set<string>();
  for (const key of keys) {
    if (seen.has(key)) issues.push({ kind: 'duplicate_key', message: `task key "${key}" is used twice`, keys: [key] });
    seen.add(key);
  }
  const edgeSeen = new Set<string>();
  for (const [from, to] of edges) {
    for (const key of [from, to]) {
      if (!seen.has(key)) issues.push({ kind: 'unknown_key', message: `dependency [${from}, ${to}] names unknown task "${key}"`, keys: [key] });
    }
    if (from === to) issues.push({ kind: 'self_edge', message: `task "${from}" depends on itself`, keys: [from] });
    const id = JSON.stringify([from, to]);
    if (edgeSeen.has(id)) issues.push({ kind: 'duplicate_edge', message: `dependency [${from}, ${to}] is listed twice`, keys: [from, to] });
    edgeSeen.add(id);
  }
  if (issues.length === 0) {
    const cycle = findCycle([...seen], edges);
    if (cycle) issues.push({ kind: 'cycle', message: `dependency cycle: ${formatCycle(cycle)}`, keys: cycle });
  }
  return issues;
}

/** Kahn's algorithm, ties broken by declaration order. Throws on a cycle. */
export function topologicalOrder(keys: readonly string[], edges: readonly Edge[]): string[] {
  const next = successorsMap(keys, edges);
  const indegree = new Map<string, number>(keys.map((key) => [key, 0]));
  for (const [, to] of edges) indegree.set(to, (indegree.get(to) ?? 0) + 1);
  const position = new Map(keys.map((key, i) => [key, i]));
  const ready = keys.filter((key) => indegree.get(key) === 0);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
    const key = ready.shift() as string;
    order.push(key);
    for (const successor of next.get(key) ?? []) {
      const left = (indegree.get(successor) ?? 0) - 1;
      indegree.set(successor, left);
      if (left === 0) ready.push(successor);
    }
  }
  if (order.length !== keys.length) {
    const cycle = findCycle(keys, edges);
    throw new Error(`not a DAG: ${cycle ? formatCycle(cycle) : 'cycle'}`);
  }
  return order;
}

function reach(start: string, adjacency: Map<string, string[]>): Set<string> {
  const found = new Set<string>();
  const stack = [...(adjacency.get(start) ?? [])];
  while (stack.length > 0) {
    const key = stack.pop() as string;
    if (found.has(key)) continue;
    found.add(key);
    stack.push(...(adjacency.get(key) ?? []));
  }
  return found;
}

/** Every task reachable from `key` along edges (not including `key`). */
export function downstreamOf(key: string, keys: readonly string[], edges: readonly Edge[]): Set<string> {
  return reach(key, successorsMap(keys, edges));
}

/** Every task `key` transitively depends on (not including `key`). */
export function upstreamOf(key: string, keys: readonly string[], edges: readonly Edge[]): Set<string> {
  return reach(key, predecessorsMap(keys, edges));
}

/** `upstreamOf` for every task at once. */
export function upstreamMap(keys: readonly string[], edges: readonly Edge[]): Map<string, Set<string>> {
  const prev = predecessorsMap(keys, edges);
  return new Map(keys.map((key) => [key, reach(key, prev)]));
}

export function predecessorsOf(key: string, edges: readonly Edge[]): string[] {
  return edges.filter(([, to]) => to === key).map(([from]) => from);
}

/** Tasks nothing depends on, in declaration order. */
export function sinks(keys: readonly string[], edges: readonly Edge[]): string[] {
  const hasSuccessor = new Set(edges.map(([from]) => from));
  return keys.filter((key) => !hasSuccessor.has(key));
}

/**
 * What happens to one task once all its predecessors are terminal, by the rules the
 * scheduler applies (seed §8.4, §7.4):
 *
 * - a failed or canceled predecessor cancels it (`upstream_failed`);
 * - otherwise, a predecessor skipped with `skip_downstream` skips it too;
 * - otherwise its own skip condition, if true, skips it;
 * - otherwise it runs.
 */
export type Resolution =
  | { action: 'cancel' }
  | { action: 'skip'; cascade: boolean; reason: string }
  | { action: 'run' };

export interface PredecessorState {
  key: string;
  status: TerminalStatus;
  /** Skipped with skip_downstream: its successors are skipped too. */
  cascade: boolean;
}

export function resolveTask(
  predecessors: readonly PredecessorState[],
  ownSkip: { holds: boolean; cascade: boolean; reason: string } | undefined,
): Resolution {
  if (predecessors.some((p) => p.status === 'failed' || p.status === 'canceled')) return { action: 'cancel' };
  const cascading = predecessors.find((p) => p.status === 'skipped' && p.cascade);
  if (cascading) return { action: 'skip', cascade: true, reason: `upstream ${cascading.key} skipped with its downstream` };
  if (ownSkip?.holds) return { action: 'skip', cascade: ownSkip.cascade, reason: ownSkip.reason };
  return { action: 'run' };
}

/**
 * The terminal state of every task for given run outcomes: the reference the scheduler's
 * result must equal whatever the interleaving (used by the property tests, and usable as
 * a dry run). `outcome(key, outputs)` says how a task that runs ends and what it outputs;
 * `skipWhen(key, outputs)` evaluates its skip condition over the upstream outputs.
 */
export function simulate(
  keys: readonly string[],
  edges: readonly Edge[],
  outcome: (key: string) => { status: 'succeeded' | 'failed'; output?: unknown },
  skipWhen: (key: string, outputs: ReadonlyMap<string, unknown>) => { holds: boolean; cascade: boolean; reason: string } | undefined,
): Map<string, { status: TerminalStatus; cascade: boolean }> {
  const states = new Map<string, { status: TerminalStatus; cascade: boolean }>();
  const outputs = new Map<string, unknown>();
  for (const key of topologicalOrder(keys, edges)) {
    const predecessors = predecessorsOf(key, edges).map((p) => ({ key: p, ...(states.get(p) as { status: TerminalStatus; cascade: boolean }) }));
    const resolution = resolveTask(predecessors, skipWhen(key, outputs));
    if (resolution.action === 'cancel') states.set(key, { status: 'canceled', cascade: false });
    else if (resolution.action === 'skip') states.set(key, { status: 'skipped', cascade: resolution.cascade });
    else {
      const result = outcome(key);
      states.set(key, { status: result.status, cascade: false });
      if (result.status === 'succeeded') outputs.set(key, result.output ?? null);
    }
  }
  return states;
}

/** Progress in percent from task weights (seed §13); equal weights when all are zero. */
export function progressPercent(tasks: readonly { weight: number; status: TaskStatus }[]): number {
  const total = tasks.reduce((sum, t) => sum + t.weight, 0);
  if (tasks.length === 0) return 100;
  if (total === 0) return Math.round((100 * tasks.filter((t) => isTerminal(t.status)).length) / tasks.length);
  const done = tasks.filter((t) => isTerminal(t.status)).reduce((sum, t) => sum + t.weight, 0);
  return Math.round((100 * done) / total);
}
