/**
 * The microtasks' `depends_on`, under engine_v2's DAG rules: the lane does not
 * implement a second DAG. Validation (unknown or duplicate ids, self-edges, a
 * cycle named in order), the run order, and what happens to a task once its
 * prerequisites ended all come from `@agentlane/engine`.
 */
import { predecessorsOf, resolveTask, topologicalOrder, validateDag, type DagIssue, type Edge } from '@agentlane/engine';

export type { DagIssue, Edge };

/** Every structural problem of the microtask graph; empty when it is a DAG. */
export function dagProblems(ids: readonly string[], edges: readonly Edge[]): DagIssue[] {
  return validateDag(ids, edges);
}

/** The order microtasks run in: topological, ties broken by lane-file order. */
export function runOrder(ids: readonly string[], edges: readonly Edge[]): string[] {
  return topologicalOrder(ids, edges);
}

export type PrerequisiteStatus = 'succeeded' | 'failed' | 'skipped';

/**
 * Whether a microtask runs, given how its prerequisites ended. engine_v2 cancels
 * the successors of a failed task; in the lane that is a skip with the reason.
 * A prerequisite that is not finished (the lane stopped) leaves the task pending.
 */
export function decide(
  id: string,
  edges: readonly Edge[],
  statusOf: (id: string) => PrerequisiteStatus | 'pending',
): { action: 'run' } | { action: 'skip'; reason: string } | { action: 'wait' } {
  const predecessors = predecessorsOf(id, edges);
  const states = predecessors.map((key) => ({ key, status: statusOf(key) }));
  if (states.some((s) => s.status === 'pending')) return { action: 'wait' };
  const resolution = resolveTask(
    states.map((s) => ({ key: s.key, status: s.status as PrerequisiteStatus, cascade: s.status === 'skipped' })),
    undefined,
  );
  if (resolution.action === 'run') return { action: 'run' };
  const blocker = states.find((s) => s.status === 'failed') ?? states.find((s) => s.status === 'skipped');
  const reason =
    resolution.action === 'cancel'
      ? `prerequisite ${blocker?.key ?? '?'} failed`
      : `prerequisite ${blocker?.key ?? '?'} was skipped`;
  return { action: 'skip', reason };
}
