import { nameKey, splitWords } from './tokens.js';

/**
 * Typo tolerance that knows identifiers are made of words: `ZodStrng` is
 * `ZodString` with one letter missing from one of its words, while `_zod` merely
 * shares a word with it. Trigram similarity (pg_trgm, on both backends) proposes
 * candidates; this decides which are misspellings of the query and how close.
 */

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions), capped at `max + 1`. */
export function editDistance(a: string, b: string, max = 3): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (prev2[j - 2] as number) + 1);
      row.push(d);
      best = Math.min(best, d);
    }
    if (best > max) return max + 1;
    prev2 = prev;
    prev = row;
  }
  return prev[b.length] as number;
}

/** Edits a word of this length may carry and still be the same word: none up to 3 letters, 1 up to 7, then 2. */
function allowed(length: number): number {
  return length <= 3 ? 0 : length <= 7 ? 1 : 2;
}

/**
 * How surely `typed` is a misspelling of the name `candidate`, from 0 (not one) to 1
 * (spelled the same). Word by word when both have as many words (each within its
 * allowance), else over the whole key.
 */
export function typoSimilarity(typed: string, candidate: string): number {
  const a = splitWords(typed);
  const b = splitWords(candidate);
  if (a.length > 1 && a.length === b.length) {
    let edits = 0;
    let letters = 0;
    for (let i = 0; i < a.length; i += 1) {
      const x = a[i] as string;
      const y = b[i] as string;
      const d = editDistance(x, y, 2);
      if (d > allowed(Math.max(x.length, y.length))) return 0;
      edits += d;
      letters += Math.max(x.length, y.length);
    }
    return 1 - edits / Math.max(letters, 1);
  }
  const x = nameKey(typed);
  const y = nameKey(candidate);
  const d = editDistance(x, y, 2);
  return d > allowed(Math.max(x.length, y.length)) ? 0 : 1 - d / Math.max(x.length, y.length, 1);
}
