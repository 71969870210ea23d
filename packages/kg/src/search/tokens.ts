import { stemmer } from 'stemmer';

/**
 * One tokenizer for both sides of search: objects are turned into lexemes on the
 * parse workers (written as a `tsvector` literal), queries into the same lexemes
 * here. Postgres only stores and matches them, so PostgreSQL and PGlite rank the
 * same way and no text-search configuration has to agree with this code.
 *
 * Identifiers split at camelCase and acronym boundaries, underscores, dots,
 * slashes and digits (`HTTPServer2` → http, server, 2); words are lowercased and
 * Porter-stemmed (`retries` → retri), and common English words are dropped.
 */

export const STOPWORDS: ReadonlySet<string> = new Set(
  'a an and are as at be by for from has have how i in into is it its of on or that the their then there this to was we were what when where which who will with'.split(
    ' ',
  ),
);

/** Longest lexeme kept; tsvector rejects lexemes over 2 KiB and long ones never match anyway. */
const MAX_LEXEME = 60;

/** Identifier or prose → lowercase word tokens, unstemmed. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  for (const chunk of text.match(/[\p{L}\p{N}]+/gu) ?? []) {
    // camelCase, PascalCase, ACRONYMWord and letter/digit boundaries.
    const parts = chunk.match(/\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?\p{Ll}+|\p{Lu}+|\p{N}+|[\p{L}\p{N}]+/gu) ?? [chunk];
    for (const part of parts) words.push(part.toLowerCase());
  }
  return words;
}

/** `parse_file`, `parseFile`, `ParseFile` and `parse file` share one key: `parsefile`. */
export function nameKey(text: string): string {
  return text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Identifiers repeat a lot within a repository: stems are memoized (bounded). */
const stems = new Map<string, string>();
const MAX_MEMO = 100_000;

export function stem(word: string): string {
  if (word.length <= 3) return word;
  let stemmed = stems.get(word);
  if (stemmed === undefined) {
    stemmed = /^\p{N}+$/u.test(word) ? word : stemmer(word);
    if (stems.size >= MAX_MEMO) stems.clear();
    stems.set(word, stemmed);
  }
  return stemmed;
}

/** Searchable terms of a text: split, stemmed, stopwords and noise dropped. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const word of splitWords(text)) {
    if (STOPWORDS.has(word) || word.length > MAX_LEXEME) continue;
    out.push(stem(word));
  }
  return out;
}

/** Lexeme weights, strongest first: name, container, location and signature, doc. */
export type Weight = 'A' | 'B' | 'C' | 'D';

/** tsvector positions run 1..16383; a few hundred lexemes per object are plenty. */
const MAX_POSITIONS = 256;

/**
 * A `tsvector` literal from weighted sections, strongest first. Each lexeme is
 * kept once, at its strongest weight: a module whose path repeats its name, or a
 * doc that repeats a word, does not outrank an object that matches more of a query.
 */
export function tsvectorLiteral(sections: ReadonlyArray<readonly [Weight, readonly string[]]>): string {
  const seen = new Set<string>();
  const out: string[] = [];
  let position = 0;
  for (const [weight, lexemes] of sections) {
    for (const lexeme of lexemes) {
      if (position >= MAX_POSITIONS) break;
      if (lexeme.length === 0 || lexeme.length > MAX_LEXEME || seen.has(lexeme)) continue;
      seen.add(lexeme);
      position += 1;
      // Lexemes are letters and digits only; quote and escape anyway, as the input format requires.
      out.push(`'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}':${position}${weight === 'D' ? '' : weight}`);
    }
  }
  return out.join(' ');
}

/** A tsquery literal term (`'word'`), prefix-matching when `prefix`, restricted to `weights` when given. */
export function tsqueryTerm(lexeme: string, prefix = false, weights = ''): string {
  const flags = `${prefix ? '*' : ''}${weights}`;
  return `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'${flags ? `:${flags}` : ''}`;
}
