import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nameKey, splitWords, terms } from '../src/index.js';
import { parseQuery, pathPattern } from '../src/search/query.js';
import { tsvectorLiteral } from '../src/search/tokens.js';

describe('search tokens', () => {
  it('splits identifiers at case, acronym, digit and separator boundaries', () => {
    expect(splitWords('HTTPServer2')).toEqual(['http', 'server', '2']);
    expect(splitWords('parse_file')).toEqual(['parse', 'file']);
    expect(splitWords('JSONDecoder.raw_decode')).toEqual(['json', 'decoder', 'raw', 'decode']);
    expect(splitWords('getXMLHttpRequest')).toEqual(['get', 'xml', 'http', 'request']);
  });

  it('gives spellings of one name one key', () => {
    for (const spelling of ['parse_file', 'parseFile', 'ParseFile', 'parse file', 'PARSE-FILE']) expect(nameKey(spelling)).toBe('parsefile');
  });

  it('stems words and drops stopwords', () => {
    expect(terms('retries the failed jobs')).toEqual(['retri', 'fail', 'job']);
    expect(terms('retryFailedJob')).toEqual(['retri', 'fail', 'job']);
  });

  it('the key of a name is its words joined, for any identifier', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,30}$/), (identifier) => {
        expect(splitWords(identifier).join('')).toBe(nameKey(identifier));
      }),
    );
  });

  it('writes each lexeme once, at its strongest weight, with positions in order', () => {
    expect(tsvectorLiteral([['A', ['pars', 'file']], ['C', ['file', 'src']], ['D', ["o'k"]]])).toBe("'pars':1A 'file':2A 'src':3C 'o''k':4");
  });
});

describe('search query parsing', () => {
  it('reads a dotted query as a qualified name', () => {
    const q = parseQuery('json.decoder.JSONDecoder');
    expect(q).toMatchObject({ key: 'jsondecoder', name: 'JSONDecoder', qualifier: 'json.decoder.jsondecoder' });
  });

  it('offers the names adjacent words spell, in either order', () => {
    const keys = parseQuery('parse url').partKeys.map((p) => p.key);
    expect(keys).toEqual(expect.arrayContaining(['parse', 'url', 'urlparse']));
    expect(parseQuery('urlparse').partKeys).toEqual([]);
  });

  it('expands words to the abbreviations code uses', () => {
    expect(parseQuery('read csv rows as dictionaries').tsquery).toContain("'dict'");
  });

  it('turns path prefixes and globs into LIKE patterns, escaping LIKE syntax', () => {
    expect(pathPattern('src/')).toBe('src/%');
    expect(pathPattern('**/*.test.ts')).toBe('%%.test.ts');
    expect(pathPattern('a_b%')).toBe('a\\_b\\%%');
  });

  it.each([
    ['', {}, /must not be empty/],
    ['   ', {}, /must not be empty/],
    ['x'.repeat(300), {}, /longer than 256/],
    ['x', { limit: 0 }, /limit must be an integer from 1 to 100/],
    ['x', { limit: 1000 }, /limit must be an integer from 1 to 100/],
    ['x', { limit: 1.5 }, /limit must be an integer/],
    ['x', { kind: 'widget' }, /Unknown object kind/],
    ['x', { language: 'rust' }, /Unknown language/],
    ['x', { path: ' ' }, /path must not be empty/],
  ] as const)('rejects %j %j with KG_INVALID_ARGUMENT', (query, options, message) => {
    expect(() => parseQuery(query, options as never)).toThrowError(message);
    try {
      parseQuery(query, options as never);
    } catch (error) {
      expect((error as { code: string }).code).toBe('KG_INVALID_ARGUMENT');
    }
  });

  it('never throws anything but KG_INVALID_ARGUMENT, for any input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.option(fc.integer({ min: -5, max: 200 })), (query, limit) => {
        try {
          parseQuery(query, limit === null ? {} : { limit });
        } catch (error) {
          expect((error as { code: string }).code).toBe('KG_INVALID_ARGUMENT');
        }
      }),
    );
  });
});

describe('search tokens of ASCII text', () => {
  // The patterns splitWords applies to any text; ASCII text is split without them.
  const byPattern = (text: string) =>
    (text.match(/[\p{L}\p{N}]+/gu) ?? []).flatMap((chunk) =>
      (chunk.match(/\p{Lu}+(?=\p{Lu}\p{Ll})|\p{Lu}?\p{Ll}+|\p{Lu}+|\p{N}+|[\p{L}\p{N}]+/gu) ?? [chunk]).map((part) => part.toLowerCase()),
    );

  it('are the words the patterns find', () => {
    const same = (text: string) => {
      expect(splitWords(text)).toEqual(byPattern(text));
    };
    const ascii = fc.array(fc.constantFrom('a', 'b', 'Z', 'XY', '7', '_', '.', ' ', '-', '\n', 'HTTPServer', 'getX', 'aB2c'), { maxLength: 30 }).map((p) => p.join(''));
    fc.assert(fc.property(ascii, same), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ unit: 'binary-ascii' }), same));
  });
});
