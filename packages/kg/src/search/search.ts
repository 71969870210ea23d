import type { Sql } from '@agentlane/store';
import type { Language, ObjectKind } from '../extract/types.js';
import { assertIndexed } from '../query/stats.js';
import { parseQuery, type ParsedQuery, type SearchOptions } from './query.js';
import { nameKey, splitWords } from './tokens.js';
import { typoSimilarity } from './typos.js';

/**
 * Hybrid code search over CBO objects. Each ranker proposes its best candidates
 * (three SQL statements that run concurrently), and reciprocal rank fusion
 * combines them:
 *
 *   score(o) = Σ_r  w_r / (K + rank_r(o))
 *
 * over the rankers that found `o` (K = 60, as in Cormack et al.), plus the graph
 * prior as one more ranking of the candidates by PageRank. Weights say how much a
 * ranker's first place is worth: an exact name is the strongest evidence, text
 * relevance next, then a prefix or a near-miss spelling, then centrality.
 * Every hit says which rankers found it and where.
 */

export type RankerName = 'exact' | 'name' | 'prefix' | 'fuzzy' | 'text' | 'graph';

export const RANKER_WEIGHTS: Readonly<Record<RankerName, number>> = {
  exact: 4,
  name: 3,
  text: 2,
  prefix: 1,
  fuzzy: 1.5,
  graph: 0.5,
};

export const RRF_K = 10;
/** Score factor for objects in test code, unless the query asks for tests. */
export const TEST_CODE_FACTOR = 0.5;
/**
 * Score factors by kind for questions (queries of several words): someone asking
 * how to do something wants the function, method or class that does it more than
 * a property, a type or the file around it. A name typed as one word gets what it names.
 */
export const QUESTION_KIND_FACTORS: Readonly<Partial<Record<ObjectKind, number>>> = {
  interface: 0.8,
  type: 0.8,
  enum: 0.8,
  variable: 0.8,
  property: 0.6,
  module: 0.6,
  external_module: 0.4,
};
/** Score factor for an answer about another format or protocol than the one the query names. */
export const OTHER_DOMAIN_FACTOR = 0.3;
/** Score factor for a conversion the opposite way (`toPromise` for `convert promise to observable`), and for one the right way. */
export const OPPOSITE_CONVERSION_FACTOR = 0.3;
export const CONVERSION_FACTOR = 1.5;
/** Score factor for an object of a kind the question names (`error class with issues`). */
export const WANTED_KIND_FACTOR = 1.5;
/**
 * Score factors for what is there but not meant to be used: private names (`_x`,
 * `#x`, unless the query asks for one), deprecated objects (a doc starting
 * `@deprecated`), and code under beta, experimental, legacy, compat or vendored paths.
 */
export const PRIVATE_FACTOR = 0.75;
export const DEPRECATED_FACTOR = 0.8;
export const UNSTABLE_PATH_FACTOR = 0.85;
const UNSTABLE_PATH = /(^|\/)(beta|experimental|legacy|compat|deprecated|_?vendor(ed)?)\//;
/** Text score bonus for matching every word of the query. */
const FULL_MATCH_BONUS = 0.5;
/** Score factor for a module when a definition in it has its name (`retry.ts` and `retry`): the definition answers. */
export const NAMESAKE_MODULE_FACTOR = 0.5;
const TEST_PATH = /(^|\/)(tests?|__tests__|__mocks__|__fixtures__|fixtures|testing|spec|benchmarks?)\/|(^|\/)conftest\.py$|(^|\/)test_[^/]*\.py$|_test\.py$|\.(test|spec)\.[cm]?[jt]sx?$/;
/** Candidates each ranker proposes. */
const CANDIDATES = 50;
/**
 * Objects the text ranker scores at most. A query of common words matches thousands;
 * scoring them all is the tail of search latency, and the other rankers cover names.
 */
const TEXT_MATCHES = 2_000;

export interface SearchReason {
  ranker: RankerName;
  /** 1-based position in that ranker's list. */
  rank: number;
  detail: string;
}

export interface SearchHit {
  id: string;
  kind: ObjectKind;
  name: string;
  qualifiedName: string;
  language: Language;
  filePath: string | null;
  startLine: number | null;
  endLine: number | null;
  signature: string;
  /** The doc comment's first line, if any. */
  summary: string | null;
  score: number;
  /**
   * Present when this hit stands for several declarations of one name in one file
   * (overloads): how many. The hit is the best-ranked of them.
   */
  overloads?: number;
  reasons: SearchReason[];
}

export interface SearchResult {
  query: string;
  hits: SearchHit[];
}

interface CandidateRow {
  ranker: Exclude<RankerName, 'graph'>;
  pos: number;
  value: number | null;
  id: string;
  kind: ObjectKind;
  name: string;
  qualified_name: string;
  language: Language;
  file_path: string | null;
  start_line: number | null;
  end_line: number | null;
  signature: string;
  summary: string | null;
  prior: number;
  /** Set on fuzzy rows that are misspellings of the query: how close (see `typoSimilarity`). */
  typo?: number;
}

class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }
}

function filterSql(q: ParsedQuery, params: Params): string {
  const parts: string[] = [];
  if (q.kinds) parts.push(`o.kind = ANY(${params.add(q.kinds, '::text[]')})`);
  if (q.language) parts.push(`o.language = ${params.add(q.language)}`);
  if (q.pathPattern) parts.push(`o.file_path LIKE ${params.add(q.pathPattern)}`);
  return parts.map((p) => ` AND ${p}`).join('');
}

interface Statement {
  text: string;
  values: unknown[];
}

/**
 * One candidate statement: CTEs of rankers, their hits joined to the objects and
 * their ranks. `build` adds the CTEs and names the ranker CTEs to read hits from.
 */
function candidateStatement(q: ParsedQuery, build: (params: Params, filters: string, ctes: string[]) => RankerName[]): Statement | null {
  const params = new Params();
  const filters = filterSql(q, params);
  const ctes: string[] = [];
  const rankers = build(params, filters, ctes);
  if (rankers.length === 0) return null;
  const hits = rankers.map((ranker) => `SELECT '${ranker}' AS ranker, id, pos, value FROM ${ranker}`).join(' UNION ALL ');
  const text = `WITH ${ctes.join(',\n')},
    hits AS (${hits})
    SELECT h.ranker, h.pos::int AS pos, h.value, o.id, o.kind, o.name, o.qualified_name, o.language, o.file_path,
           o.start_line, o.end_line, o.signature, substring(split_part(coalesce(o.doc, ''), E'\\n', 1) for 200) AS summary,
           coalesce(r.rank, 1)::real AS prior
      FROM hits h JOIN kg.objects o ON o.id = h.id LEFT JOIN kg.object_ranks r ON r.id = h.id`;
  return { text, values: params.values };
}

/** Rankers of the name as typed: exact, prefix and, when no name matches exactly, fuzzy. */
function nameStatement(q: ParsedQuery): Statement | null {
  if (q.key.length === 0) return null;
  return candidateStatement(q, (params, filters, ctes) => {
    const keys = params.add(q.keys, '::text[]');
    const name = params.add(q.name);
    const qualifier = params.add(q.qualifier);
    ctes.push(`exact AS (
      SELECT o.id, row_number() OVER (ORDER BY (o.name = ${name}) DESC,
               (${qualifier} <> '' AND (lower(o.qualified_name) = ${qualifier} OR lower(o.qualified_name) LIKE '%.' || ${qualifier})) DESC,
               coalesce(r.rank, 1) DESC, o.qualified_name) AS pos, NULL::real AS value
        FROM kg.objects o LEFT JOIN kg.object_ranks r ON r.id = o.id
       WHERE o.name_key = ANY(${keys})${filters}
       ORDER BY pos LIMIT ${CANDIDATES})`);
    const rankers: RankerName[] = ['exact'];
    // Short keys take no part beyond the exact ranker (an unused parameter has no type to infer).
    const key = q.key.length >= 4 ? params.add(q.key) : '';
    if (q.key.length >= 4) {
      const like = params.add(`${q.key.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
      ctes.push(`prefix AS (
        SELECT o.id, row_number() OVER (ORDER BY length(o.name_key), coalesce(r.rank, 1) DESC, o.qualified_name) AS pos, NULL::real AS value
          FROM kg.objects o LEFT JOIN kg.object_ranks r ON r.id = o.id
         WHERE o.name_key LIKE ${like} AND o.name_key <> ${key}${filters}
         ORDER BY pos LIMIT ${CANDIDATES})`);
      rankers.push('prefix');
    }
    // Typos are made in identifiers: a query of several words is not one misspelled name,
    // and a name that exists is not a misspelling (nor worth a trigram scan, the slowest ranker).
    if (q.key.length >= 4 && q.identifier) {
      ctes.push(`fuzzy AS (
        SELECT id, row_number() OVER (ORDER BY value DESC, id) AS pos, value FROM (
          SELECT o.id, similarity(o.name_key, ${key})::real AS value
            FROM kg.objects o
           WHERE o.name_key % ${key} AND o.name_key <> ${key}${filters}
             AND NOT EXISTS (SELECT 1 FROM exact)
           ORDER BY value DESC LIMIT ${CANDIDATES}) f)`);
      rankers.push('fuzzy');
    }
    return rankers;
  });
}

/**
 * Names spelled by some of the query's words (`parse url` → `urlparse`), valued by
 * the words the name spells plus how well the other words match around it
 * (container and path count, the doc barely: a module's doc lists everything in it).
 */
function partNameStatement(q: ParsedQuery): Statement | null {
  // One identifier is one name: `ZodStrng` is not a question about `zod`.
  if (!q.tsquery || q.partKeys.length === 0 || q.identifier) return null;
  return candidateStatement(q, (params, filters, ctes) => {
    ctes.push(`name AS (
      SELECT id, row_number() OVER (ORDER BY value DESC, id) AS pos, value FROM (
        SELECT DISTINCT ON (o.id) o.id,
               (k.words + CASE WHEN k.context IS NULL THEN 0 ELSE ts_rank('{0.02, 0.3, 0.5, 0.5}', o.search_tsv, k.context::tsquery, 0) END)::real AS value
          FROM unnest(${params.add(q.partKeys.map((p) => p.key), '::text[]')}, ${params.add(q.partKeys.map((p) => p.words), '::int[]')},
                      ${params.add(q.partKeys.map((p) => p.context), '::text[]')}) AS k(key, words, context)
          JOIN kg.objects o ON o.name_key = k.key
         WHERE o.name_key = ANY(${params.add(q.partKeys.map((p) => p.key), '::text[]')})${filters}
         ORDER BY o.id, value DESC) n ORDER BY value DESC LIMIT ${CANDIDATES})`);
    return ['name'];
  });
}

/**
 * Coordination text match. Each query word scores by the strongest place it matched
 * (a camelCase word: the mean over its parts): name 1, container 0.6, path or
 * signature 0.4, doc 0.3; the whole query as one name adds 1. Objects matching more
 * of the query rank higher, and in stronger places higher still: a word matched only
 * in a doc comment counts nearly as much as one in a path, so the description of a
 * behaviour finds the function that documents it.
 */
export const PLACE_SCORES = { A: 1, B: 0.6, C: 0.4, D: 0.3 } as const;
function textStatement(q: ParsedQuery): Statement | null {
  if (!q.tsquery) return null;
  const tsqueryText = q.tsquery;
  return candidateStatement(q, (params, filters, ctes) => {
    const tsquery = params.add(tsqueryText, '::tsquery');
    const scores = q.termQueries.map((word) => {
      const pieces = word.map(
        (t) =>
          `CASE WHEN o.search_tsv @@ ${params.add(t.A, '::tsquery')} THEN ${PLACE_SCORES.A} WHEN o.search_tsv @@ ${params.add(t.B, '::tsquery')} THEN ${PLACE_SCORES.B}
                WHEN o.search_tsv @@ ${params.add(t.C, '::tsquery')} THEN ${PLACE_SCORES.C} WHEN o.search_tsv @@ ${params.add(t.D, '::tsquery')} THEN ${PLACE_SCORES.D} ELSE 0 END`,
      );
      return pieces.length === 1 ? (pieces[0] as string) : `(${pieces.join(' + ')}) / ${pieces.length}.0`;
    });
    if (q.key.length > 0) scores.push(`CASE WHEN o.name_key = ${params.add(q.key)} THEN 1 ELSE 0 END`);
    // Objects matching every word are scored first, so common words cannot crowd them out of the scan.
    // They also score a bonus: of two objects matching as strongly, the one matching more of the query is the answer.
    const matches = q.strictTsquery
      ? `(SELECT o.id, o.search_tsv, o.name_key, ${FULL_MATCH_BONUS} AS bonus FROM kg.objects o
           WHERE o.search_tsv @@ ${params.add(q.strictTsquery, '::tsquery')}${filters} LIMIT ${TEXT_MATCHES})
         UNION ALL
         (SELECT o.id, o.search_tsv, o.name_key, 0 AS bonus FROM kg.objects o
           WHERE o.search_tsv @@ ${tsquery} AND NOT (o.search_tsv @@ ${params.add(q.strictTsquery, '::tsquery')})${filters} LIMIT ${TEXT_MATCHES})`
      : `SELECT o.id, o.search_tsv, o.name_key, 0 AS bonus FROM kg.objects o
          WHERE o.search_tsv @@ ${tsquery}${filters} LIMIT ${TEXT_MATCHES}`;
    ctes.push(`text AS (
      SELECT id, row_number() OVER (ORDER BY value DESC, id) AS pos, value FROM (
        SELECT o.id, (o.bonus + ${scores.length > 0 ? scores.join(' + ') : '0'})::real AS value, length(o.name_key) AS len
          FROM (${matches}) o
         ORDER BY value DESC, len LIMIT ${CANDIDATES}) t)`);
    return ['text'];
  });
}

/**
 * The candidate statements. The rankers are independent, so they are separate
 * statements that run at the same time on a connection pool (PostgreSQL): search
 * takes as long as its slowest ranker, not their sum. PGlite runs them in turn.
 */
function candidateStatements(q: ParsedQuery): Statement[] {
  return [nameStatement(q), partNameStatement(q), textStatement(q)].filter((s): s is Statement => s !== null);
}

function describe(ranker: RankerName, value: number | null, q: ParsedQuery, row: CandidateRow): string {
  switch (ranker) {
    case 'exact':
      return row.name === q.name ? 'name matches exactly' : `name matches ${JSON.stringify(q.name)} ignoring case and separators`;
    case 'name':
      return `name is spelled by ${Math.floor(value ?? 0)} of the query's words; the rest match around it (${((value ?? 0) % 1).toFixed(3)})`;
    case 'prefix':
      return `name starts with ${JSON.stringify(q.name)}`;
    case 'fuzzy':
      return row.typo !== undefined
        ? `name is ${JSON.stringify(q.name)} misspelled (word-by-word similarity ${row.typo.toFixed(2)})`
        : `name is similar (trigram similarity ${(value ?? 0).toFixed(2)})`;
    case 'text':
      return `text match ${(value ?? 0).toFixed(1)} (each query word: ${PLACE_SCORES.A} in the name, ${PLACE_SCORES.B} container, ${PLACE_SCORES.C} path or signature, ${PLACE_SCORES.D} doc)`;
    case 'graph':
      return `PageRank ${row.prior.toFixed(1)}× the average object`;
  }
}

/**
 * Fuzzy candidates re-ranked as misspellings: a name within a few edits of the query,
 * word by word (`ZodStrng` → `ZodString`), is nearly as good as the name typed right
 * and ranks by how close; a name that merely shares trigrams keeps its similarity.
 */
function rerankTypos(rows: CandidateRow[], q: ParsedQuery): void {
  const fuzzy = rows.filter((r) => r.ranker === 'fuzzy');
  const typo = new Map(fuzzy.map((r) => [r, typoSimilarity(q.name, r.name)]));
  fuzzy.sort((a, b) => (typo.get(b) as number) - (typo.get(a) as number) || (b.value ?? 0) - (a.value ?? 0) || a.id.localeCompare(b.id));
  fuzzy.forEach((row, i) => {
    row.pos = i + 1;
    const similarity = typo.get(row) as number;
    if (similarity > 0) {
      row.typo = similarity;
      row.value = similarity;
    }
  });
}

function weightOf(row: CandidateRow, q: ParsedQuery): number {
  // A name spelling one word of a long question is weak evidence (`last` for `replay the last values to late subscribers`).
  if (row.ranker === 'name') return RANKER_WEIGHTS.name * Math.min(1, (Math.floor(row.value ?? 0) + 1) / (q.termQueries.length + 1));
  if (row.ranker !== 'fuzzy') return RANKER_WEIGHTS[row.ranker];
  // A misspelling counts nearly as an exact name; a merely similar name by its similarity.
  return row.typo !== undefined ? RANKER_WEIGHTS.exact * row.typo : RANKER_WEIGHTS.fuzzy * (row.value ?? 0);
}

/** Whether a candidate is about one of these formats or protocols (by name, path, signature or summary). */
function mentionsDomain(row: CandidateRow, domains: readonly string[]): boolean {
  const words = splitWords(`${row.qualified_name} ${row.file_path ?? ''} ${row.signature} ${row.summary ?? ''}`);
  return words.some((w) => domains.some((d) => w.startsWith(d)));
}

/** 1 when a name says nothing of the conversion asked for, else the factor for its direction. */
function conversionFactor(row: CandidateRow, asked: { from: string; to: string }): number {
  const key = nameKey(row.name);
  if (key.startsWith(`to${asked.from}`) || key.startsWith(`from${asked.to}`) || key.includes(`${asked.to}to${asked.from}`)) return OPPOSITE_CONVERSION_FACTOR;
  if (key.startsWith(`to${asked.to}`) || key.startsWith(`from${asked.from}`) || key.includes(`${asked.from}to${asked.to}`)) return CONVERSION_FACTOR;
  return 1;
}

interface Scored {
  row: CandidateRow;
  score: number;
  reasons: SearchReason[];
  overloads: number;
}

/** The general rules that adjust a fused score: test code, kinds for questions, domains, conversions, namesake modules. */
function adjust(entries: Scored[], q: ParsedQuery): void {
  const wantsTests = /\btests?\b|\bspec\b/i.test(q.text);
  const definitions = new Set(entries.filter((e) => e.row.kind !== 'module').map((e) => `${e.row.file_path}\0${nameKey(e.row.name)}`));
  for (const entry of entries) {
    const { row } = entry;
    if (!wantsTests && row.file_path && TEST_PATH.test(row.file_path)) entry.score *= TEST_CODE_FACTOR;
    if (!q.identifier) entry.score *= QUESTION_KIND_FACTORS[row.kind] ?? 1;
    if (q.domains.length > 0 && !mentionsDomain(row, q.domains)) entry.score *= OTHER_DOMAIN_FACTOR;
    if (q.conversion) entry.score *= conversionFactor(row, q.conversion);
    if (q.wantedKinds.includes(row.kind)) entry.score *= WANTED_KIND_FACTOR;
    if (/^[_#]/.test(row.name) && !/^[_#]/.test(q.name)) entry.score *= PRIVATE_FACTOR;
    if (row.summary?.trimStart().startsWith('@deprecated')) entry.score *= DEPRECATED_FACTOR;
    if (row.file_path && UNSTABLE_PATH.test(row.file_path)) entry.score *= UNSTABLE_PATH_FACTOR;
    if (row.kind === 'module' && row.file_path) {
      const base = nameKey(row.file_path.replace(/^.*\//, '').replace(/\.[^.]+$/, ''));
      if (definitions.has(`${row.file_path}\0${base}`)) entry.score *= NAMESAKE_MODULE_FACTOR;
    }
  }
}

/** Declarations of one name in one file (overloads) as one hit: the best-scored, with their count. */
function groupOverloads(entries: Scored[]): Scored[] {
  const groups = new Map<string, Scored>();
  for (const entry of entries) {
    const key = entry.row.file_path === null ? entry.row.id : `${entry.row.kind === 'module' ? 'm' : 'd'}\0${entry.row.file_path}\0${entry.row.qualified_name}`;
    const group = groups.get(key);
    if (!group) groups.set(key, entry);
    else {
      const count = group.overloads + entry.overloads;
      const best = entry.score > group.score || (entry.score === group.score && entry.row.id < group.row.id) ? entry : group;
      best.overloads = count;
      groups.set(key, best);
    }
  }
  return [...groups.values()];
}

/** Rank CBO objects for a query; see the module comment for how. */
export async function searchObjects(sql: Sql, query: unknown, options: SearchOptions = {}): Promise<SearchResult> {
  const q = parseQuery(query, options);
  const results = await Promise.all(candidateStatements(q).map((statement) => sql.query<CandidateRow>(statement.text, statement.values)));
  const rows = results.flatMap((result) => result.rows);
  rerankTypos(rows, q);
  const byId = new Map<string, Scored>();
  for (const row of rows) {
    const entry = byId.get(row.id) ?? { row, score: 0, reasons: [], overloads: 1 };
    entry.score += weightOf(row, q) / (RRF_K + row.pos);
    entry.reasons.push({ ranker: row.ranker, rank: row.pos, detail: describe(row.ranker, row.value, q, row) });
    byId.set(row.id, entry);
  }
  // The graph prior ranks the candidates by PageRank; objects of average rank or less get nothing from it.
  const central = [...byId.values()].filter((e) => e.row.prior > 1).sort((a, b) => b.row.prior - a.row.prior || a.row.id.localeCompare(b.row.id));
  central.forEach((entry, i) => {
    entry.score += RANKER_WEIGHTS.graph / (RRF_K + i + 1);
    entry.reasons.push({ ranker: 'graph', rank: i + 1, detail: describe('graph', null, q, entry.row) });
  });
  const entries = [...byId.values()];
  adjust(entries, q);
  const ranked = groupOverloads(entries)
    .sort((a, b) => b.score - a.score || a.row.qualified_name.localeCompare(b.row.qualified_name))
    .slice(0, q.limit);
  if (ranked.length === 0) await assertIndexed(sql);
  return {
    query: q.text,
    hits: ranked.map(({ row, score, reasons, overloads }) => ({
      id: row.id,
      kind: row.kind,
      name: row.name,
      qualifiedName: row.qualified_name,
      language: row.language,
      filePath: row.file_path,
      startLine: row.start_line,
      endLine: row.end_line,
      signature: row.signature,
      summary: row.summary ? row.summary : null,
      score: Number(score.toFixed(6)),
      ...(overloads > 1 ? { overloads } : {}),
      reasons: reasons.sort((a, b) => RANKER_WEIGHTS[b.ranker] / (RRF_K + b.rank) - RANKER_WEIGHTS[a.ranker] / (RRF_K + a.rank)),
    })),
  };
}
