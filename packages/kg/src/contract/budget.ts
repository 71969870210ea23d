import { AgentlaneError } from '@agentlane/core';

/**
 * Answers that fit: the whole payload (head, items, cursor, freshness) is counted with
 * the context pack's tokenizer and cut to the caller's `maxTokens`. Items are taken in
 * order from the cursor's offset while they fit; the rest is left for `nextCursor`.
 * Hostile input (a 1 MB signature, a 10k-character name) cannot break the budget: every
 * string is clipped before it is counted, and when even one item or the head alone does
 * not fit, the clip tightens (200 → 60 → 24 characters, arrays 50 → 10 → 3 entries).
 */

export type Counter = (text: string) => number;

/** How much of each string and array an answer shows, tighter at each level. */
export interface Clip {
  (value: string): string;
  /** At most this many entries of a list inside one item. */
  readonly entries: number;
  /** The same, deep: strings and arrays inside a plain value. */
  deep<T>(value: T): T;
}

const LEVELS: readonly { chars: number; entries: number }[] = [
  { chars: 200, entries: 50 },
  { chars: 60, entries: 10 },
  { chars: 24, entries: 3 },
];

export function clipper(level: number): Clip {
  const { chars, entries } = LEVELS[Math.min(level, LEVELS.length - 1)] as { chars: number; entries: number };
  const clip = ((value: string) => (value.length > chars ? `${value.slice(0, chars - 1)}…` : value)) as Clip;
  const deep = (value: unknown, depth: number): unknown => {
    if (typeof value === 'string') return clip(value);
    if (depth > 8 || value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.slice(0, entries).map((v) => deep(v, depth + 1));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deep(v, depth + 1)]));
  };
  Object.defineProperty(clip, 'entries', { value: entries });
  Object.defineProperty(clip, 'deep', { value: <T>(value: T) => deep(value, 0) as T });
  return clip;
}

export interface PageRequest<T> {
  items: readonly T[];
  offset: number;
  maxTokens: number;
  count: Counter;
  /** The tokens one item adds (with its group header when it opens a group), at this clip. */
  cost(item: T, previous: T | undefined, clip: Clip): string;
  /** The whole payload for these items; `next` is the offset after them, or null when none remain. */
  render(items: readonly T[], next: number | null, clip: Clip): string;
}

export interface Page {
  body: string;
  tokens: number;
  /** Items shown. */
  shown: number;
  next: number | null;
}

/** The longest prefix of `items[offset…]` whose rendering fits `maxTokens`, at the loosest clip that fits anything. */
export function fitPage<T>(request: PageRequest<T>): Page {
  const { items, offset, maxTokens, count } = request;
  if (offset > items.length) throw new AgentlaneError('KG_INVALID_CURSOR', 'The cursor points past the end of the answer (the index changed?): ask again without it');
  for (let level = 0; level < LEVELS.length; level += 1) {
    const clip = clipper(level);
    const remaining = items.length - offset;
    const empty = request.render([], remaining > 0 ? offset : null, clip);
    let used = count(empty);
    if (used > maxTokens) continue;
    const chosen: T[] = [];
    for (let i = offset; i < items.length; i += 1) {
      const item = items[i] as T;
      const cost = count(request.cost(item, chosen.at(-1), clip)) + 1;
      if (used + cost > maxTokens) break;
      used += cost;
      chosen.push(item);
    }
    // An answer that shows nothing but a cursor would page forever: clip harder instead.
    if (chosen.length === 0 && remaining > 0) continue;
    // Separators and group headers can differ from the per-item estimate: drop items until the exact count fits.
    for (;;) {
      const next = offset + chosen.length < items.length ? offset + chosen.length : null;
      const body = request.render(chosen, next, clip);
      const tokens = count(body);
      if (tokens <= maxTokens) return { body, tokens, shown: chosen.length, next };
      if (chosen.length === 0) break;
      chosen.pop();
      if (chosen.length === 0 && remaining > 0) break;
    }
  }
  throw new AgentlaneError('KG_INVALID_ARGUMENT', `The answer does not fit in maxTokens=${maxTokens} even clipped: give a larger budget`, { details: { maxTokens } });
}
