import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { Command, InvalidArgumentError } from 'commander';
import { AgentlaneError } from '@agentlane/core';
import {
  assertRepositoryDirectory,
  assertIndexed,
  DEFAULT_THRESHOLDS,
  GATE_NAMES,
  KG_OPERATIONS,
  evaluateGates,
  exportJsonl,
  kgStats,
  sumCoverage,
  type CoverageReport,
  type GateThresholds,
  type KgStats,
} from '@agentlane/kg/query';
import type { IndexSummary } from '@agentlane/kg';
import { openContext } from '../context.js';
import { contractOption } from '../contract-options.js';
import { openKgContext } from './kg-context.js';

/** The indexer and the extractors, loaded by the commands that use them only (see `@agentlane/kg/query`). */
const indexer = () => import('@agentlane/kg');
import { addProjectCommand } from './kg-graph.js';
import { addQueryCommands } from './kg-query.js';
import { fmt, printJson, progressReporter, table, writeJsonReport } from '../output.js';
import { chosenRepo, repoAliasOption } from '../options.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function percent(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('expected a percentage between 0 and 100');
  return n;
}

function summaryText(s: IndexSummary, repoRoot: string): string {
  const kinds = Object.entries(s.relationsByKind).map(([k, n]) => `${k} ${fmt(n)}`).join(', ');
  const skipped = Object.entries(s.skippedByReason).map(([k, n]) => `${k} ${fmt(n)}`).join(' · ');
  return [
    `Indexed ${repoRoot} (${s.mode}) in ${(s.durationMs / 1000).toFixed(1)}s · run ${s.runId.slice(0, 8)}${s.gitHead ? ` · HEAD ${s.gitHead.slice(0, 10)}` : ''}`,
    ...(s.replacedRepository ? [`Replaced the index of ${s.replacedRepository} (--replace-repository)`] : []),
    ...(s.interruptedRuns.length > 0 ? [`${s.interruptedRuns.length} earlier run(s) had been interrupted (their process died): marked interrupted, nothing of theirs kept`] : []),
    table([
      ['files', `${fmt(s.files.seen)} seen · ${fmt(s.files.parsed)} parsed · ${fmt(s.files.unchanged)} unchanged · ${fmt(s.files.deleted)} deleted · ${fmt(s.files.dependents)} re-resolved · ${fmt(s.files.skipped)} skipped`],
      ['objects', fmt(s.objects)],
      ['relations', `${fmt(s.relations)}${kinds ? ` (${kinds})` : ''}`],
      ['calls', `${fmt(s.calls.resolved)} resolved · ${fmt(s.calls.external)} external · ${fmt(s.calls.unresolved)} unresolved (this run${s.precise ? ', tree-sitter' : ''})`],
      ...(s.precise ? [['precise', preciseText(s.precise)]] : []),
      ['errors', `${fmt(s.syntaxErrorFiles)} files with syntax errors`],
      ...(skipped ? [['skipped', skipped]] : []),
      ['coverage', s.coverage.passed ? 'all gates pass' : 'some gates fail (see `agentlane kg gate`)'],
    ]),
  ].join('\n');
}

function preciseText(p: NonNullable<IndexSummary['precise']>): string {
  const stop = p.partial ? ` · PARTIAL (${p.stopReason ?? 'unreadable files'}): the rest keeps tree-sitter edges` : '';
  return (
    `checker on ${fmt(p.files.covered)}/${fmt(p.files.requested)} files in ${(p.ms / 1000).toFixed(1)}s · ` +
    `${fmt(p.sites.resolved)} resolved · ${fmt(p.sites.external)} external · ${fmt(p.sites.unresolved)} unresolved call sites${stop}`
  );
}

function statsText(s: KgStats): string {
  const lines: string[] = [];
  if (s.lastRun) {
    const took = s.lastRun.durationMs === null ? '' : ` in ${(s.lastRun.durationMs / 1000).toFixed(1)}s`;
    lines.push(`Last run ${s.lastRun.id.slice(0, 8)} (${s.lastRun.mode}) at ${s.lastRun.startedAt}${took}${s.lastRun.gitHead ? ` · HEAD ${s.lastRun.gitHead.slice(0, 10)}` : ''}`);
  }
  if (s.latestRun && s.latestRun.id !== s.lastRun?.id) {
    lines.push(`Latest run ${s.latestRun.id.slice(0, 8)} at ${s.latestRun.startedAt}: ${s.latestRun.status}${s.latestRun.error ? ` (${s.latestRun.error})` : ''}`);
  }
  if (s.interruptedRuns > 0) lines.push(`${fmt(s.interruptedRuns)} run(s) interrupted (process died before finishing; nothing of theirs was kept)`);
  lines.push('', table([['language', 'files'], ...Object.entries(s.files).map(([l, n]) => [l, fmt(n)])], new Set([1])));
  const kindRows: string[][] = [];
  for (const [language, kinds] of Object.entries(s.objectsByKind)) for (const [kind, n] of Object.entries(kinds)) kindRows.push([language, kind, fmt(n)]);
  lines.push('', table([['language', 'kind', 'objects'], ...kindRows], new Set([2])));
  lines.push('', table([['relation', 'count'], ...Object.entries(s.relationsByKind).map(([k, n]) => [k, fmt(n)])], new Set([1])));
  lines.push('', table([['resolution', 'count'], ...Object.entries(s.relationsByResolution).map(([k, n]) => [k, fmt(n)])], new Set([1])));
  if (Object.keys(s.skippedByReason).length > 0) {
    lines.push('', table([['skipped', 'count'], ...Object.entries(s.skippedByReason).map(([k, n]) => [k, fmt(n)])], new Set([1])));
  }
  lines.push('', `files with syntax errors: ${fmt(s.syntaxErrorFiles)}`, `unresolved call sites: ${fmt(s.unresolvedCalls)}`);
  if (s.syntaxErrorPaths.length > 0) {
    const more = s.syntaxErrorFiles - s.syntaxErrorPaths.length;
    lines.push('', table([['files with syntax errors', 'errors'], ...s.syntaxErrorPaths.map((f) => [f.path, fmt(f.syntaxErrors)])], new Set([1])));
    if (more > 0) lines.push(`… and ${fmt(more)} more`);
  }
  if (s.topUnresolved.length > 0) {
    lines.push('', table([['most unresolved calls', ''], ...s.topUnresolved.map((t) => [t.path, fmt(t.unresolvedCalls)])], new Set([1])));
  }
  return lines.join('\n');
}

function gateText(report: CoverageReport): string {
  const rows = report.gates.map((g) => [
    g.language,
    g.gate,
    g.percent === null ? 'n/a' : `${g.percent.toFixed(1)}%`,
    `${fmt(g.numerator)}/${fmt(g.denominator)}`,
    `≥ ${g.threshold}%`,
    g.passed ? 'pass' : 'FAIL',
  ]);
  return `${table([['language', 'gate', 'value', 'measured', 'threshold', 'result'], ...rows], new Set([2, 3]))}\n\n${report.passed ? 'All coverage gates pass.' : 'Coverage gates FAILED.'}`;
}

interface IndexCliOptions {
  full: boolean;
  json: boolean;
  maxFileBytes?: number;
  workers?: number;
  replaceRepository: boolean;
  precise?: boolean;
  preciseBudget?: number;
  repo?: string;
  watch: boolean;
}

export function kgCommand(): Command {
  const kg = new Command('kg').description('build and inspect the code knowledge graph');

  kg.command('index')
    .description('index a repository (incremental by content; --full re-parses everything)')
    .argument('[path]', 'repository root (default: .)')
    .addOption(repoAliasOption())
    .addOption(contractOption(KG_OPERATIONS.index, 'full'))
    .option('--json', 'print the run summary as JSON', false)
    .option('--max-file-bytes <n>', 'skip files larger than this (default: KG_MAX_FILE_BYTES or 1 MiB)', positiveInt)
    .option('--workers <n>', 'parse worker threads (default: KG_WORKERS or the CPU count)', positiveInt)
    .option('--replace-repository', 'when the database holds another repository\'s index, delete it and index this one', false)
    .option('--precise', 'resolve TS/JS calls with the TypeScript checker too (slower; default: KG_PRECISE or off)')
    .option('--no-precise', 'tree-sitter resolution only, even when KG_PRECISE is set')
    .option('--precise-budget <ms>', 'time budget of the precise pass (default: KG_PRECISE_BUDGET_MS or 120000)', positiveInt)
    .option('--watch', 'after the run, re-index on every change to a file the index reads, one line per run (JSON lines with --json), until Ctrl-C', false)
    .action(async (pathArg: string | undefined, opts: IndexCliOptions) => {
      const repo = chosenRepo(pathArg, opts.repo);
      assertRepositoryDirectory(path.resolve(repo));
      const [{ indexRepository }, { startEarlyParse }] = await Promise.all([indexer(), import('./kg-early-parse.js')]);
      // Parsing starts while the database opens and migrates, when the run will parse everything anyway.
      const prefetch = startEarlyParse(repo, opts);
      let ctx: Awaited<ReturnType<typeof openContext>>;
      try {
        ctx = await openContext(repo);
      } catch (error) {
        await prefetch?.pool.close();
        throw error;
      }
      const progress = progressReporter(!opts.json && !opts.watch);
      // Watching: one parse pool for every run.
      const pool = opts.watch ? (prefetch?.pool ?? (await indexer()).createParsePool(opts.workers ?? ctx.config.kg.workers)) : undefined;
      const run = (first: boolean) =>
        indexRepository(ctx.sql, {
          ...(first && prefetch ? { prefetch } : pool ? { pool } : {}),
          repoRoot: ctx.repoRoot,
          full: first && opts.full,
          maxFileBytes: opts.maxFileBytes ?? ctx.config.kg.maxFileBytes,
          workers: opts.workers ?? ctx.config.kg.workers,
          replaceRepository: opts.replaceRepository,
          precise: opts.precise ?? ctx.config.kg.precise,
          preciseLimits: { timeBudgetMs: opts.preciseBudget ?? ctx.config.kg.preciseBudgetMs },
          logger: ctx.logger,
          onProgress: (p) => progress.update(p),
        });
      try {
        if (opts.watch) {
          const [{ pathRules }, watcher] = await Promise.all([indexer(), import('./kg-watch.js')]);
          // The first run reports like every other: one line.
          try {
            watcher.printRunLine(watcher.runLine([], { summary: await run(true) }), opts.json);
          } catch (error) {
            watcher.printRunLine(watcher.runLine([], { error }), opts.json);
          }
          await watcher.watchRepository({ repoRoot: ctx.repoRoot, json: opts.json, rules: pathRules(ctx.repoRoot), run: () => run(false) });
          return;
        }
        const summary = await run(true);
        progress.stop();
        if (opts.json) printJson(summary);
        else process.stdout.write(`${summaryText(summary, ctx.repoRoot)}\n`);
      } finally {
        progress.stop();
        await (prefetch?.pool ?? pool)?.close();
        await ctx.close();
      }
    });

  kg.command('stats')
    .description('show what the index holds: files, objects, relations, skips, blind spots')
    .argument('[path]', 'repository root (default: .)')
    .addOption(repoAliasOption())
    .option('--json', 'print as JSON', false)
    .action(async (pathArg: string | undefined, opts: { json: boolean } & { repo?: string }) => {
      const repo = chosenRepo(pathArg, opts.repo);
      const ctx = await openKgContext(repo);
      try {
        const stats = await kgStats(ctx.sql);
        const { indexFreshness } = await indexer();
        const freshness = await indexFreshness(ctx.sql, { repoRoot: ctx.repoRoot, maxFileBytes: ctx.config.kg.maxFileBytes });
        if (opts.json) printJson({ ...stats, freshness });
        else {
          const state = freshness.fresh
            ? 'fresh: nothing changed since the last run'
            : `stale: ${fmt(freshness.changedFiles)} file(s) changed since the last run${freshness.examples.length > 0 ? ` (${freshness.examples.join(', ')}${freshness.changedFiles > freshness.examples.length ? ', …' : ''})` : ''}${freshness.currentHead !== freshness.indexedHead ? '; HEAD moved' : ''}`;
          process.stdout.write(`${statsText(stats)}\n\n${state}\n`);
        }
      } finally {
        await ctx.close();
      }
    });

  const gate = kg
    .command('gate')
    .description('check extraction coverage gates (seed 004); exits 1 when one fails')
    .argument('[path]', 'repository root (default: .)')
    .addOption(repoAliasOption())
    .option('--out <file>', 'where to write the JSON report', 'reports/kg/coverage.json')
    .option('--json', 'print the report as JSON', false);
  for (const name of GATE_NAMES) gate.option(`--${name} <percent>`, `threshold for ${name} (default ${DEFAULT_THRESHOLDS[name]})`, percent);
  gate.action(async (pathArg: string | undefined, opts: Partial<GateThresholds> & { out: string; json: boolean } & { repo?: string }) => {
    const repo = chosenRepo(pathArg, opts.repo);
    const ctx = await openKgContext(repo);
    try {
      await assertIndexed(ctx.sql);
      const thresholds: GateThresholds = { ...DEFAULT_THRESHOLDS };
      for (const name of GATE_NAMES) if (opts[name] !== undefined) thresholds[name] = opts[name] as number;
      const report = evaluateGates(await sumCoverage(ctx.sql), thresholds);
      const out = writeJsonReport(ctx.repoRoot, opts.out, report);
      if (opts.json) printJson(report);
      else process.stdout.write(`${gateText(report)}\nReport: ${path.relative(process.cwd(), out) || out}\n`);
      if (!report.passed) {
        const failed = report.gates.filter((g) => !g.passed).map((g) => `${g.language}.${g.gate}`);
        throw new AgentlaneError('KG_GATE_FAILED', `Coverage gates failed: ${failed.join(', ')}`, { details: { failed } });
      }
    } finally {
      await ctx.close();
    }
  });

  kg.command('export')
    .description('write the graph as JSON Lines: objects, then relations')
    .argument('[path]', 'repository root (default: .)')
    .addOption(repoAliasOption())
    .option('--out <file>', 'output file (default: stdout)')
    .action(async (pathArg: string | undefined, opts: { out?: string } & { repo?: string }) => {
      const repo = chosenRepo(pathArg, opts.repo);
      const ctx = await openKgContext(repo);
      try {
        await assertIndexed(ctx.sql);
        const stream = opts.out ? fs.createWriteStream(path.resolve(opts.out)) : process.stdout;
        const counts = await exportJsonl(ctx.sql, async (line) => {
          if (!stream.write(line)) await once(stream, 'drain');
        });
        if (opts.out) {
          await new Promise<void>((resolve, reject) => (stream as fs.WriteStream).end((error?: Error | null) => (error ? reject(error) : resolve())));
          process.stderr.write(`Wrote ${fmt(counts.objects)} objects and ${fmt(counts.relations)} relations to ${opts.out}\n`);
        }
      } finally {
        await ctx.close();
      }
    });

  addQueryCommands(kg);
  addProjectCommand(kg);
  return kg;
}
