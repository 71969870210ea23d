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

const NON_ASCII = /[^\p{ASCII}]/u;

const isUpper = (c: number) => c >= 65 && c <= 90;
const isLower = (c: number) => c >= 97 && c <= 122;
const isDigit = (c: number) => c >= 48 && c <= 57;

/** End of the run of characters from `i` that `is` accepts. */
function runEnd(text: string, i: number, end: number, is: (c: number) => boolean): number {
  while (i < end && is(text.charCodeAt(i))) i += 1;
  return i;
}

/**
 * `splitWords` of ASCII text, without regular expressions: the same parts the
 * patterns below find (checked against them in search.tokens.test.ts), read
 * character by character. Index-time lexemes are mostly ASCII identifiers.
 */
function splitAsciiWords(text: string, words: string[]): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (!isUpper(c) && !isLower(c) && !isDigit(c)) {
      i += 1;
      continue;
    }
    const end = runEnd(text, i, n, (d) => isUpper(d) || isLower(d) || isDigit(d));
    while (i < end) {
      const d = text.charCodeAt(i);
      let to: number;
      if (isDigit(d)) to = runEnd(text, i, end, isDigit);
      else if (isLower(d)) to = runEnd(text, i, end, isLower);
      else {
        const upperEnd = runEnd(text, i, end, isUpper);
        const lowerNext = upperEnd < end && isLower(text.charCodeAt(upperEnd));
        // `HTTPServer` → `HTTP` (the last capital starts the next word); `Server` → `Server`; `HTTP` → `HTTP`.
        if (lowerNext && upperEnd - i >= 2) to = upperEnd - 1;
        else if (lowerNext) to = runEnd(text, upperEnd, end, isLower);
        else to = upperEnd;
      }
      words.push(text.slice(i, to).toLowerCase());
      i = to;
    }
  }
}

/** Identifier or prose → lowercase word tokens, unstemmed. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  if (!NON_ASCII.test(text)) {
    splitAsciiWords(text, words);
    return words;
  }
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
      out.push(`'${quoteLexeme(lexeme)}':${position}${weight === 'D' ? '' : weight}`);
    }
  }
  return out.join(' ');
}

/** A lexeme as a quoted literal's body: backslashes and quotes doubled (lexemes from `terms` have neither). */
function quoteLexeme(lexeme: string): string {
  return lexeme.includes('\\') || lexeme.includes("'") ? lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''") : lexeme;
}

/** A tsquery literal term (`'word'`), prefix-matching when `prefix`, restricted to `weights` when given. */
export function tsqueryTerm(lexeme: string, prefix = false, weights = ''): string {
  const flags = `${prefix ? '*' : ''}${weights}`;
  return `'${quoteLexeme(lexeme)}'${flags ? `:${flags}` : ''}`;
}
