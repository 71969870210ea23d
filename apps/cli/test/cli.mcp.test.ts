import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { objectId, tokenCounter } from '@agentlane/kg';
import { createTestDatabase, testBackends, type TestDatabase } from '../../../test/support/backends.js';
import { SAMPLE_REPO, editFile, writeRepo } from '../../../test/support/repo.js';
import { CLI } from './support/cli.js';

interface TextContent {
  type: 'text';
  text: string;
}

/** One file whose outline is far larger than a budget. */
const BIG = Array.from({ length: 800 }, (_, i) => `export function big${i}(value: number): number {\n  return value + ${i};\n}\n`).join('');

describe.each(testBackends())('agentlane mcp on %s (the official MCP client over stdio)', (backend) => {
  let client: Client;
  let root: string;
  let database: TestDatabase;
  let count: (text: string) => number;
  const makeSquare = objectId('ts', 'src/lib/shapes.ts', 'makeSquare', 'function');

  beforeAll(async () => {
    root = writeRepo({ ...SAMPLE_REPO, 'src/big.ts': BIG });
    database = await createTestDatabase(backend);
    count = await tokenCounter();
    // Nothing is indexed yet: the session starts with kg_index.
    const env = Object.fromEntries(
      Object.entries({ ...process.env, LOG_LEVEL: 'warn', DATABASE_URL: database.url ?? '', KG_WORKERS: '1' }).filter((e): e is [string, string] => e[1] !== undefined),
    );
    client = new Client({ name: 'agentlane-test', version: '0.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--repo', root], env }));
  }, 180_000); // the server process opens and migrates its database first: slow on a loaded machine
  afterAll(async () => {
    await client?.close();
    await database?.dispose();
  });

  const call = async (name: string, args: Record<string, unknown>) => {
    const result = await client.callTool({ name, arguments: args });
    const text = (result.content as TextContent[])[0]?.text ?? '';
    return { isError: result.isError === true, text };
  };

  it('lists one tool per KG operation', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['kg_context', 'kg_impact', 'kg_index', 'kg_outline', 'kg_refs', 'kg_search', 'kg_show', 'kg_stats']);
    const refs = tools.find((t) => t.name === 'kg_refs');
    expect((refs?.inputSchema.properties as Record<string, { default?: unknown }>).direction?.default).toBe('in');
    expect(tools.find((t) => t.name === 'kg_index')?.annotations?.readOnlyHint).toBe(false);
  });

  it('a session: index, search by a typo, show by name, refs, an edit, kg_index, the change visible — every answer within its budget', async () => {
    const budget = 600;
    const within = async (name: string, args: Record<string, unknown>) => {
      const answer = await call(name, { maxTokens: budget, ...args });
      expect({ name, isError: answer.isError, fits: count(answer.text) <= budget }).toEqual({ name, isError: false, fits: true });
      return answer.text;
    };
    expect(await within('kg_index', {})).toMatch(/^indexed \(full\)[\s\S]*index: fresh\n$/);
    const search = await within('kg_search', { query: 'makeSqare', limit: 3 });
    expect(search.split('\n')[1]).toMatch(/^src\/lib\/shapes\.ts:25-27 function makeSquare/);
    const show = await within('kg_show', { target: 'makeSquare' });
    expect(show).toContain(`id ${makeSquare}`);
    expect(show).toContain('returns: Square');
    const refs = await within('kg_refs', { target: 'makeSquare', kind: ['calls'] });
    expect(refs).toContain('callers');
    expect(refs).toContain('src/main.ts\n  function run:12-17 ←calls @13');
    const outline = await within('kg_outline', { path: 'src/big.ts' });
    const cursor = /cursor=([A-Za-z0-9_-]+)/.exec(outline)?.[1];
    expect(cursor).toBeDefined();
    expect(await within('kg_outline', { path: 'src/big.ts', cursor })).not.toContain(' big0(');
    expect(await within('kg_context', { query: 'square area' })).toMatch(/\d+: export class Square extends Base/);

    editFile(root, 'src/lib/shapes.ts', `${SAMPLE_REPO['src/lib/shapes.ts']}\nexport function makeCircle(radius: number): number {\n  return radius * radius * 3.14;\n}\n`);
    expect(await within('kg_index', {})).toMatch(/^indexed \(incremental\)[^\n]* [1-9]\d* parsed/);
    const circle = await within('kg_show', { target: 'makeCircle', format: 'json' });
    expect(JSON.parse(circle)).toMatchObject({ object: { qualifiedName: 'makeCircle', filePath: 'src/lib/shapes.ts' }, freshness: { fresh: true } });
  }, 120_000);

  it('answers JSON on request, with the same freshness', async () => {
    const symbol = JSON.parse((await call('kg_show', { target: makeSquare, format: 'json' })).text);
    expect(symbol.object).toMatchObject({ qualifiedName: 'makeSquare', returns: { type: 'Square' } });
    expect(symbol.freshness.fresh).toBe(true);
    const impact = JSON.parse((await call('kg_impact', { files: ['src/lib/shapes.ts'], format: 'json' })).text);
    expect(impact.files.map((f: { file: string }) => f.file)).toEqual(['src/lib/index.ts', 'src/main.ts']);
  });

  it('reports bad input as a tool error with a stable code; an ambiguous name lists its candidates', async () => {
    expect(await call('kg_show', { target: '00000000-0000-8000-8000-000000000000' })).toMatchObject({ isError: true, text: expect.stringMatching(/^KG_NOT_FOUND:/) });
    expect(await call('kg_show', { target: 'nope' })).toMatchObject({ isError: true, text: expect.stringMatching(/^KG_NOT_FOUND:/) });
    const ambiguous = await call('kg_refs', { target: 'area' });
    expect(ambiguous.isError).toBe(true);
    expect(ambiguous.text).toMatch(/^KG_AMBIGUOUS: 3 objects are named "area"/);
    expect(ambiguous.text).toContain('Square.area src/lib/shapes.ts:20');
    expect((await call('kg_refs', { target: 'makeSquare', depth: 99 })).isError).toBe(true);
    expect((await call('kg_search', { query: '' })).isError).toBe(true);
    expect(await call('kg_context', {})).toMatchObject({ isError: true, text: expect.stringMatching(/^KG_INVALID_ARGUMENT:/) });
    expect(await call('kg_outline', { path: 'src/big.ts', cursor: 'bm9wZQ' })).toMatchObject({ isError: true, text: expect.stringMatching(/^KG_INVALID_CURSOR:/) });
  });

  it('refuses NUL characters and over-long symbols as input errors naming the argument, never an internal error', async () => {
    for (const [tool, args, field] of [
      ['kg_outline', { path: 'x\u0000' }, 'path'],
      ['kg_search', { query: 'x', path: 'x\u0000' }, 'path'],
      ['kg_context', { symbols: ['s'.repeat(300)] }, 'symbols'],
      ['kg_context', { files: ['a\u0000b'] }, 'files'],
      ['kg_show', { target: 'a\u0000b' }, 'target'],
    ] as const) {
      const answer = await call(tool, args);
      expect({ tool, isError: answer.isError }).toEqual({ tool, isError: true });
      expect(answer.text).toContain(field);
      expect(answer.text).not.toMatch(/INTERNAL|DB_QUERY_FAILED|query is longer/);
    }
  });
});
