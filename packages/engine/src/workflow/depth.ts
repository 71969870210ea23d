/**
 * Nesting depth of parsed JSON/YAML, measured without recursion. Everything downstream of a
 * parse (zod's recursive schemas, JSON.stringify, condition evaluation) recurses once per
 * level, so a document thousands of levels deep overflows the stack there (a RangeError,
 * an internal error) instead of being rejected as bad input. Checking depth first, with an
 * explicit stack, makes deep input an ordinary validation error.
 */

/** Deepest nesting accepted in a workflow document, a job input or a task output. */
export const MAX_JSON_DEPTH = 64;

/** True when `value` nests arrays/objects more than `max` levels deep (a scalar is depth 0). */
export function exceedsJsonDepth(value: unknown, max: number = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  // YAML aliases can put one node in many places: walk it again only when reached deeper
  // than before (a circular structure therefore ends as too deep).
  const seen = new Map<object, number>();
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item;
    if (node === null || typeof node !== 'object') continue;
    if (depth + 1 > max) return true;
    if ((seen.get(node) ?? -1) >= depth) continue;
    seen.set(node, depth);
    const children = Array.isArray(node) ? (node as unknown[]) : Object.values(node as Record<string, unknown>);
    for (const child of children) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}
