import fs from 'node:fs';
import path from 'node:path';
import { AgentlaneError, silentLogger, type Config, type Logger } from '@agentlane/core';
import { createAgentRegistry, createEngine, migrateEngine, type Engine } from '@agentlane/engine';
import { buildContext } from '@agentlane/kg';
import { validateProposedFiles } from '@agentlane/lane';
import { createProvider, type LlmProvider } from '@agentlane/llm';
import type { Sql } from '@agentlane/store';
import { bullmqAskQueue, inlineAskQueue, type AskQueue } from './ask/queue.js';
import { takeAsk, type IntakeResult } from './ask/intake.js';
import { loadCells } from './cells/load.js';
import type { Cell } from './cells/schema.js';
import { GitHubForge } from './forge/github.js';
import { LocalForge } from './forge/local.js';
import type { Forge } from './forge/port.js';
import type { KgContextProvider } from './loop/evidence.js';
import type { ContentFinding } from './loop/publish.js';
import type { ProposedChange } from './loop/apply.js';
import { decideMerge, type MergeDecision } from './loop/merge.js';
import { takeCheckEvent, type CheckEvent, type CheckEventResult } from './webhooks/checks.js';
import { askAgents, runAsk, type AskRunResult } from './loop/workflow.js';
import { prLiteOnHead, type PrLiteRunner } from './prlite/head.js';
import { migrateGitops } from './schema.js';

export interface AskServiceOptions {
  sql: Sql;
  config: Config;
  /** The repository checkout (cells, STATE, reports). */
  repoRoot: string;
  logger?: Logger;
  /** Overrides: the demo and tests bring their own. */
  forge?: Forge;
  llm?: LlmProvider;
  cassetteDir?: string;
  /**
   * The `owner/name` whose /ask comments are taken. Default: GITHUB_REPOSITORY, else
   * the GitHub forge's repository; with neither, every delivery is refused.
   */
  repository?: string;
  kgContext?: KgContextProvider;
  validateContent?: (edits: ProposedChange['edits']) => Promise<ContentFinding[]>;
  /** PR-Lite on a PR's head. Default: the local forge runs it itself (prLiteOnHead); on GitHub, Actions does. */
  runPrLite?: PrLiteRunner;
}

export interface AskService {
  forge: Forge;
  cells: ReadonlyMap<string, Cell>;
  engine: Engine;
  queue: AskQueue;
  /** Take an `issue_comment` delivery (signature already verified). */
  intake(deliveryId: string, payload: unknown): Promise<IntakeResult>;
  run(askId: string): Promise<AskRunResult>;
  /** A check_run / check_suite / workflow_run / pull_request delivery (signature verified): decide again for that head. */
  takeCheckEvent(event: CheckEvent, deliveryId: string, payload: unknown): Promise<CheckEventResult>;
  /** Decide again what becomes of an open agent PR (a check finished, the base moved): merge, review, close or wait. */
  decideMerge(changeRequestId: string): Promise<MergeDecision | null>;
  close(): Promise<void>;
}

function privateKeyOf(value: string): string {
  if (value.includes('-----BEGIN')) return value.replace(/\\n/g, '\n');
  try {
    return fs.readFileSync(path.resolve(value), 'utf8');
  } catch {
    throw new AgentlaneError('CONFIG_INVALID', 'GITHUB_APP_PRIVATE_KEY is neither a PEM key nor a readable file', { details: { problems: ['GITHUB_APP_PRIVATE_KEY'] } });
  }
}

/** The lane's import, dangerous-symbol and banned-pattern checks over a proposal, against the base branch. */
export function laneContentValidator(forge: Forge, baseBranch: string): (edits: ProposedChange['edits']) => Promise<ContentFinding[]> {
  return async (edits) => {
    const findings = await validateProposedFiles(edits, (file) => forge.readFile(baseBranch, file));
    return findings.map((f) => ({ validator: `${f.validator}/${f.rule}`, path: f.file ?? '', ...(f.line ? { line: f.line } : {}), detail: f.message }));
  };
}

/** Tokens of KG context per query in CONTEXT_JSON. */
export const KG_CONTEXT_BUDGET = 1_500;

/**
 * A cell's KG queries answered by the knowledge graph's context packs (signatures by
 * file, cut to a budget); nothing when the repository has not been indexed (or the
 * database has no KG at all).
 */
export function kgContextPack(sql: Sql, budgetTokens = KG_CONTEXT_BUDGET): KgContextProvider {
  return async (query) => {
    const schema = await sql.query<{ present: boolean }>(`SELECT to_regclass('kg.files') IS NOT NULL AS present`);
    if (!schema.rows[0]?.present) return null;
    try {
      const pack = await buildContext(sql, { query, budgetTokens });
      return pack.text.length > 0 ? pack.text : null;
    } catch (error) {
      if ((error as { code?: string }).code === 'KG_NO_INDEX') return null;
      throw error;
    }
  };
}

/** The forge the configuration names; the local forge's permissions come from AGENTLANE_LOCAL_PERMISSIONS. */
export async function forgeFromConfig(config: Config, sql: Sql, repoRoot: string): Promise<Forge> {
  const gitops = config.gitops;
  if (gitops.forge === 'local') return new LocalForge({ repoPath: gitops.forgeRepo ?? repoRoot, sql, collaborators: gitops.localPermissions });
  const { repo, auth, apiUrl } = gitops.github;
  if (!repo || !auth) {
    throw new AgentlaneError('CONFIG_INVALID', 'AGENTLANE_FORGE=github needs GITHUB_REPOSITORY and GITHUB_TOKEN (or the three GITHUB_APP_* variables)', {
      details: { problems: [!repo ? 'GITHUB_REPOSITORY: required' : null, !auth ? 'GITHUB_TOKEN or GITHUB_APP_*: required' : null].filter(Boolean) },
    });
  }
  return GitHubForge.create({ repo, apiUrl, auth: auth.kind === 'app' ? { ...auth, privateKey: privateKeyOf(auth.privateKey) } : auth });
}

/**
 * Everything `/ask` needs, wired from the configuration: the forge, the cells, an
 * engine whose registry has the ask agents, and the ask queue (BullMQ with
 * REDIS_URL, else inline). Migrates the gitops and engine_v2 schemas.
 */
export async function createAskService(options: AskServiceOptions): Promise<AskService> {
  const { sql, config, repoRoot } = options;
  const logger = options.logger ?? silentLogger;
  await migrateGitops(sql);
  await migrateEngine(sql);
  const forge = options.forge ?? (await forgeFromConfig(config, sql, repoRoot));
  const cells = await loadCells(repoRoot);
  // The local forge has no CI: it runs PR-Lite on the head itself, whoever wired the service.
  const runPrLite = options.runPrLite ?? (forge.kind === 'local' ? prLiteOnHead({ forgeRepo: forge.repo, config, repoRoot }) : undefined);
  const llm = options.llm ?? createProvider(config, { repoRoot, logger, ...(options.cassetteDir ? { cassetteDir: options.cassetteDir } : {}) });
  const deps = {
    sql,
    forge,
    llm,
    repoRoot,
    baseBranch: config.gitops.baseBranch,
    kgContext: options.kgContext ?? kgContextPack(sql),
    validateContent: options.validateContent ?? laneContentValidator(forge, config.gitops.baseBranch),
    ...(runPrLite ? { runPrLite } : {}),
  };
  // The ask's engine runs inline in whichever process takes the ask off its queue.
  const engine = createEngine({
    sql,
    logger,
    agents: createAgentRegistry(askAgents(deps)),
    workers: config.engine.workers,
    leaseMs: config.engine.leaseMs,
    stagingRoot: config.engine.stagingDir,
  });
  const run = (askId: string) => runAsk(engine, deps, askId);
  const repository = options.repository ?? config.gitops.github.repo ?? (forge.kind === 'github' ? forge.repo : undefined);
  const queue = config.redisUrl
    ? bullmqAskQueue(async (askId) => void (await run(askId)), { url: config.redisUrl, prefix: config.engine.queuePrefix, logger })
    : inlineAskQueue(async (askId) => void (await run(askId)), logger);
  queue.startWorker();
  return {
    forge,
    cells,
    engine,
    queue,
    intake: (deliveryId, payload) => takeAsk({ sql, forge, repository, cells, enqueue: (id) => queue.enqueue(id) }, deliveryId, payload),
    run,
    takeCheckEvent: (event, _deliveryId, payload) => takeCheckEvent({ sql, forge, repository }, event, payload),
    decideMerge: (changeRequestId) => decideMerge({ sql, forge }, changeRequestId),
    async close() {
      await queue.close();
      await engine.close();
    },
  };
}
