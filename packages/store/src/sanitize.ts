/**
 * What PostgreSQL cannot hold, made storable once, at the storage boundary: every
 * parameter of every statement and every COPY line passes through here, on both
 * backends. PostgreSQL text and jsonb cannot hold U+0000 (`invalid byte sequence
 * for encoding "UTF8": 0x00`, `unsupported Unicode escape sequence`), and jsonb
 * rejects a lone UTF-16 surrogate escape (`\ud800` without its pair). Such values
 * come from agents, LLM answers and source files; one of them must never make a
 * write fail (and a queue or an event sync fail with it), so each becomes U+FFFD,
 * the replacement character, which stays visible in the stored value as the mark
 * that something was replaced.
 *
 * The check costs two `indexOf` calls per string when there is nothing to replace.
 * A JSON escape (`\u0000` as six characters) is rewritten only inside text that is a
 * JSON object or array (it is decoded and encoded again): in any other text those
 * six characters are ordinary characters (source code, a diff) and stay as they are.
 */

export const REPLACEMENT_CHARACTER = '\uFFFD';

const NUL = '\u0000';
/** A JSON escape PostgreSQL's jsonb refuses: NUL, or any surrogate (checked properly after decoding). */
const BAD_JSON_ESCAPE = /\\u(?:0000|d[89a-f][0-9a-f]{2})/i;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function cleanString(text: string): string {
  let out = text.includes(NUL) ? text.replaceAll(NUL, REPLACEMENT_CHARACTER) : text;
  LONE_SURROGATE.lastIndex = 0;
  if (LONE_SURROGATE.test(out)) out = out.replace(LONE_SURROGATE, REPLACEMENT_CHARACTER);
  LONE_SURROGATE.lastIndex = 0;
  return out;
}

/** Decoded JSON with every string (and key) cleaned; `changed` tells whether anything was. */
function cleanJson(value: unknown, state: { changed: boolean }): unknown {
  if (typeof value === 'string') {
    const clean = cleanString(value);
    if (clean !== value) state.changed = true;
    return clean;
  }
  if (Array.isArray(value)) return value.map((item) => cleanJson(item, state));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const cleanKey = cleanString(key);
      if (cleanKey !== key) state.changed = true;
      out[cleanKey] = cleanJson(item, state);
    }
    return out;
  }
  return value;
}

function looksLikeJsonContainer(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    return c === 0x7b /* { */ || c === 0x5b /* [ */;
  }
  return false;
}

/** U+0000 replaced, nothing else looked at (a whole COPY payload: its lines were built by `csvLine`). */
export function replaceNul(text: string): string {
  return text.includes(NUL) ? text.replaceAll(NUL, REPLACEMENT_CHARACTER) : text;
}

/** `text` as PostgreSQL can store it (as text, or as jsonb when it is JSON); the same string when nothing needed replacing. */
export function sanitizeText(text: string): string {
  const out = replaceNul(text);
  if (!out.includes('\\u') || !BAD_JSON_ESCAPE.test(out) || !looksLikeJsonContainer(out)) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(out);
  } catch {
    return out; // not JSON: the escape is six ordinary characters
  }
  const state = { changed: false };
  const clean = cleanJson(parsed, state);
  return state.changed ? JSON.stringify(clean) : out;
}

/** A statement parameter made storable: strings (also inside arrays, for `$n::text[]`) through `sanitizeText`. */
export function sanitizeParam(value: unknown): unknown {
  if (typeof value === 'string') return sanitizeText(value);
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i += 1) {
      const item: unknown = value[i];
      const clean = sanitizeParam(item);
      if (clean !== item) {
        copy ??= [...value];
        copy[i] = clean;
      }
    }
    return copy ?? value;
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    // The drivers send a plain object as its JSON text; send the sanitized text instead.
    const text = JSON.stringify(value);
    const clean = sanitizeText(text);
    return clean === text ? value : clean;
  }
  return value;
}

/** Every parameter of one statement; the same array when nothing changed (the common case costs no copy). */
export function sanitizeParams(params: readonly unknown[]): readonly unknown[] {
  return sanitizeParam(params) as readonly unknown[];
}
