import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { writeRepo } from '../../../test/support/repo.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The packed command, installed the way a user installs it: `npm pack` output into a
 * fresh global prefix (dependencies from the registry, the npm cache warm from the
 * checkout's own install), then used in a repository that is not agentlane's.
 */
describe('the packed CLI (npm run pack:cli, then npm install -g)', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-pack-'));
  const prefix = path.join(scratch, 'prefix');
  const bin = path.join(prefix, 'bin', 'agentlane');
  let tarball: string;
  let files: string[];
  const env = Object.fromEntries(Object.entries({ ...process.env, CI: '1', LOG_LEVEL: 'warn', DATABASE_URL: '', HOME: scratch }).filter((e): e is [string, string] => e[1] !== undefined));

  beforeAll(async () => {
    const packed = await run(process.execPath, [path.join(ROOT, 'scripts/pack-cli.mjs'), '--out', scratch, '--json'], { cwd: ROOT });
    tarball = (JSON.parse(packed.stdout) as { tarball: string }).tarball;
    files = (await run('tar', ['tzf', tarball], { maxBuffer: 16 << 20 })).stdout.split('\n').filter(Boolean);
    await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'error', tarball], {
      // The npm cache stays the machine's (warm); only the config home is the scratch dir.
      env: { ...env, npm_config_cache: path.join(os.homedir(), '.npm') },
      maxBuffer: 16 << 20,
    });
  }, 300_000);
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('is one package: the command, its workspace packages bundled with their migrations, no sources or maps', () => {
    expect(path.basename(tarball)).toMatch(/^agentlane-\d+\.\d+\.\d+\.tgz$/);
    expect(files).toContain('package/bin/agentlane.js');
    expect(files).toContain('package/dist/main.js');
    expect(files).toContain('package/node_modules/@agentlane/kg/dist/index.js');
    expect(files.some((f) => /^package\/node_modules\/@agentlane\/kg\/migrations\/0001_.*\.sql$/.test(f))).toBe(true);
    expect(files.filter((f) => /\.(ts|map|tsbuildinfo)$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /\/(test|src)\//.test(f))).toEqual([]);
    // `agentlane demo` works installed: its cells, policy and recorded answers ride along.
    expect(files).toContain('package/cells/u_contract.yaml');
    expect(files.some((f) => f.startsWith('package/demo/cassettes/'))).toBe(true);
  });

  it('indexes and searches a repository that is not agentlane', async () => {
    const repo = writeRepo({
      'lib/money.ts': 'export function addCents(a: number, b: number): number {\n  return a + b;\n}\nexport const total = (xs: number[]) => xs.reduce(addCents, 0);\n',
      'tools/report.py': 'def render(rows):\n    return "\\n".join(fmt(r) for r in rows)\n\ndef fmt(row):\n    return str(row)\n',
    });
    const indexed = await run(bin, ['kg', 'index', repo, '--json'], { env, cwd: repo });
    expect(JSON.parse(indexed.stdout)).toMatchObject({ files: { seen: 2, parsed: 2 } });
    const found = await run(bin, ['kg', 'search', 'addCents', '--repo', repo, '--json'], { env, cwd: repo });
    expect(JSON.stringify(JSON.parse(found.stdout))).toContain('lib/money.ts');
    expect(fs.existsSync(path.join(repo, '.agentlane'))).toBe(true);
  }, 120_000);

  it('prints an MCP registration whose server starts and lists the KG tools', async () => {
    const repo = writeRepo({ 'a.py': 'def hello():\n    return 1\n' });
    await run(bin, ['kg', 'index', repo], { env });
    const printed = await run(bin, ['mcp', '--config', 'claude', '--repo', repo], { env });
    const server = (JSON.parse(printed.stdout) as { mcpServers: { agentlane: { command: string; args: string[] } } }).mcpServers.agentlane;
    expect(server.args[0]).toBe(fs.realpathSync(path.join(prefix, 'lib/node_modules/agentlane/bin/agentlane.js')));
    const client = new Client({ name: 'pack-test', version: '0.0.0' });
    await client.connect(new StdioClientTransport({ command: server.command, args: server.args, env }));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('kg_search');
    } finally {
      await client.close();
    }
  }, 120_000);
});
