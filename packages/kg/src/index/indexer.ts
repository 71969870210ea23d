import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { AgentlaneError, coerceError, silentLogger, type Logger } from '@agentlane/core';
import type { Sql } from '@agentlane/store';
import { evaluateGates, sumCoverage, type CoverageReport } from '../coverage/gates.js';
import type { KgObject, KgRelation, ParsedFile } from '../model.js';
import { resolveImports, type FileImports } from '../resolve/bindings.js';
import { ModuleMap } from '../resolve/module-map.js';
import { Resolver, type CallOutcomes } from '../resolve/resolver.js';
import { loadModules, SymbolTable } from '../resolve/symbols.js';
import { emptyUnresolvedSites, mergeUnresolvedSites } from '../resolve/unresolved.js';
import {
  analyzeGraph,
  ANALYZE_GRAPH_WITHOUT_RANKS,
  ANALYZE_RANKS,
  collectGarbage,
  deleteFileData,
  filesImportingExternal,
  filesReferencing,
  graphTotals,
  insertObjectRows,
  insertRelationRows,
  insertRelations,
  loadFileStates,
  loadSkipStates,
  moduleIdsOf,
  objectIdsOf,
  replaceSkipped,
  upsertExternalModules,
  upsertFiles,
  type FileRow,
} from './kg-store.js';
import { deferSecondaryIndexes, type DeferredIndexes } from './deferred-indexes.js';
import { createParsePool, type ParsePool } from './parse-pool.js';
import type { ParsePrefetch } from './prefetch.js';
import type { ParseOutcome, ParseTask } from './parse-worker.js';
import { parseTaskOf } from './parse-task.js';
import { walkRepository, type SkippedPath, type WalkedFile } from './walk.js';
import { assertRepository, assertRepositoryDirectory, canonicalRoot, claimRepository } from './repository.js';
import { currentOwner, INDEX_LOCK_KEY } from './runs.js';
import { stripSourceExtension } from '../extract/language.js';
import { extractorVersion } from '../extract/version.js';
import {
  computeObjectRanks,
  RANKED_KINDS,
  rankKnownGraph,
  ranksAreStale,
  writeKnownRanks,
  type KnownRankGraph,
  type RankSummary,
  type RankTimings,
} from '../search/ranks.js';
import { PhaseTimer } from './phase-timer.js';
import { gitHead } from './git-head.js';
import { applyPrecisePass, type PreciseSummary } from '../precise/precise-pass.js';
import type { PreciseOptions } from '../precise/options.js';

export type IndexPhase = 'walk' | 'parse' | 'resolve' | 'write';

export interface IndexProgress {
  phase: IndexPhase;
  done: number;
  total: number;
}

export interface IndexOptions {
  repoRoot: string;
  /** Re-parse every file even when unchanged. @defaultValue false */
  full?: boolean;
  /** @defaultValue 1 MiB */
  maxFileBytes?: number;
  /** Parse worker threads. @defaultValue 2 */
  workers?: number;
  onProgress?: (progress: IndexProgress) => void;
  logger?: Logger;
  /** Reuse a pool across runs (benchmarks, watch mode); closed by the caller. */
  pool?: ParsePool;
  /**
   * Files queued for parsing before the database was ready (see `prefetchParse`): the run
   * takes their outcomes instead of parsing them again. Its pool is the run's pool.
   */
  prefetch?: ParsePrefetch;
  /**
   * When the database holds another repository's index: delete it and index this one
   * (instead of failing with KG_REPOSITORY_MISMATCH). @defaultValue false
   */
  replaceRepository?: boolean;
  /**
   * Resolve TS/JS calls with the TypeScript checker after the tree-sitter pass: the
   * `calls` edges of every file it covers are the checker's (resolution 'checker').
   * Costs a `ts.Program` per run (see README, "Precise calls"). @defaultValue false
   */
  precise?: boolean;
  /** Limits of the precise pass (time budget, file and byte caps, heap). */
  preciseLimits?: PreciseOptions;
}

export interface IndexSummary {
  runId: string;
  mode: 'full' | 'incremental';
  gitHead: string | null;
  files: { seen: number; parsed: number; unchanged: number; deleted: number; dependents: number; skipped: number };
  skippedByReason: Record<string, number>;
  objects: number;
  relations: number;
  relationsByKind: Record<string, number>;
  syntaxErrorFiles: number;
  calls: CallOutcomes;
  /** The PageRank recomputation, or null when the run kept the previous ranks (small change). */
  ranks: RankSummary | null;
  /** The precise (checker) call pass of this run, or null when it did not run. `calls` above counts the tree-sitter pass. */
  precise: PreciseSummary | null;
  durationMs: number;
  /** Runs left 'running' by processes that died (kill -9), marked 'interrupted' by this run. */
  interruptedRuns: string[];
  /** The canonical root of another repository whose index this run deleted (--replace-repository), else null. */
  replacedRepository: string | null;
  /**
   * Wall time per phase; parse includes the object writes that overlap it. `steps` breaks
   * the run down further (see `PhaseTimer`); a step named `… (overlapped)` ran alongside others.
   */
  timings: { walkMs: number; parseMs: number; resolveMs: number; preciseMs: number; writeMs: number; steps: Record<string, number> };
  coverage: CoverageReport;
}

/** The walker's default size limit, also the cap of what a parse worker reads. */
const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;
/** Files per write batch while parsing continues on the workers. */
const WRITE_BATCH_FILES = 200;

export { gitHead };


/**
 * Index a repository into the `kg` tables. Everything the run writes happens in
 * one transaction, so a crash (even `kill -9`) leaves the previous complete
 * index readable; unchanged files are not re-parsed; files that depend on a
 * changed file are re-resolved.
 */
export async function indexRepository(sql: Sql, options: IndexOptions): Promise<IndexSummary> {
  const started = performance.now();
  assertRepositoryDirectory(path.resolve(options.repoRoot));
  const repoRoot = canonicalRoot(options.repoRoot);
  // Fail before anything is written; checked again under the index lock.
  if (!options.replaceRepository) await assertRepository(sql, repoRoot);
  const logger = options.logger ?? silentLogger;
  const progress = options.onProgress ?? (() => undefined);
  const runId = randomUUID();
  const head = await gitHead(repoRoot);
  const indexed = await sql.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM kg.files) AS any');
  // The first run of a repository parses everything: call it what it is.
  const mode = options.full || !indexed.rows[0]?.any ? 'full' : 'incremental';

  const owner = currentOwner();
  await sql.query(`INSERT INTO kg.index_runs (id, repo_root, git_head, mode, status, pid, host) VALUES ($1, $2, $3, $4, 'running', $5, $6)`, [
    runId,
    repoRoot,
    head,
    mode,
    owner.pid,
    owner.host,
  ]);
  const ownPool = options.pool === undefined && options.prefetch === undefined;
  const pool = options.pool ?? options.prefetch?.pool ?? createParsePool(options.workers ?? 2);
  try {
    let ranUntil = 0;
    const summary = await sql.transaction(async (tx) => {
      const ran = await runIndex(tx, { ...options, repoRoot, runId, head, mode, pool, logger, progress, started });
      ranUntil = performance.now();
      return ran;
    });
    summary.timings.steps.commit = Math.round(performance.now() - ranUntil);
    logger.debug({ runId, files: summary.files, objects: summary.objects, relations: summary.relations }, 'index run succeeded');
    return summary;
  } catch (error) {
    const failure = coerceError(error);
    await sql
      .query(`UPDATE kg.index_runs SET status = 'failed', finished_at = clock_timestamp(), error = $2 WHERE id = $1`, [runId, `${failure.code}: ${failure.message}`])
      .catch(() => undefined);
    throw failure;
  } finally {
    options.prefetch?.discard();
    if (ownPool) await pool.close();
  }
}

interface RunContext extends IndexOptions {
  repoRoot: string;
  runId: string;
  head: string | null;
  mode: 'full' | 'incremental';
  pool: ParsePool;
  logger: Logger;
  progress: (progress: IndexProgress) => void;
  started: number;
}

async function runIndex(tx: Sql, ctx: RunContext): Promise<IndexSummary> {
  const locked = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS ok', [INDEX_LOCK_KEY]);
  if (!locked.rows[0]?.ok) throw new AgentlaneError('DB_LOCKED', 'Another index run is in progress on this database');
  // Runs left 'running' by a killed process: their transaction is gone, so were their writes.
  // Only runs that started before this one: a newer one is a live process about to be refused
  // the lock, and touching its row would make it wait for this transaction to say so.
  // When they died is unknown: finished_at stays empty.
  const interrupted = await tx.query<{ id: string }>(
    `UPDATE kg.index_runs SET status = 'interrupted'
      WHERE status = 'running' AND id <> $1 AND started_at < (SELECT started_at FROM kg.index_runs WHERE id = $1)
      RETURNING id`,
    [ctx.runId],
  );
  if (interrupted.rows.length > 0) ctx.logger.warn({ runs: interrupted.rows.map((r) => r.id) }, 'earlier index runs were interrupted (their process died); nothing of theirs was kept');
  // Before anything is read or deleted: this database must hold this repository.
  const replacedRepository = await claimRepository(tx, ctx.repoRoot, { replace: ctx.replaceRepository });
  if (replacedRepository) {
    ctx.logger.warn({ root: replacedRepository }, 'deleted the index of another repository (--replace-repository)');
    ctx.mode = 'full';
  }

  const steps = new PhaseTimer();
  steps.add('start (run row, lock, repository check)', performance.now() - ctx.started);
  const clock = { start: performance.now() };
  const lap = () => {
    const now = performance.now();
    const ms = Math.round(now - clock.start);
    clock.start = now;
    return ms;
  };
  ctx.progress({ phase: 'walk', done: 0, total: 1 });
  const walk = await steps.time('walk', () => walkRepository(ctx.repoRoot, { maxFileBytes: ctx.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES }));
  ctx.progress({ phase: 'walk', done: 1, total: 1 });
  const map = new ModuleMap({ ...walk, files: walk.files });
  const stored = await steps.time('load file states', () => loadFileStates(tx));
  const storedSkips = ctx.full ? new Map<string, SkippedPath>() : await steps.time('load file states', () => loadSkipStates(tx));
  const walked = new Map(walk.files.map((f) => [f.path, f]));

  const changed: WalkedFile[] = [];
  const currentExtractor = extractorVersion();
  // Files skipped for their content last time and unchanged since: the skip stands, unread.
  const keptSkips: SkippedPath[] = [];
  let unchanged = 0;
  for (const file of walk.files) {
    const before = stored.get(file.path);
    const same =
      before &&
      before.size === file.size &&
      before.mtimeMs === file.mtimeMs &&
      before.language === file.language &&
      before.extractorVersion === currentExtractor;
    const skip = before ? undefined : storedSkips.get(file.path);
    if (!ctx.full && same) unchanged += 1;
    else if (skip && skip.size === file.size && skip.mtimeMs === file.mtimeMs) {
      keptSkips.push(skip);
      unchanged += 1;
    } else changed.push(file);
  }
  const deleted = [...stored.keys()].filter((p) => !walked.has(p));
  const added = changed.filter((f) => !stored.has(f.path));

  const walkMs = lap();
  // First index of a repository: load into bare tables and build their indexes at the end.
  const deferred = stored.size === 0 ? await steps.time('drop indexes', () => deferSecondaryIndexes(tx, 'kg', ['objects', 'relations'])) : null;
  const oldIds = await steps.time('delete old', () => objectIdsOf(tx, [...changed.map((f) => f.path), ...deleted]));
  await steps.time('delete old', () => deleteFileData(tx, deleted));

  const skipped: SkippedPath[] = [...walk.skipped, ...keptSkips];
  const parsed = new Map<string, ParsedFile>();
  const parseAll = async (files: readonly WalkedFile[], phaseTotal: number, phaseDone: number) => {
    let done = phaseDone;
    let pending: ParsedFile[] = [];
    const dropped: string[] = [];
    const write = (batch: ParsedFile[], gone: string[]) => steps.time('object+local relation writes (overlapped)', () => writeBatch(batch, gone));
    const writeBatch = async (batch: ParsedFile[], gone: string[]) => {
      // Nothing to replace in a first index (and its lookup indexes are deferred).
      if (!deferred) await deleteFileData(tx, [...batch.map((f) => f.path), ...gone], { keepFileRows: true });
      if (gone.length > 0) await tx.query('DELETE FROM kg.files WHERE path = ANY($1::text[])', [gone]);
      await insertObjectRows(tx, batch.map((f) => f.objectRows).join(''));
      await insertRelationRows(tx, batch.map((f) => f.localRelationRows).join(''));
      // Written: the encoded rows are the bulk of a parsed file, so let them go now.
      for (const file of batch) {
        file.objectRows = '';
        file.localRelationRows = '';
      }
    };
    const tasks: ParseTask[] = files.map((f) => parseTaskOf(f, map, walk.root, ctx.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES));
    // Every task is queued at once so the workers never wait for the main thread;
    // finished files are written in batches on one chain of writes meanwhile.
    let writes: Promise<void> = Promise.resolve();
    const scheduleFlush = () => {
      const batch = pending;
      const gone = dropped.splice(0);
      pending = [];
      if (batch.length === 0 && gone.length === 0) return;
      writes = writes.then(() => write(batch, gone));
      // Observed at the end; this keeps a failed write from counting as unhandled meanwhile.
      writes.catch(() => undefined);
    };
    await Promise.all(
      tasks.map((task) =>
        parseOrSkip(ctx.prefetch?.take(task) ?? ctx.pool.parse(task), task).then((outcome) => {
          done += 1;
          if (outcome.ok) {
            parsed.set(outcome.file.path, outcome.file);
            pending.push(outcome.file);
          } else {
            skipped.push(outcome.skip);
            if (stored.has(task.path)) dropped.push(task.path);
          }
          ctx.progress({ phase: 'parse', done, total: phaseTotal });
          if (pending.length >= WRITE_BATCH_FILES) scheduleFlush();
        }),
      ),
    );
    scheduleFlush();
    await writes;
    return done;
  };

  ctx.logger.debug({ files: changed.length, unchanged, deleted: deleted.length }, 'parsing');
  let parsedCount = await steps.time('parse+writes', () => parseAll(changed, changed.length, 0));

  // Files whose relations may now resolve differently: they point at objects that
  // disappeared, import a changed module whose names changed, or imported (as
  // external) a module that now exists.
  const newIds = new Set([...parsed.values()].flatMap((f) => f.objects.map((o) => o.id)));
  const removedIds = [...oldIds].filter((id) => !newIds.has(id));
  const addedIds = [...newIds].filter((id) => !oldIds.has(id));
  const dependentPaths = new Set<string>();
  const dependentsStarted = performance.now();
  if (stored.size > 0) {
    for (const p of await filesReferencing(tx, removedIds)) dependentPaths.add(p);
    if (addedIds.length > 0) {
      const changedModules = [...parsed.values()].map((f) => f.objects.find((o) => o.kind === 'module')?.id).filter((id): id is string => !!id);
      for (const p of await filesReferencing(tx, changedModules, ['imports'])) dependentPaths.add(p);
    }
    const newNames = added.flatMap((f) => [map.moduleName(f.path), stripSourceExtension(f.path), path.posix.dirname(f.path)]);
    for (const p of await filesImportingExternal(tx, newNames)) dependentPaths.add(p);
    // `from pkg import sub` bound the package while pkg/sub.py did not exist: Python now imports the file.
    const packages = await moduleIdsOf(tx, parentPackagesOf(added, map));
    for (const p of await filesReferencing(tx, packages, ['imports'])) dependentPaths.add(p);
  }
  const dependents = [...dependentPaths].filter((p) => !parsed.has(p) && walked.has(p)).map((p) => walked.get(p) as WalkedFile);
  if (dependents.length > 0) {
    ctx.logger.debug({ dependents: dependents.length }, 're-resolving dependents');
    parsedCount = await parseAll(dependents, changed.length + dependents.length, parsedCount);
  }
  if (stored.size > 0) steps.add('dependents', performance.now() - dependentsStarted);

  // What was parsed ahead and not taken (unchanged files) is not needed any more.
  ctx.prefetch?.discard();
  const parseMs = lap();
  const resolveStarted = performance.now();
  // Second pass: resolve references against every module in reach.
  const files = [...parsed.values()];
  ctx.progress({ phase: 'resolve', done: 0, total: files.length });
  const table = new SymbolTable();
  const importsByFile = new Map<string, FileImports>();
  for (const file of files) {
    const imports = resolveImports(file, map);
    importsByFile.set(file.path, imports);
    table.addParsed(file, imports.bindings);
    for (const [classId, baseIds] of file.localBases) table.addBases(classId, baseIds);
  }
  if (stored.size > 0 && !ctx.full) {
    // Unchanged modules these files import directly; anything further is loaded on demand below.
    const reach = new Set<string>();
    for (const imports of importsByFile.values()) {
      for (const binding of Object.values(imports.bindings.names)) if (binding.path) reach.add(binding.path);
      for (const star of imports.bindings.stars) reach.add(star);
      for (const site of imports.sites) if ('path' in site.target) reach.add(site.target.path);
    }
    await loadModules(tx, table, reach);
  }
  const resolver = new Resolver(table, map);
  const onResolved = (done: number) => ctx.progress({ phase: 'resolve', done, total: files.length });
  let resolution = resolveAll(resolver, files, importsByFile, onResolved);
  // A lookup that reached a module the table lacks (a re-export chain, a base class
  // elsewhere) is retried once that module is loaded. Bounded: chains are short.
  for (let round = 0; round < 6 && table.missing.size > 0; round += 1) {
    const missing = [...table.missing].filter((p) => !table.modules.has(p));
    table.missing.clear();
    if (missing.length === 0) break;
    await loadModules(tx, table, missing);
    resolution = resolveAll(resolver, files, importsByFile, onResolved);
  }
  const { relations, externalModules, calls, fileRows } = resolution;
  ctx.progress({ phase: 'resolve', done: files.length, total: files.length });

  const resolveMs = lap();
  steps.add('resolve', performance.now() - resolveStarted);
  // Optional checker pass: replaces the calls edges of the TS/JS files it covers (precise/precise-pass.ts).
  const precise = ctx.precise
    ? await steps.time('precise pass', () =>
        applyPrecisePass(tx, { repoRoot: ctx.repoRoot, files, relations, fileRows, options: ctx.preciseLimits, logger: ctx.logger }),
      )
    : null;
  const preciseMs = lap();
  const written = precise?.relations ?? relations;
  ctx.progress({ phase: 'write', done: 0, total: 1 });
  await steps.time('external modules', () => upsertExternalModules(tx, [...externalModules.values()]));
  await steps.time('relation writes', () => insertRelations(tx, written));
  if (removedIds.length > 0) await steps.time('relation writes', () => tx.query('DELETE FROM kg.relations WHERE dst = ANY($1::uuid[])', [removedIds]));
  await steps.time('file rows', () => upsertFiles(tx, fileRows, ctx.runId));
  await steps.time('garbage collection', () => collectGarbage(tx));
  await steps.time('skips', () => replaceSkipped(tx, skipped, ctx.runId));
  let ranks: RankSummary | null = null;
  if (deferred) {
    // The checker pass rewrote calls edges the workers had counted: ranks then read the graph back.
    ranks = await finishFirstIndex(tx, deferred, steps, precise ? null : knownRankGraph(files, externalModules, relations));
  } else if (ctx.mode === 'full' || (await ranksAreStale(tx, newIds.size + removedIds.length))) {
    const rankTimings: RankTimings = { graphMs: 0, iterateMs: 0, writeMs: 0 };
    ranks = await computeObjectRanks(tx, rankTimings);
    addRankSteps(steps, 'ranks: graph from database', rankTimings);
    // A change big enough to re-rank is big enough to move the planner's estimates.
    await steps.time('analyze', () => analyzeGraph(tx));
  }

  const coverage = evaluateGates(await steps.time('coverage+totals', () => sumCoverage(tx)));
  const totals = await steps.time('coverage+totals', () => graphTotals(tx));
  const writeMs = lap();
  const skippedByReason: Record<string, number> = {};
  for (const skip of skipped) skippedByReason[skip.reason] = (skippedByReason[skip.reason] ?? 0) + 1;
  const summary: IndexSummary = {
    runId: ctx.runId,
    mode: ctx.mode,
    gitHead: ctx.head,
    files: {
      seen: walk.files.length,
      parsed: parsedCount,
      unchanged,
      deleted: deleted.length,
      dependents: dependents.length,
      skipped: skipped.length,
    },
    skippedByReason,
    objects: totals.objects,
    relations: totals.relations,
    relationsByKind: totals.relationsByKind,
    syntaxErrorFiles: totals.syntaxErrorFiles,
    calls,
    ranks,
    precise: precise?.summary ?? null,
    durationMs: Math.round(performance.now() - ctx.started),
    interruptedRuns: interrupted.rows.map((r) => r.id),
    replacedRepository,
    timings: { walkMs, parseMs, resolveMs, preciseMs, writeMs, steps: steps.rounded() },
    coverage,
  };
  await tx.query(
    // clock_timestamp(), not now(): now() is when this transaction began, near the start of the run.
    `UPDATE kg.index_runs SET status = 'succeeded', mode = $4, finished_at = clock_timestamp(), stats = $2::jsonb, coverage = $3::jsonb WHERE id = $1`,
    [ctx.runId, JSON.stringify({ ...summary, coverage: undefined }), JSON.stringify(coverage), ctx.mode],
  );
  ctx.progress({ phase: 'write', done: 1, total: 1 });
  return summary;
}

function addRankSteps(steps: PhaseTimer, graphStep: string, timings: RankTimings): void {
  steps.add(graphStep, timings.graphMs);
  steps.add('ranks: iterate', timings.iterateMs);
  steps.add('ranks: write', timings.writeMs);
}

/**
 * The tail of a first index, overlapped: the server builds the deferred indexes
 * and refreshes the planner's statistics (one round trip) while this thread
 * computes the ranks from the graph it holds; then the ranks are written and
 * analyzed. On PGlite the database shares this thread, so nothing overlaps
 * there, but nothing is lost either.
 */
async function finishFirstIndex(tx: Sql, deferred: DeferredIndexes, steps: PhaseTimer, known: KnownRankGraph | null): Promise<RankSummary> {
  const started = performance.now();
  const building = deferred.restore([ANALYZE_GRAPH_WITHOUT_RANKS]);
  // Observed below; keeps a failure from counting as unhandled while the ranks are computed.
  building.catch(() => undefined);
  const ranked = known ? rankKnownGraph(known) : null;
  const rankedAt = performance.now();
  if (ranked) steps.add('ranks: graph from memory + iterate (overlapped)', rankedAt - started);
  await building;
  steps.add('index builds + analyze', performance.now() - started);
  const writeStarted = performance.now();
  let summary: RankSummary;
  if (ranked && (await writeKnownRanks(tx, ranked))) {
    summary = { objects: ranked.objects, edges: ranked.edges, iterations: ranked.iterations, ms: Math.round(rankedAt - started + performance.now() - writeStarted) };
    steps.add('ranks: write', performance.now() - writeStarted);
  } else {
    const rankTimings: RankTimings = { graphMs: 0, iterateMs: 0, writeMs: 0 };
    summary = await computeObjectRanks(tx, rankTimings);
    addRankSteps(steps, 'ranks: graph from database', rankTimings);
  }
  await steps.time('analyze ranks', () => tx.exec(ANALYZE_RANKS));
  return summary;
}

/**
 * The rank graph of a first index from what the run holds: parsed objects, the
 * external modules resolution created, the relations the workers settled
 * (`localRankEdges`) and those resolution found. Null when a file's local
 * edges could not be encoded: ranks then read the graph back.
 */
function knownRankGraph(files: readonly ParsedFile[], externals: ReadonlyMap<string, KgObject>, relations: readonly KgRelation[]): KnownRankGraph | null {
  const objectIds: string[] = [];
  const edges: number[] = [];
  for (const file of files) {
    const local = file.localRankEdges;
    if (local === null) return null;
    const offset = objectIds.length;
    for (const object of file.objects) objectIds.push(object.id);
    for (let i = 0; i + 2 < local.length; i += 3) edges.push(offset + (local[i] as number), offset + (local[i + 1] as number), local[i + 2] as number);
  }
  for (const id of externals.keys()) objectIds.push(id);
  const index = new Map<string, number>();
  objectIds.forEach((id, i) => index.set(id, i));
  for (const relation of relations) {
    const kind = RANKED_KINDS.indexOf(relation.kind);
    const src = index.get(relation.src);
    const dst = index.get(relation.dst);
    if (kind >= 0 && src !== undefined && dst !== undefined) edges.push(src, dst, kind);
  }
  return { objectIds, edges: Int32Array.from(edges) };
}

function countByKind(relations: readonly KgRelation[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const relation of relations) counts[relation.kind] = (counts[relation.kind] ?? 0) + 1;
  return counts;
}

interface Resolution {
  relations: KgRelation[];
  externalModules: Map<string, KgObject>;
  calls: CallOutcomes;
  fileRows: FileRow[];
}

/** Both resolution passes over the files being (re)indexed. Pure given the symbol table. */
function resolveAll(
  resolver: Resolver,
  files: readonly ParsedFile[],
  importsByFile: ReadonlyMap<string, FileImports>,
  onProgress: (done: number) => void = () => undefined,
): Resolution {
  const relations: KgRelation[] = [];
  const externalModules = new Map<string, KgObject>();
  const calls: CallOutcomes = { resolved: 0, external: 0, unresolved: 0 };
  const heritageByFile = new Map<string, KgRelation[]>();
  for (const file of files) heritageByFile.set(file.path, resolver.resolveHeritage(file).relations);
  const fileRows: FileRow[] = [];
  for (const file of files) {
    const imports = importsByFile.get(file.path) as FileImports;
    const result = resolver.resolveFile(file, imports);
    const fileRelations = [...(heritageByFile.get(file.path) ?? []), ...result.relations];
    relations.push(...fileRelations);
    for (const external of result.externalModules) externalModules.set(external.id, external);
    // Add what the parse worker settled within the file (already written).
    const relationCounts = countByKind(fileRelations);
    for (const [kind, n] of Object.entries(file.localRelationCounts)) relationCounts[kind] = (relationCounts[kind] ?? 0) + n;
    const unresolvedCalls = result.calls.unresolved + file.localCalls.unresolved;
    const unresolvedSites = mergeUnresolvedSites(mergeUnresolvedSites(emptyUnresolvedSites(), file.localUnresolvedSites), result.unresolvedSites);
    calls.resolved += result.calls.resolved + file.localCalls.resolved;
    calls.external += result.calls.external;
    calls.unresolved += unresolvedCalls;
    fileRows.push({
      path: file.path,
      language: file.language,
      moduleName: file.moduleName,
      sha256: file.sha256,
      size: file.size,
      mtimeMs: file.mtimeMs,
      lineCount: file.lineCount,
      objectCount: file.objects.length,
      syntaxErrors: file.syntaxErrors,
      unresolvedCalls,
      unresolvedSites,
      relationCounts,
      bindings: imports.bindings,
      coverage: file.coverage,
    });
    if (fileRows.length % 200 === 0) onProgress(fileRows.length);
  }
  return { relations, externalModules, calls, fileRows };
}

/** The package files (`pkg/__init__.py`) of new Python modules. */
function parentPackagesOf(files: readonly WalkedFile[], map: ModuleMap): string[] {
  const packages = new Set<string>();
  for (const file of files) {
    if (file.language !== 'py') continue;
    const name = map.moduleName(file.path);
    const dot = name.lastIndexOf('.');
    const parent = dot < 0 ? null : map.pythonModuleFile(name.slice(0, dot));
    if (parent && parent !== file.path) packages.add(parent);
  }
  return [...packages];
}

/** One bad file never aborts a run: even a crashed worker becomes a recorded skip. */
async function parseOrSkip(parsing: Promise<ParseOutcome>, task: ParseTask): Promise<ParseOutcome> {
  try {
    return await parsing;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, skip: { path: task.path, reason: 'parse_failed', detail: message.slice(0, 500) } };
  }
}
