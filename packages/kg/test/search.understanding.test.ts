import { beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '@agentlane/store';
import { indexRepository, searchObjects } from '../src/index.js';
import { testBackends } from '../../../test/support/backends.js';
import { writeRepo } from '../../../test/support/repo.js';
import { useKgDatabase } from './support/kg-database.js';

/**
 * A small tree shaped like the libraries the judged query sets measure (rxjs, zod,
 * the Python stdlib, the SDKs), with the distractors that used to win: a property
 * shared by every class, a method named like an intent word, XML next to JSON,
 * overload declarations, a test that defines the same name as the source.
 */
const TREE: Record<string, string> = {
  'src/schemas.ts': [
    'export class ZodType { _zod: unknown; parse(input: unknown): unknown { return input; } }',
    'export class ZodString extends ZodType { _zod: unknown; min(n: number): ZodString { return this; } }',
    'export class ZodNumber extends ZodType { _zod: unknown; }',
    'export class ZodStringFormat extends ZodType { _zod: unknown; }',
    'export class ZodObject extends ZodType { _zod: unknown; }',
    '',
  ].join('\n'),
  'src/checks.ts': 'export class ZodCheckStringFormat { _zod: unknown; }\nexport class ZodCheckRegex { _zod: unknown; }\n',
  'src/subjects.ts': [
    'export class Subject<T> { next(value: T): void {} }',
    '/** A variant of Subject that requires an initial value and emits its current value. */',
    'export class BehaviorSubject<T> extends Subject<T> { getValue(): T | undefined { return undefined; } }',
    '',
  ].join('\n'),
  'src/operators/retry.ts': [
    '/** Resubscribes to the source when it errors, up to `count` times. */',
    'export function retry(count: number): number { return count; }',
    '',
  ].join('\n'),
  'src/query/builder.ts': [
    'export class QueryBuilder {',
    '  where(condition: string): QueryBuilder { return this; }',
    '  select(columns: string[]): QueryBuilder { return this; }',
    '}',
    '',
  ].join('\n'),
  'src/formats/xml.ts': [
    '/** Parse an XML document from a string. */',
    'export function parseString(text: string): unknown { return text; }',
    '',
  ].join('\n'),
  'src/formats/json.ts': [
    '/** Deserialize a JSON document held in a string. */',
    'export function loads(text: string): unknown { return JSON.parse(text); }',
    '',
  ].join('\n'),
  'src/observable/from.ts': [
    'export function from<T>(input: T[]): T[];',
    'export function from<T>(input: Promise<T>): Promise<T>;',
    'export function from<T>(input: Iterable<T>): Iterable<T>;',
    'export function from<T>(input: unknown): unknown { return input; }',
    '/** Converts a promise to an observable. */',
    'export function fromPromise<T>(promise: Promise<T>): Promise<T> { return promise; }',
    '',
  ].join('\n'),
  'src/observable/observable.ts': [
    'export class Observable<T> {',
    '  /** Converts this observable to a promise. */',
    '  toPromise(): Promise<T | undefined> { return Promise.resolve(undefined); }',
    '}',
    'export function fromEvent(target: unknown, name: string): Observable<unknown> { return new Observable(); }',
    'export function frontend(): void {}',
    '',
  ].join('\n'),
  'src/text/squeeze.ts': [
    '/** Collapse runs of repeated whitespace into single spaces. */',
    'export function squeeze(text: string): string { return text; }',
    '',
  ].join('\n'),
  'src/misc.ts': 'export function run(repeated: boolean, whitespace: string): void {}\n',
  'src/backoff.ts': 'export function exponentialBackoff(attempt: number): number { return 2 ** attempt; }\n',
  'src/__mocks__/backoff.ts': 'export function exponentialBackoff(attempt: number): number { return 0; }\n',
};

describe.each(testBackends())('search understands questions on %s', (backend) => {
  const database = useKgDatabase(backend);
  let sql: Sql;
  const top = async (query: string, limit = 5) => (await searchObjects(sql, query, { limit })).hits;
  const first = async (query: string) => (await top(query))[0]?.qualifiedName;

  beforeAll(async () => {
    sql = database.sql;
    await indexRepository(sql, { repoRoot: writeRepo(TREE), workers: 1 });
  });

  it('reads a misspelled name word by word: the class, not the property every class has', async () => {
    expect(await first('ZodStrng')).toBe('ZodString');
    expect(await first('ZodObjct')).toBe('ZodObject');
  });

  it('accepts British spellings of American names', async () => {
    expect(await first('BehaviourSubject')).toBe('BehaviorSubject');
  });

  it('drops intent and filler words: "where is the retry logic" is about retry', async () => {
    const hits = await top('where is the retry logic');
    expect(hits[0]).toMatchObject({ qualifiedName: 'retry', filePath: 'src/operators/retry.ts' });
    expect(hits.map((h) => h.qualifiedName)).not.toContain('QueryBuilder.where');
  });

  it('a domain word must match: JSON is not answered by XML', async () => {
    expect(await first('parse a JSON string')).toBe('loads');
    expect(await first('parse an XML string')).toBe('parseString');
  });

  it('a conversion is ranked by its direction', async () => {
    const names = (await top('convert promise to observable')).map((h) => h.qualifiedName);
    expect(names[0]).toBe('fromPromise');
    expect(names.indexOf('Observable.toPromise') === -1 || names.indexOf('Observable.toPromise') > names.indexOf('fromPromise')).toBe(true);
  });

  it('groups overloads into one hit with their count', async () => {
    const hits = await top('from', 10);
    const from = hits.filter((h) => h.qualifiedName === 'from');
    expect(from).toHaveLength(1);
    expect(from[0]).toMatchObject({ filePath: 'src/observable/from.ts', overloads: 4 });
    expect(hits[0]?.qualifiedName).toBe('from');
  });

  it('ranks test code, mocks and fixtures below source', async () => {
    const hits = await top('exponentialBackoff');
    expect(hits.map((h) => h.filePath)).toEqual(['src/backoff.ts', 'src/__mocks__/backoff.ts']);
  });

  it('weighs doc comments: a description of behaviour finds the function that documents it', async () => {
    expect(await first('collapse repeated whitespace')).toBe('squeeze');
  });
});
