import fs from 'node:fs';
import path from 'node:path';
import { tokenCounter } from '@agentlane/kg';
import { describe, expect, it } from 'vitest';
import { SAMPLE_REPO, writeRepo } from '../../../test/support/repo.js';
import { runCli, startCli } from './support/cli.js';

describe('agentlane CLI', () => {
  it('prints help and version with exit code 0', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: agentlane');
    expect(help.stdout).toContain('kg');
    const kgHelp = await runCli(['kg', 'index', '--help']);
    expect(kgHelp.code).toBe(0);
    expect(kgHelp.stdout).toContain('--full');
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits 2 on an unknown command or a bad option value', async () => {
    expect((await runCli(['nope'])).code).toBe(2);
    const bad = await runCli(['kg', 'gate', '--params', '150']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('percentage');
  });

  it('exits 2 with KG_PATH_NOT_FOUND for a missing repository', async () => {
    const root = writeRepo({ 'a.py': 'x: int = 1\n' });
    const result = await runCli(['kg', 'index', path.join(root, 'missing')], { env: { AGENTLANE_HOME: path.join(root, 'home') } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('KG_PATH_NOT_FOUND');
    // Without AGENTLANE_HOME the embedded database would go under the path: nothing is created for a typo.
    const typo = path.join(root, 'typo');
    const bare = await runCli(['kg', 'index', typo]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('KG_PATH_NOT_FOUND');
    expect(fs.existsSync(typo)).toBe(false);
    const notDir = await runCli(['kg', 'stats', '--repo', path.join(root, 'a.py')]);
    expect(notDir.code).toBe(2);
    expect(notDir.stderr).toContain('KG_NOT_A_DIRECTORY');
  });

  it('exits 3 with CONFIG_INVALID or DB_CONNECT_FAILED, never leaking the password', async () => {
    const invalid = await runCli(['kg', 'stats', '--json'], { env: { DATABASE_URL: 'not a url' } });
    expect(invalid.code).toBe(3);
    expect(JSON.parse(invalid.stdout).error.code).toBe('CONFIG_INVALID');
    const unreachable = await runCli(['kg', 'stats'], { env: { DATABASE_URL: 'postgres://u:hunter2@127.0.0.1:1/db' } });
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain('DB_CONNECT_FAILED');
    expect(unreachable.stderr).not.toContain('hunter2');
  });

  it('says there is no index yet (exit 1) before the first run', async () => {
    const root = writeRepo({ 'a.py': 'x: int = 1\n' });
    const result = await runCli(['kg', 'stats', root]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('KG_NO_INDEX');
  });

  it('names the files with syntax errors in `kg stats`, text and --json', async () => {
    const root = writeRepo({
      'ok.ts': 'export interface Fine<in out T> {\n  a: T\n}\n',
      'broken.ts': 'export function ok(a: number): number { return a; }\nexport class X { m( { }\n',
      'src/broken.py': 'def bad(:\n    pass\n',
    });
    const index = await runCli(['kg', 'index', root, '--json']);
    expect(index.code, index.stderr).toBe(0);
    const stats = JSON.parse((await runCli(['kg', 'stats', root, '--json'])).stdout);
    expect(stats.syntaxErrorFiles).toBe(2);
    expect(stats.syntaxErrorPaths.map((f: { path: string }) => f.path)).toEqual(['broken.ts', 'src/broken.py']);
    expect(stats.syntaxErrorPaths.every((f: { syntaxErrors: number }) => f.syntaxErrors > 0)).toBe(true);
    const human = await runCli(['kg', 'stats', root]);
    expect(human.stdout).toContain('files with syntax errors: 2');
    expect(human.stdout).toMatch(/broken\.ts\s+\d+/);
    expect(human.stdout).toMatch(/src\/broken\.py\s+\d+/);
    expect(human.stdout).not.toMatch(/ok\.ts\s+\d+/);
  });

  it('indexes into the embedded database, then reports stats, gates and an export', async () => {
    const root = writeRepo(SAMPLE_REPO);
    const index = await runCli(['kg', 'index', root, '--json']);
    expect(index.code, index.stderr).toBe(0);
    const summary = JSON.parse(index.stdout);
    expect(summary.files.parsed).toBe(6);
    expect(fs.existsSync(path.join(root, '.agentlane', 'db'))).toBe(true);

    const human = await runCli(['kg', 'index', root]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/6 seen · 0 parsed · 6 unchanged/);

    const stats = JSON.parse((await runCli(['kg', 'stats', root, '--json'])).stdout);
    expect(stats.files).toEqual({ py: 3, ts: 3 });
    expect(stats.freshness).toMatchObject({ fresh: true, changedFiles: 0, runId: stats.lastRun.id });
    expect(stats.relationsByKind.calls).toBeGreaterThan(0);

    const gate = await runCli(['kg', 'gate', root]);
    expect(gate.code, gate.stdout + gate.stderr).toBe(0);
    expect(gate.stdout).toContain('All coverage gates pass.');
    const report = JSON.parse(fs.readFileSync(path.join(root, 'reports/kg/coverage.json'), 'utf8'));
    expect(report.passed).toBe(true);
    expect(report.gates.map((g: { language: string; gate: string }) => `${g.language}.${g.gate}`)).toContain('py.fields');

    const exportFile = path.join(root, 'kg.jsonl');
    const exported = await runCli(['kg', 'export', root, '--out', exportFile]);
    expect(exported.code).toBe(0);
    const lines = fs.readFileSync(exportFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const objects = lines.filter((l) => l.type === 'object');
    const relations = lines.filter((l) => l.type === 'relation');
    expect(objects.length).toBe(stats.objectsByKind.py.module + Object.values(stats.objectsByKind as Record<string, Record<string, number>>).reduce((n, kinds) => n + Object.values(kinds).reduce((a, b) => a + b, 0), 0) - stats.objectsByKind.py.module);
    expect(relations.length).toBe(Object.values(stats.relationsByKind as Record<string, number>).reduce((a, b) => a + b, 0));
    expect(Object.keys(relations[0]).sort()).toEqual(['dst', 'file_path', 'kind', 'line', 'resolution', 'src', 'type']);
    expect(objects[0]).toHaveProperty('qualified_name');
    const ids = new Set(objects.map((o) => o.id));
    expect(relations.every((r) => ids.has(r.src) && ids.has(r.dst))).toBe(true);
  });

  it('searches and packs context, for people and as JSON, with usage errors on exit 2', async () => {
    const root = writeRepo(SAMPLE_REPO);
    expect((await runCli(['kg', 'index', root])).code).toBe(0);
    const human = await runCli(['kg', 'search', 'make', 'square', '--repo', root, '--why']);
    expect(human.code).toBe(0);
    expect(human.stdout.split('\n')[1]).toMatch(/^src\/lib\/shapes\.ts:25-27 function makeSquare \[exact/);
    const json = JSON.parse((await runCli(['kg', 'search', 'label', '--language', 'py', '--kind', 'method', '--repo', root, '--json'])).stdout);
    expect(json.hits.map((h: { qualifiedName: string }) => h.qualifiedName)).toEqual(['User.label']);

    const context = await runCli(['kg', 'context', 'square', 'area', '--budget', '512', '--repo', root]);
    expect(context.code).toBe(0);
    expect(context.stdout).toContain('src/lib/shapes.ts\n');
    expect((await tokenCounter())(context.stdout)).toBeLessThanOrEqual(512);
    const pack = JSON.parse((await runCli(['kg', 'context', '--symbol', 'makeSquare', '--max-tokens', '600', '--repo', root, '--json'])).stdout);
    expect(pack.files.flatMap((f: { objects: { qualifiedName: string }[] }) => f.objects.map((o) => o.qualifiedName))).toContain('makeSquare');
    expect((await runCli(['kg', 'context', 'square', '--max-tokens', '100', '--repo', root])).code).toBe(2);

    expect((await runCli(['kg', 'search', 'x', '--limit', '0', '--repo', root])).code).toBe(2);
    expect((await runCli(['kg', 'search', 'x', '--kind', 'widget', '--repo', root])).code).toBe(2);
    const empty = await runCli(['kg', 'context', '--repo', root]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('KG_INVALID_ARGUMENT');
  }, 180_000); // a dozen CLI processes, each opening the embedded database

  it('answers graph queries: show, refs, outline, impact, with clear errors', async () => {
    const root = writeRepo(SAMPLE_REPO);
    expect((await runCli(['kg', 'index', root])).code).toBe(0);
    const exported = await runCli(['kg', 'export', root]);
    const objects = exported.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'object');
    const makeSquare = objects.find((o) => o.qualified_name === 'makeSquare');

    const show = await runCli(['kg', 'show', makeSquare.id, '--repo', root, '--json']);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout).object).toMatchObject({ qualifiedName: 'makeSquare', returns: { type: 'Square' } });
    // Names and path:line work wherever ids do.
    expect((await runCli(['kg', 'show', 'makeSquare', '--repo', root])).stdout).toContain(`id ${makeSquare.id}`);
    expect((await runCli(['kg', 'show', 'src/lib/shapes.ts:21', '--repo', root])).stdout).toMatch(/^method Square\.area src\/lib\/shapes\.ts:20-22/);
    const ambiguous = await runCli(['kg', 'show', 'area', '--repo', root]);
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('KG_AMBIGUOUS');
    expect(ambiguous.stderr).toContain('Square.area src/lib/shapes.ts:20');

    // Callers by default, as over HTTP and MCP.
    const refs = await runCli(['kg', 'refs', 'makeSquare', '--repo', root, '--kind', 'calls']);
    expect(refs.code).toBe(0);
    expect(refs.stdout).toContain('src/main.ts\n  function run:12-17 ←calls @13');
    const callees = await runCli(['kg', 'refs', makeSquare.id, '--repo', root, '--direction', 'out']);
    expect(callees.stdout).toContain('class Square:16-23 →returns_type @25 →calls @26');

    const outline = await runCli(['kg', 'outline', 'src/lib/shapes.ts', '--repo', root]);
    expect(outline.stdout.split('\n').slice(0, 2)).toEqual(['outline of src/lib/shapes.ts: 12 objects', '3-6 interface export interface Shape']);

    const impact = JSON.parse((await runCli(['kg', 'impact', '--file', 'src/lib/shapes.ts', '--repo', root, '--json'])).stdout);
    expect(impact.files.map((f: { file: string }) => f.file)).toEqual(['src/lib/index.ts', 'src/main.ts']);
    const byName = await runCli(['kg', 'impact', 'makeSquare', '--repo', root]);
    expect(byName.stdout).toContain('src/main.ts\n  function run:12-17 ←calls makeSquare');

    const missing = await runCli(['kg', 'show', '00000000-0000-8000-8000-000000000000', '--repo', root]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('KG_NOT_FOUND');
    const unknown = await runCli(['kg', 'show', 'not-a-name', '--repo', root]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('KG_NOT_FOUND');
    expect((await runCli(['kg', 'refs', makeSquare.id, '--repo', root, '--depth', '99'])).code).toBe(2);
    expect((await runCli(['kg', 'refs', makeSquare.id, '--repo', root, '--kind', 'likes'])).code).toBe(2);
  }, 300_000); // twenty CLI processes, each opening the embedded database

  it('prints the Neo4j projection with --dry-run and refuses to run without NEO4J_URI', async () => {
    const root = writeRepo(SAMPLE_REPO);
    expect((await runCli(['kg', 'index', root])).code).toBe(0);
    const dry = await runCli(['kg', 'project', 'neo4j', '--repo', root, '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const result = JSON.parse(dry.stdout);
    expect(result.changedFiles).toHaveLength(6);
    expect(result.cypher[0]).toBe('CREATE CONSTRAINT cbo_id IF NOT EXISTS FOR (n:CBO) REQUIRE n.id IS UNIQUE;');
    const refused = await runCli(['kg', 'project', 'neo4j', '--repo', root]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('NEO4J_URI is not set');
    const unreachable = await runCli(['kg', 'project', 'neo4j', '--repo', root], { env: { NEO4J_URI: 'bolt://127.0.0.1:1', NEO4J_PASSWORD: 'hunter2' } });
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toContain('DB_CONNECT_FAILED');
    expect(unreachable.stderr).not.toContain('hunter2');
  });

  it('serves the HTTP API until SIGTERM, requiring the token when one is configured', async () => {
    const root = writeRepo(SAMPLE_REPO);
    expect((await runCli(['kg', 'index', root])).code).toBe(0);
    const token = 'a-long-enough-token-123';
    const server = startCli(['serve', '--repo', root, '--port', '0'], { env: { AGENTLANE_API_TOKEN: token } });
    let stderr = '';
    const address = await new Promise<string>((resolve, reject) => {
      server.child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /agentlane API on (http:\/\/\S+)/.exec(stderr);
        if (match) resolve(match[1] as string);
      });
      server.child.on('close', () => reject(new Error(`serve exited: ${stderr}`)));
    });
    expect((await fetch(`${address}/api/kg/stats`)).status).toBe(401);
    const stats = await fetch(`${address}/api/kg/stats`, { headers: { authorization: `Bearer ${token}` } });
    expect(stats.status).toBe(200);
    server.child.kill('SIGTERM');
    expect((await server.result).code).toBe(0);
    const weak = await runCli(['serve', '--repo', root], { env: { AGENTLANE_API_TOKEN: 'short' } });
    expect(weak.code).toBe(3);
    expect(weak.stderr).toContain('AGENTLANE_API_TOKEN');
  });

  it('passes gates with nothing to measure and writes the report where --out says', async () => {
    const root = writeRepo({ 'a.py': 'def f(a, b):\n    return a\n\n\nclass C:\n    def m(self):\n        pass\n' });
    expect((await runCli(['kg', 'index', root])).code).toBe(0);
    // Nothing declares a return type here, so returns/io have nothing to measure; lines are exact.
    const pass = await runCli(['kg', 'gate', root, '--json']);
    expect(pass.code).toBe(0);
    const strict = await runCli(['kg', 'gate', root, '--lines', '100', '--out', 'custom/cov.json']);
    expect(strict.code).toBe(0);
    expect(fs.existsSync(path.join(root, 'custom/cov.json'))).toBe(true);
    const broken = writeRepo({ 'b.py': 'class D:\n    x: int = 1\n    y: str\n' });
    expect((await runCli(['kg', 'index', broken])).code).toBe(0);
    const ok = await runCli(['kg', 'gate', broken, '--json']);
    expect(JSON.parse(ok.stdout).gates.find((g: { gate: string }) => g.gate === 'fields').percent).toBe(100);
  }, 180_000);
});
