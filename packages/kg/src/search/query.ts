import { AgentlaneError } from '@agentlane/core';
import type { Language, ObjectKind } from '../extract/types.js';
import { abbreviationsOf } from './abbreviations.js';
import { STOPWORDS, nameKey, splitWords, stem, terms, tsqueryTerm, type Weight } from './tokens.js';
import { DOMAIN_WORDS, americanSpelling, contentWords, conversion, domainWords, expandPhrases, kindWords } from './vocabulary.js';

/**
 * Search input, validated and normalized once: what every ranker needs to know
 * about the query, and the filters as SQL-ready values.
 */

export const OBJECT_KINDS: readonly ObjectKind[] = [
  'module',
  'namespace',
  'class',
  'interface',
  'type',
  'enum',
  'function',
  'method',
  'property',
  'variable',
  'external_module',
];

const LANGUAGE_ALIASES: Record<string, Language> = { ts: 'ts', typescript: 'ts', py: 'py', python: 'py' };

export const MAX_QUERY_LENGTH = 256;
/** Words of a query that take part in matching; the rest only in the joined key. */
const MAX_WORDS = 8;
export const MAX_SEARCH_LIMIT = 100;
export const DEFAULT_SEARCH_LIMIT = 20;

export interface SearchOptions {
  /** Only objects of these kinds. */
  kind?: ObjectKind | readonly ObjectKind[];
  /** `ts` / `py` (or `typescript` / `python`). */
  language?: Language | 'typescript' | 'python';
  /** A path prefix (`packages/kg/`) or a glob with `*` and `?` (`**\/*.test.ts`). */
  path?: string;
  /** 1–100. @defaultValue 20 */
  limit?: number;
}

export interface ParsedQuery {
  text: string;
  /** The name the query most likely means, as a name key. */
  key: string;
  /** `key` and its other spellings (American for British), for exact matching. */
  keys: string[];
  /** The query is one identifier (no spaces): a misspelled name, not a question. */
  identifier: boolean;
  /** Formats and protocols the query names (`json`, `http`): answers must be about one of them. */
  domains: string[];
  /** Kinds the question names (`error class with issues` → class): preferred, not required. */
  wantedKinds: ObjectKind[];
  /** `convert promise to observable`: the direction asked for, or null. */
  conversion: { from: string; to: string } | null;
  /** The name as typed (last segment of a dotted query), for a case-exact bonus. */
  name: string;
  /** A dotted query (`json.decoder.JSONDecoder`) lowercased, matched as a qualified-name suffix; '' otherwise. */
  qualifier: string;
  /** Which objects the text ranker scores (see `parseQuery`). Null when the query has no searchable words. */
  tsquery: string | null;
  /** Objects matching every word of the query (a subset of `tsquery`), scored first; null when the same. */
  strictTsquery: string | null;
  /**
   * Per query word, per term in it, a tsquery for each weight (A, B, C, D) matching the term (or
   * its abbreviations) only there: how the text ranker scores where a term matched.
   */
  termQueries: Array<Array<Record<Weight, string>>>;
  /**
   * Names the query's words could spell besides the whole key: each word, and
   * adjacent words joined in either order (`parse url` → urlparse). For queries
   * that give a name plus context (`asyncio gather`, `ZipFile extractall`).
   */
  partKeys: PartKey[];
  terms: string[];
  kinds: ObjectKind[] | null;
  language: Language | null;
  /** A LIKE pattern over file paths, or null. */
  pathPattern: string | null;
  limit: number;
}

function invalid(message: string, details: Record<string, unknown> = {}): never {
  throw new AgentlaneError('KG_INVALID_ARGUMENT', message, { details });
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** `src/` → `src/%`; `**\/*.test.ts` → `%/%.test.ts`. */
export function pathPattern(path: string): string {
  const trimmed = path.trim().replace(/^\.\//, '');
  if (trimmed.length === 0) invalid('path must not be empty');
  if (!/[*?]/.test(trimmed)) return `${escapeLike(trimmed)}%`;
  return escapeLike(trimmed).replace(/\*\*\/|\*|\?/g, (glob) => (glob === '?' ? '_' : '%'));
}

/** A word as identifiers may spell it: itself, its American spelling and its usual abbreviations. */
function spellings(word: string): string[] {
  return [...new Set([word, americanSpelling(word), ...abbreviationsOf(stem(word))])];
}

/** Letters of a long stem that its derived forms share (`transcrib`e, `transcript`ion): matched as a prefix. */
const ROOT_LETTERS = 7;

/**
 * A term, its American spelling or any of its abbreviations, restricted to `weights` if
 * given; `prefix` matches longer words too. A long term also matches words sharing its
 * first letters, which Porter stems apart (`transcribe` and `transcription`).
 */
function anyLexeme(term: string, weights = '', prefix = false, roots = true): string {
  const lexemes = [...new Set([term, americanSpelling(term), ...abbreviationsOf(term)])].map((l) => tsqueryTerm(l, prefix && l.length >= 4, weights));
  if (roots && term.length > ROOT_LETTERS && !prefix) lexemes.push(tsqueryTerm(term.slice(0, ROOT_LETTERS), true, weights));
  return lexemes.join(' | ');
}

/** A tsquery matching any of these words (stemmed, as prefixes, with abbreviations). */
function anyOf(words: readonly string[]): string | null {
  const lexemes = new Set<string>();
  for (const word of words) {
    if (STOPWORDS.has(word)) continue;
    const stemmed = stem(word);
    lexemes.add(stemmed);
    lexemes.add(americanSpelling(stemmed));
    for (const short of abbreviationsOf(stemmed)) lexemes.add(short);
  }
  return lexemes.size === 0 ? null : [...lexemes].map((t) => tsqueryTerm(t)).join(' | ');
}

const MAX_PART_KEYS = 64;

export interface PartKey {
  key: string;
  /** How many of the query's words the key spells. */
  words: number;
  /** The query's other words, which must match around an object with this name; null when the name uses them all. */
  context: string | null;
}

function partKeys(words: readonly string[], key: string): PartKey[] {
  if (words.length < 2) return [];
  const out = new Map<string, PartKey>();
  const add = (candidate: string, used: readonly number[]) => {
    if (candidate.length < 3 || candidate === key || out.has(candidate) || out.size >= MAX_PART_KEYS) return;
    const rest = words.filter((_, i) => !used.includes(i));
    const context = anyOf(rest);
    out.set(candidate, { key: candidate, words: used.length, context });
  };
  words.forEach((word, i) => {
    for (const spelling of spellings(word)) add(spelling, [i]);
  });
  // Two words in either order (`parse url` → urlparse, `copy file tree` → copytree), then three in order.
  words.forEach((a, i) => {
    words.forEach((b, j) => {
      if (i === j) return;
      for (const x of spellings(a)) for (const y of spellings(b)) add(x + y, [i, j]);
    });
  });
  for (let i = 0; i + 2 < words.length; i += 1) add(words.slice(i, i + 3).join(''), [i, i + 1, i + 2]);
  return [...out.values()];
}

/**
 * Names a conversion the query asks for may have: `fromPromise`, `promiseToObservable`
 * (`convert promise to observable`), each spelling the two words.
 */
/** The k-element subsets of `items`, in order. */
function combinations<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  if (items.length < k) return [];
  const [head, ...rest] = items as [T, ...T[]];
  return [...combinations(rest, k - 1).map((c) => [head, ...c]), ...combinations(rest, k)];
}

function conversionKeys(keys: PartKey[], asked: { from: string; to: string } | null, words: readonly string[]): PartKey[] {
  if (!asked) return keys;
  const rest = anyOf(words.filter((w) => w !== asked.from && w !== asked.to));
  const extra = [`from${asked.from}`, `${asked.from}to${asked.to}`, `${asked.from}2${asked.to}`]
    .filter((k) => !keys.some((p) => p.key === k))
    .map((k) => ({ key: k, words: 2, context: rest }));
  return [...keys, ...extra].slice(0, MAX_PART_KEYS);
}

export function parseQuery(query: unknown, options: SearchOptions = {}): ParsedQuery {
  if (typeof query !== 'string') invalid('query must be a string');
  // Control characters (NUL above all, which PostgreSQL text cannot hold) separate words like spaces.
  // eslint-disable-next-line no-control-regex
  const text = query.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (text.length === 0) invalid('query must not be empty');
  if (text.length > MAX_QUERY_LENGTH) invalid(`query is longer than ${MAX_QUERY_LENGTH} characters`, { length: text.length });

  const limit = options.limit ?? DEFAULT_SEARCH_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) invalid(`limit must be an integer from 1 to ${MAX_SEARCH_LIMIT}`, { limit });

  const kinds = options.kind === undefined ? null : Array.isArray(options.kind) ? [...(options.kind as ObjectKind[])] : [options.kind as ObjectKind];
  for (const kind of kinds ?? []) if (!OBJECT_KINDS.includes(kind)) invalid(`Unknown object kind: ${JSON.stringify(kind)}`, { kind, allowed: OBJECT_KINDS });
  let language: Language | null = null;
  if (options.language !== undefined) {
    language = LANGUAGE_ALIASES[String(options.language).toLowerCase()] ?? invalid(`Unknown language: ${JSON.stringify(options.language)}`, { allowed: ['ts', 'py'] });
  }

  // `a.b.C`, `A::b`, `A#b`: a qualified name; the last segment is the name.
  const identifier = !/\s/.test(text);
  const dotted = identifier && /[.#:]/.test(text.replace(/^[.#:]+|[.#:]+$/g, ''));
  const segments = text.split(/[.#:]+/).filter((s) => s.length > 0);
  // A question matches by the words that say what it is about: `where is the retry logic` → `retry`.
  const typed = expandPhrases(text).split(/\s+/);
  // Kind words stay words too: objects carry their kind among their lexemes.
  const wantedKinds = identifier ? [] : kindWords(typed);
  const content = contentWords(typed, STOPWORDS);
  const subject = content.join(' ');
  const name = dotted ? (segments[segments.length - 1] ?? text) : subject;
  const key = nameKey(name);
  const words = splitWords(subject).slice(0, MAX_WORDS);
  // A short query's intent words may be names (`which executable` → shutil.which): they may still spell one.
  const nameWords = typed.length <= 2 ? splitWords(text).slice(0, MAX_WORDS) : words;
  const queryTerms = [...new Set(terms(subject))];
  const fallback = queryTerms.length > 0 ? queryTerms : [...new Set(words.map(stem))];
  // Scored per word as typed: `SequenceMatcher ratio` is two words, not three terms,
  // so a class named by the first word does not outscore its method named by the second.
  const wordTerms: string[][] = [];
  for (const word of content.slice(0, MAX_WORDS)) {
    const pieces = [...new Set(terms(word))];
    // A word said twice (`JSON schema from a zod schema`) is one word to match.
    if (pieces.length > 0 && !wordTerms.some((w) => w.join(' ') === pieces.join(' '))) wordTerms.push(pieces);
  }
  if (wordTerms.length === 0 && fallback.length > 0) wordTerms.push(fallback);
  // The last word may be unfinished (typed as you go): it matches as a prefix. Others
  // match whole: prefixes of every word would make the index scan most of the graph.
  const lastWord = wordTerms.length - 1;
  // A stem that is not the word typed (`retry` → retri) is a whole word, not the start of one.
  const asTyped = new Set(splitWords(subject).filter((w) => stem(w) === w));
  // A domain word matches the names built on it too (`json` → `JSONLDecoder`).
  const isPrefix = (w: number, p: number) =>
    DOMAIN_WORDS.has((wordTerms[w] as string[])[p] as string) ||
    (w === lastWord && p === (wordTerms[w] as string[]).length - 1 && asTyped.has((wordTerms[w] as string[])[p] as string));
  const termQueries = wordTerms.map((pieces, w) =>
    pieces.map((term, p) => {
      const at = (weight: Weight) => anyLexeme(term, weight, isPrefix(w, p));
      return { A: at('A'), B: at('B'), C: at('C'), D: at('D') };
    }),
  );
  // What the text ranker considers: objects matching every word but at most one
  // (all of them for one or two words), or the whole query as one name. A lone word
  // must match a name, container, path or signature, not just some doc. A domain word
  // (`JSON`) must match: code about XML does not answer a question about JSON.
  const domains = identifier ? [] : domainWords(content);
  const domainClause = domains.length === 0 ? null : domains.map((d) => tsqueryTerm(d, true)).join(' | ');
  const wordQuery = (w: number, weights = '') =>
    // Shared roots score a match but do not widen the index scan (prefix scans are its slowest part).
    (wordTerms[w] as string[]).map((t, p) => `(${anyLexeme(t, weights, isPrefix(w, p), false)})`).join(' & ');
  const indexes = wordTerms.map((_, i) => i);
  let match: string | null = null;
  let strict: string | null = null;
  if (wordTerms.length === 1) match = wordQuery(0, 'ABC');
  else if (wordTerms.length === 2) match = indexes.map((w) => wordQuery(w)).join(' & ');
  else if (wordTerms.length > 2) {
    // A long question rarely has every word in its answer: all but one of up to four words, all but two of more.
    const need = wordTerms.length - (wordTerms.length >= 5 ? 2 : 1);
    match = combinations(indexes, need)
      .map((combination) => `(${combination.map((w) => `(${wordQuery(w)})`).join(' & ')})`)
      .join(' | ');
    strict = indexes.map((w) => `(${wordQuery(w)})`).join(' & ');
  }
  if (match !== null && domainClause !== null) {
    match = `(${match}) & (${domainClause})`;
    if (strict !== null) strict = `(${strict}) & (${domainClause})`;
  }
  if (match !== null && key.length > 0) match = `${match} | ${tsqueryTerm(key)}`;
  return {
    text,
    key,
    keys: [...new Set([key, americanSpelling(key)])].filter((k) => k.length > 0),
    identifier,
    domains,
    wantedKinds,
    conversion: identifier ? null : conversion(typed),
    name,
    qualifier: dotted ? segments.join('.').toLowerCase() : '',
    tsquery: match,
    strictTsquery: strict,
    termQueries,
    partKeys: conversionKeys(partKeys(nameWords, key), identifier ? null : conversion(typed), words),
    terms: fallback,
    kinds,
    language,
    pathPattern: options.path === undefined ? null : pathPattern(options.path),
    limit,
  };
}
