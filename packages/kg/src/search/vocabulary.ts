import type { ObjectKind } from '../extract/types.js';

/**
 * What search knows about the words of a question, beyond the tokenizer:
 * - intent and filler words (`where is`, `how do I`, `the … logic`) say what kind of
 *   answer is wanted, not what it is about: they take no part in matching;
 * - domain words name a format or protocol (`JSON`, `XML`, `HTTP`, `SQL`): a query
 *   that names one is not answered by code about another;
 * - British spellings have American twins, which is how most code spells them.
 */

/** Words of a question that do not say what it is about (on top of the tokenizer's stopwords). */
export const INTENT_WORDS: ReadonlySet<string> = new Set(
  (
    'where how what which who whom whose why when find finds locate tell give me my our your you we i ' +
    'is are was were be been do does did can could should would will shall may might must ' +
    'the a an this that these those there here any some thing things something anything ' +
    'logic code implementation implemented defined definition handled happens done way ' +
    'want need use using used to of for in on at by with from into onto about over via if ' +
    'please'
  ).split(/\s+/),
);

/**
 * Intent words that are also common in names: they are dropped from a question
 * only; a query of names (`get`, `find`, `use`) keeps them.
 */
const NAME_LIKE = new Set(['find', 'use', 'from', 'to', 'for', 'with', 'using', 'where', 'what', 'which', 'when']);

/** Formats and protocols: a query term naming one must not be satisfied by another. */
export const DOMAIN_WORDS: ReadonlySet<string> = new Set(
  (
    'json jsonl ndjson xml html xhtml http https sql sqlite csv tsv yaml yml toml ini url uri urls smtp ftp imap pop3 ' +
    'ssl tls ssh tcp udp dns ipv4 ipv6 gzip bz2 lzma zlib tar base64 base32 utf8 utf16 ascii regex websocket grpc ' +
    'graphql protobuf msgpack cbor jwt oauth mime pickle marshal markdown pdf png jpeg svg wav sse'
  ).split(/\s+/),
);

/** Phrases code spells as one abbreviation. */
const PHRASES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bserver[- ]sent[- ]events?\b/gi, 'sse'],
  [/\bjson[- ]web[- ]tokens?\b/gi, 'jwt'],
  [/\bregular[- ]expressions?\b/gi, 'regex'],
  [/\bweb[- ]sockets?\b/gi, 'websocket'],
  [/\bjson[- ]lines\b/gi, 'jsonl'],
  [/\bcommand[- ]line\b/gi, 'cli'],
  [/\babstract[- ]syntax[- ]trees?\b/gi, 'ast'],
];

/** A question with multi-word terms written as code abbreviates them (`server sent events` → `sse`). */
export function expandPhrases(text: string): string {
  let out = text;
  for (const [phrase, short] of PHRASES) out = out.replace(phrase, short);
  return out;
}

/** Words naming a kind of object: in a question (`error class with issues`) they say what kind of answer is wanted. */
const KIND_WORDS: Readonly<Record<string, ObjectKind>> = {
  class: 'class',
  classes: 'class',
  function: 'function',
  functions: 'function',
  method: 'method',
  methods: 'method',
  interface: 'interface',
  enum: 'enum',
  module: 'module',
};

/** The kinds a question names, if it has other words too (`error class with issues` → class). */
export function kindWords(words: readonly string[]): ObjectKind[] {
  const kinds = [...new Set(words.map((w) => KIND_WORDS[w.toLowerCase()]).filter((k): k is ObjectKind => k !== undefined))];
  return kinds.length < words.length ? kinds : [];
}

const BRITISH: ReadonlyArray<readonly [string, string]> = [
  ['behaviour', 'behavior'],
  ['colour', 'color'],
  ['favour', 'favor'],
  ['honour', 'honor'],
  ['labour', 'labor'],
  ['neighbour', 'neighbor'],
  ['flavour', 'flavor'],
  ['centre', 'center'],
  ['licence', 'license'],
  ['defence', 'defense'],
  ['catalogue', 'catalog'],
  ['dialogue', 'dialog'],
  ['analyse', 'analyze'],
  ['cancelled', 'canceled'],
  ['cancelling', 'canceling'],
  ['labelled', 'labeled'],
  ['labelling', 'labeling'],
  ['modelling', 'modeling'],
  ['travelled', 'traveled'],
  ['serialis', 'serializ'],
  ['deserialis', 'deserializ'],
  ['initialis', 'initializ'],
  ['normalis', 'normaliz'],
  ['optimis', 'optimiz'],
  ['customis', 'customiz'],
  ['recognis', 'recogniz'],
  ['organis', 'organiz'],
  ['finalis', 'finaliz'],
  ['authoris', 'authoriz'],
  ['synchronis', 'synchroniz'],
  ['sanitis', 'sanitiz'],
  ['tokenis', 'tokeniz'],
  ['materialis', 'materializ'],
  ['memois', 'memoiz'],
  ['summaris', 'summariz'],
  ['visualis', 'visualiz'],
];

/** A lowercase word or name key as American spelling writes it (`behavioursubject` → `behaviorsubject`); itself if already. */
export function americanSpelling(lower: string): string {
  let out = lower;
  for (const [british, american] of BRITISH) if (out.includes(british)) out = out.split(british).join(american);
  return out;
}

/**
 * The words of a question that say what it is about: intent words, filler and
 * stopwords dropped. A query of one word, or of nothing but such words, is kept
 * whole (`find`, `where` are names too).
 */
export function contentWords(words: readonly string[], stopwords: ReadonlySet<string>): string[] {
  if (words.length < 2) return [...words];
  const kept = words.filter((w) => {
    const lower = w.toLowerCase();
    return !(INTENT_WORDS.has(lower) || stopwords.has(lower));
  });
  if (kept.length > 0) return kept;
  const names = words.filter((w) => NAME_LIKE.has(w.toLowerCase()));
  return names.length > 0 ? names : [...words];
}

/** Domain words among these (lowercased) words. */
export function domainWords(words: readonly string[]): string[] {
  return [...new Set(words.map((w) => w.toLowerCase()).filter((w) => DOMAIN_WORDS.has(w)))];
}

/**
 * `convert promise to observable` → { from: 'promise', to: 'observable' }: a conversion's
 * direction, so `toPromise` (the opposite one) does not answer it.
 */
export function conversion(words: readonly string[]): { from: string; to: string } | null {
  const lower = words.map((w) => w.toLowerCase());
  const at = lower.indexOf('to');
  if (at < 1 || at + 1 >= lower.length) return null;
  const from = lower[at - 1] as string;
  const to = lower[at + 1] as string;
  if (INTENT_WORDS.has(from) || INTENT_WORDS.has(to) || !/^[a-z0-9]{3,}$/.test(from + to)) return null;
  if (!['convert', 'converts', 'conversion', 'turn', 'transform', 'cast', 'change', 'map', 'from'].some((v) => lower.includes(v)) && at !== 1) return null;
  return { from, to };
}
