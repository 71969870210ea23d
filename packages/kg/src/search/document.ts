import type { KgObject } from '../model.js';
import { nameKey, terms, tsvectorLiteral, type Weight } from './tokens.js';

/** Doc text beyond this many words adds noise, not recall. */
const DOC_WORDS = 60;

/**
 * What search matches an object by, computed once at index time (on the parse
 * workers, next to the object's row):
 * - `name_key`: the name lowercased without separators, for exact, prefix and
 *   trigram matching (`parse_file` and `parseFile` are both `parsefile`);
 * - `search_tsv`: weighted lexemes: A the name, B its container (class, module),
 *   C the file path, kind and signature, D the doc comment's first words.
 */
export interface SearchDocument {
  nameKey: string;
  tsvector: string;
}

function containerOf(object: KgObject): string {
  const { qualifiedName, name } = object;
  return qualifiedName.endsWith(name) ? qualifiedName.slice(0, qualifiedName.length - name.length) : qualifiedName;
}

/**
 * `terms` of the texts consecutive objects share (their file's path, their kind,
 * the class around a run of methods): the last few answers, reused. Terms are a
 * pure function of the text, so this only saves the work.
 */
const recentTerms = new Map<string, string[]>();
const RECENT_TERMS = 64;

function sharedTerms(text: string): string[] {
  let found = recentTerms.get(text);
  if (found === undefined) {
    found = terms(text);
    if (recentTerms.size >= RECENT_TERMS) recentTerms.clear();
    recentTerms.set(text, found);
  }
  return found;
}

export function searchDocument(object: KgObject): SearchDocument {
  const key = nameKey(object.name);
  const nameTerms = terms(object.name);
  // The joined form too, so `indexrepository` typed as one word still hits `indexRepository`.
  if (key.length > 0 && (nameTerms.length !== 1 || nameTerms[0] !== key)) nameTerms.push(key);
  const pathText = (object.filePath ?? '').replace(/\.[^./]+$/, '');
  const signature = object.signature.length > 400 ? object.signature.slice(0, 400) : object.signature;
  const doc = (object.doc ?? '').split(/\s+/, DOC_WORDS).join(' ');
  const sections: Array<readonly [Weight, string[]]> = [
    ['A', nameTerms],
    ['B', sharedTerms(containerOf(object))],
    ['C', [...sharedTerms(pathText), ...sharedTerms(object.kind), ...terms(signature)]],
    ['D', terms(doc)],
  ];
  return { nameKey: key, tsvector: tsvectorLiteral(sections) };
}
