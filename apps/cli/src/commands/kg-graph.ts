import { Option, type Command } from 'commander';
import { AgentlaneError } from '@agentlane/core';
import {
  assertIndexed,
  describeStatement,
  openNeo4jRunner,
  projectToNeo4j,
  type CypherRunner,
  MAX_DEPTH,
  RELATION_KINDS,
  fileOutline,
  getObject,
  impactOf,
  relationsOf,
  type Incompleteness,
  type KgObject,
  type OutlineNode,
  type RelationKind,
} from '@agentlane/kg/query';
import { openKgContext } from './kg-context.js';
import { collect, intOption, repoOption } from '../options.js';
import { fmt, printJson, table } from '../output.js';

/** `agentlane kg show|refs|outline|impact`: graph queries for people and scripts. */

const depthOption = (max: number) => intOption(1, max);

const where = (o: KgObject) => (o.filePath ? `${o.filePath}:${o.startLine}` : '(external)');

function objectText(o: KgObject): string {
  const rows: string[][] = [
    ['id', o.id],
    ['kind', o.kind],
    ['name', o.qualifiedName],
    ['where', o.filePath ? `${o.filePath}:${o.startLine}-${o.endLine}` : '(external module)'],
    ['signature', o.signature],
  ];
  if (o.params && o.params.length > 0) rows.push(['params', o.params.map((p) => `${p.rest ? '...' : ''}${p.name}${p.type ? `: ${p.type}` : ''}${p.default ? ` = ${p.default}` : ''}`).join(', ')]);
  if (o.returns) rows.push(['returns', o.returns.type]);
  if (o.fields && o.fields.length > 0) rows.push(['fields', o.fields.map((f) => `${f.name}${f.type ? `: ${f.type}` : ''}`).join(', ')]);
  rows.push(['exported', String(o.exported)]);
  if (o.doc) rows.push(['doc', o.doc.split('\n')[0] ?? '']);
  return table(rows);
}

function outlineText(node: OutlineNode, indent = ''): string[] {
  const o = node.object;
  return [`${indent}${o.kind.padEnd(9)} ${o.name}  :${o.startLine}-${o.endLine}`, ...node.children.flatMap((c) => outlineText(c, `${indent}  `))];
}


export function addGraphCommands(kg: Command): void {
  kg.command('show')
    .description('show one object: signature, params, returns, fields, lines')
    .argument('<id>', 'object id')
    .addOption(repoOption())
    .option('--json', 'print as JSON', false)
    .action(async (id: string, opts: { repo: string; json: boolean }) => {
      const ctx = await openKgContext(opts.repo);
      try {
        await assertIndexed(ctx.sql);
        const object = await getObject(ctx.sql, id);
        if (opts.json) printJson(object);
        else process.stdout.write(`${objectText(object)}\n`);
      } finally {
        await ctx.close();
      }
    });

  kg.command('refs')
    .description('relations of an object: --direction in = callers/importers/subclasses, out = callees/imports/bases')
    .argument('<id>', 'object id')
    .addOption(repoOption())
    .addOption(new Option('--kind <kind>', 'relation kind (repeatable)').choices(RELATION_KINDS as string[]).argParser(collect))
    .addOption(new Option('--direction <dir>', 'in, out or both').choices(['in', 'out', 'both']).default('out'))
    .option('--depth <n>', `hops, 1 to ${MAX_DEPTH}`, depthOption(MAX_DEPTH), 1)
    .option('--json', 'print as JSON', false)
    .action(async (id: string, opts: { repo: string; kind?: RelationKind[]; direction: 'in' | 'out' | 'both'; depth: number; json: boolean }) => {
      const ctx = await openKgContext(opts.repo);
      try {
        await assertIndexed(ctx.sql);
        const result = await relationsOf(ctx.sql, id, { kinds: opts.kind, direction: opts.direction, depth: opts.depth });
        if (opts.json) {
          printJson(result);
          return;
        }
        const byId = new Map(result.objects.map((o) => [o.id, o]));
        const rows = result.edges.map((e) => {
          const src = byId.get(e.src);
          const dst = byId.get(e.dst);
          return [String(e.depth), e.kind, src?.qualifiedName ?? e.src, '→', dst?.qualifiedName ?? e.dst, dst ? where(dst) : '', `${e.filePath}:${e.line}`, e.resolution];
        });
        process.stdout.write(`${result.root.qualifiedName} (${result.root.kind}, ${where(result.root)})\n`);
        process.stdout.write(rows.length > 0 ? `${table([['hop', 'kind', 'from', '', 'to', 'defined', 'at', 'resolution'], ...rows])}\n` : 'no relations\n');
        if (result.truncated) process.stdout.write('(truncated)\n');
        for (const line of incompletenessText(result.unresolved)) process.stdout.write(`${line}\n`);
      } finally {
        await ctx.close();
      }
    });

  kg.command('outline')
    .description("a file's objects as a tree")
    .argument('<file>', 'repo-relative path, as indexed')
    .addOption(repoOption())
    .option('--json', 'print as JSON', false)
    .action(async (file: string, opts: { repo: string; json: boolean }) => {
      const ctx = await openKgContext(opts.repo);
      try {
        await assertIndexed(ctx.sql);
        const outline = await fileOutline(ctx.sql, file);
        if (opts.json) printJson(outline);
        else process.stdout.write(`${outlineText(outline).join('\n')}\n`);
      } finally {
        await ctx.close();
      }
    });

  kg.command('impact')
    .description('transitive dependents of objects or files (who calls, imports, extends or uses them)')
    .addOption(repoOption())
    .option('--id <id>', 'changed object id (repeatable)', collect)
    .option('--file <path>', 'changed file, repo-relative (repeatable)', collect)
    .option('--depth <n>', 'hops, 1 to 5', depthOption(5), 3)
    .option('--limit <n>', 'most dependents', intOption(1, 10_000), 200)
    .option('--json', 'print as JSON', false)
    .action(async (opts: { repo: string; id?: string[]; file?: string[]; depth: number; limit: number; json: boolean }) => {
      const ctx = await openKgContext(opts.repo);
      try {
        await assertIndexed(ctx.sql);
        const result = await impactOf(ctx.sql, { ids: opts.id, files: opts.file, depth: opts.depth, limit: opts.limit });
        if (opts.json) {
          printJson(result);
          return;
        }
        const rows = result.dependents.map((d) => [String(d.depth), d.object.kind, d.object.qualifiedName, where(d.object), d.via.kind]);
        process.stdout.write(`${fmt(result.dependents.length)} dependents in ${fmt(result.files.length)} files${result.truncated ? ' (truncated)' : ''}\n`);
        if (rows.length > 0) process.stdout.write(`${table([['hop', 'kind', 'name', 'where', 'via'], ...rows])}\n`);
        for (const line of incompletenessText(result.unresolved)) process.stdout.write(`${line}\n`);
      } finally {
        await ctx.close();
      }
    });
}

/** What the answer may lack, in a sentence a reader of the table understands. */
export function incompletenessText(unresolved: Incompleteness): string[] {
  const lines: string[] = [];
  const callers = unresolved.callersMayMiss;
  if (callers && callers.sites > 0) {
    const names = callers.names.map((n) => `\`${n}\``).join(', ');
    const more = callers.filesTotal > callers.files.length ? `, … (${fmt(callers.filesTotal)} files)` : '';
    lines.push(
      `may be incomplete: ${fmt(callers.sites)} unresolved call site${callers.sites === 1 ? '' : 's'} call ${names} (in ${callers.files.join(', ')}${more})`,
    );
  }
  const callees = unresolved.calleesMayMiss;
  if (callees && callees.sites > 0) lines.push(`may be incomplete: ${fmt(callees.sites)} call site${callees.sites === 1 ? '' : 's'} inside stayed unresolved`);
  return lines;
}

export function addProjectCommand(kg: Command): void {
  const project = kg.command('project').description('project the graph into another store');
  project
    .command('neo4j')
    .description('write the graph to Neo4j (NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD), incrementally')
    .addOption(repoOption())
    .option('--dry-run', 'print the Cypher instead of running it', false)
    .option('--batch-size <n>', 'rows per UNWIND batch', intOption(1, 100_000), 1000)
    .option('--json', 'print the result as JSON', false)
    .action(async (opts: { repo: string; dryRun: boolean; batchSize: number; json: boolean }) => {
      const ctx = await openKgContext(opts.repo);
      const neo = ctx.config.neo4j;
      if (!neo && !opts.dryRun) {
        await ctx.close();
        throw new AgentlaneError('CONFIG_INVALID', 'NEO4J_URI is not set (use --dry-run to print the Cypher without Neo4j)');
      }
      const live = neo ? await openNeo4jRunner({ uri: neo.uri, username: neo.username, password: neo.password }).catch(async (error: unknown) => {
        await ctx.close();
        throw error;
      }) : null;
      try {
        await assertIndexed(ctx.sql);
        const printed: string[] = [];
        const runner: CypherRunner = {
          read: (statement) => (live ? live.read(statement) : Promise.resolve([])),
          write: async (statements) => {
            if (opts.dryRun) printed.push(...statements.map(describeStatement));
            else await live?.write(statements);
          },
        };
        const result = await projectToNeo4j(ctx.sql, runner, { batchSize: opts.batchSize });
        if (opts.json) printJson({ ...result, dryRun: opts.dryRun, cypher: opts.dryRun ? printed : undefined });
        else {
          if (opts.dryRun) process.stdout.write(`${printed.join('\n')}\n`);
          process.stdout.write(
            `${opts.dryRun ? 'Would project' : 'Projected'} ${fmt(result.nodes)} nodes and ${fmt(result.edges)} relationships from ${fmt(result.changedFiles.length)} changed file(s); removed ${fmt(result.deletedFiles.length)} deleted file(s)\n`,
          );
        }
      } finally {
        await live?.close();
        await ctx.close();
      }
    });
}
