import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { objectId } from '@agentlane/kg';
import { SAMPLE_REPO, writeRepo } from '../../../test/support/repo.js';
import { CLI, runCli } from './support/cli.js';

interface TextContent {
  type: 'text';
  text: string;
}

describe('agentlane mcp (real MCP client over stdio)', () => {
  let client: Client;
  const makeSquare = objectId('ts', 'src/lib/shapes.ts', 'makeSquare', 'function');

  beforeAll(async () => {
    const root = writeRepo(SAMPLE_REPO);
    expect((await runCli(['kg', 'index', root])).code).toBe(0);
    const env = Object.fromEntries(Object.entries({ ...process.env, LOG_LEVEL: 'warn', DATABASE_URL: '' }).filter((e): e is [string, string] => e[1] !== undefined));
    client = new Client({ name: 'agentlane-test', version: '0.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', '--repo', root], env }));
  });
  afterAll(async () => {
    await client?.close();
  });

  const call = async (name: string, args: Record<string, unknown>) => {
    const result = await client.callTool({ name, arguments: args });
    const text = (result.content as TextContent[])[0]?.text ?? '';
    return { isError: result.isError === true, text };
  };

  it('lists the KG tools', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['kg_context', 'kg_impact', 'kg_outline', 'kg_references', 'kg_search', 'kg_stats', 'kg_symbol']);
  });

  it('answers symbol, references, outline and impact with freshness', async () => {
    const symbol = JSON.parse((await call('kg_symbol', { id: makeSquare })).text);
    expect(symbol.result).toMatchObject({ qualifiedName: 'makeSquare', returns: { type: 'Square' } });
    expect(symbol.freshness.fresh).toBe(true);
    const refs = JSON.parse((await call('kg_references', { id: makeSquare, kinds: ['calls'], direction: 'in' })).text);
    expect(refs.result.edges.map((e: { filePath: string; line: number }) => `${e.filePath}:${e.line}`)).toEqual(['src/main.ts:13']);
    expect(refs.result.unresolved.callersMayMiss).toMatchObject({ sites: 0, names: ['makeSquare'] });
    const outline = JSON.parse((await call('kg_outline', { path: 'src/lib/shapes.ts' })).text);
    expect(outline.result.object.kind).toBe('module');
    const impact = JSON.parse((await call('kg_impact', { files: ['src/lib/shapes.ts'] })).text);
    expect(impact.result.files).toEqual(['src/lib/index.ts', 'src/main.ts']);
  });

  it('searches and builds context packs', async () => {
    const search = JSON.parse((await call('kg_search', { query: 'makeSqare', limit: 3 })).text);
    expect(search.result.hits[0]).toMatchObject({ qualifiedName: 'makeSquare', filePath: 'src/lib/shapes.ts' });
    expect(search.freshness.fresh).toBe(true);
    const context = JSON.parse((await call('kg_context', { symbols: ['makeSquare'], budget_tokens: 200 })).text);
    expect(context.result.usedTokens).toBeLessThanOrEqual(200);
    expect(context.result.text).toContain('makeSquare(side: number): Square');
  });

  it('reports bad input as a tool error with a stable code', async () => {
    expect(await call('kg_symbol', { id: '00000000-0000-8000-8000-000000000000' })).toMatchObject({ isError: true, text: expect.stringMatching(/^KG_NOT_FOUND:/) });
    expect(await call('kg_symbol', { id: 'nope' })).toMatchObject({ isError: true, text: expect.stringMatching(/^KG_INVALID_ARGUMENT:/) });
    const tooDeep = await call('kg_references', { id: makeSquare, depth: 99 });
    expect(tooDeep.isError).toBe(true);
    expect((await call('kg_search', { query: '' })).isError).toBe(true);
    expect(await call('kg_context', {})).toMatchObject({ isError: true, text: expect.stringMatching(/^KG_INVALID_ARGUMENT:/) });
  });

  it('refuses NUL characters and over-long symbols as input errors naming the argument, never an internal error', async () => {
    for (const [tool, args, field] of [
      ['kg_outline', { path: 'x\u0000' }, 'path'],
      ['kg_search', { query: 'x', path: 'x\u0000' }, 'path'],
      ['kg_context', { symbols: ['s'.repeat(300)] }, 'symbols'],
      ['kg_context', { files: ['a\u0000b'] }, 'files'],
    ] as const) {
      const answer = await call(tool, args);
      expect({ tool, isError: answer.isError }).toEqual({ tool, isError: true });
      expect(answer.text).toContain(field);
      expect(answer.text).not.toMatch(/INTERNAL|DB_QUERY_FAILED|query is longer/);
    }
  });
});
