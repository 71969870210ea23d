import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '@agentlane/core';
import { evaluateGates, indexRepository, migrateKg, sumCoverage, type CoverageReport } from '@agentlane/kg';
import { cassetteDirFor, DEFAULT_MODELS } from '@agentlane/llm';
import type { Sql } from '@agentlane/store';
import { loadCells } from '../cells/load.js';
import { loadPolicy } from '../policy/load.js';
import { readSections, STATE_PATH } from '../state/markers.js';
import { PRLITE_INPUTS, type MonitoringReport, type QualitySummary, type SmokeOutput } from './aggregate.js';

export interface CollectOptions {
  repoRoot: string;
  sql: Sql;
  config: Config;
  /** The repository whose state directory holds the replay cassettes (PR-Lite on a PR head: the served checkout). @defaultValue repoRoot */
  cassetteRoot?: string;
  /** Where the three files go. @defaultValue repoRoot */
  outDir?: string;
  /** Redis health, when the configuration has a Redis (injected: gitops does not open connections of its own here). */
  pingRedis?: () => Promise<boolean>;
  now?: () => Date;
}

export interface Collected {
  smoke: SmokeOutput;
  monitoring: MonitoringReport;
  quality: QualitySummary;
  files: string[];
}

async function check(name: string, work: () => Promise<string | void>): Promise<{ name: string; ok: boolean; detail?: string }> {
  try {
    const detail = await work();
    return { name, ok: true, ...(detail ? { detail } : {}) };
  } catch (error) {
    return { name, ok: false, detail: (error as Error).message.split('\n')[0] ?? 'failed' };
  }
}

/**
 * Write PR-Lite's three inputs from real checks of this checkout:
 * - smoke: the database answers and migrates, the u_contract policy and every cell
 *   parse, STATE's markers balance, the repository indexes into the KG;
 * - quality (light): the KG coverage gates on that index;
 * - monitoring: health of the database, Redis (when configured) and the LLM
 *   provider, and the ranked LLM routing candidates (providers with a key, and
 *   replay when it has cassettes).
 */
export async function collectPrLiteInputs(options: CollectOptions): Promise<Collected> {
  const { repoRoot, sql, config } = options;
  const now = options.now ?? (() => new Date());
  const outDir = path.resolve(options.outDir ?? repoRoot);
  let coverage: CoverageReport | null = null;
  const smokeChecks = [
    await check('database', async () => void (await sql.query('SELECT 1'))),
    await check('u_contract policy', async () => `${Object.keys((await loadPolicy(repoRoot)).categories).length} categories`),
    await check('cells', async () => `${(await loadCells(repoRoot)).size} cells`),
    await check('STATE markers', async () => {
      const text = await fs.readFile(path.join(repoRoot, STATE_PATH), 'utf8').catch(() => '');
      return `${readSections(text).size} generated sections`;
    }),
    await check('kg index', async () => {
      await migrateKg(sql);
      const summary = await indexRepository(sql, { repoRoot, workers: config.kg.workers, maxFileBytes: config.kg.maxFileBytes });
      coverage = evaluateGates(await sumCoverage(sql));
      return `${summary.objects} objects, ${summary.relations} relations`;
    }),
  ];
  const smoke: SmokeOutput = { ok: smokeChecks.every((c) => c.ok), checks: smokeChecks };

  const gates = (coverage as CoverageReport | null)?.gates ?? [];
  const qualityChecks = gates
    .filter((g) => g.percent !== null)
    .map((g) => ({ name: `kg coverage: ${g.language} ${g.gate}`, ok: g.passed, detail: `${g.percent}% (min ${g.threshold}%)` }));
  const quality: QualitySummary = { ran: qualityChecks.length, passed: qualityChecks.filter((c) => c.ok).length, failed: qualityChecks.filter((c) => !c.ok).length, checks: qualityChecks };

  const at = () => now().toISOString();
  const health: MonitoringReport['health'] = [{ name: 'database', ok: smokeChecks[0]?.ok ?? false, checked_at: at() }];
  if (config.redisUrl && options.pingRedis) health.push({ name: 'redis', ok: await options.pingRedis().catch(() => false), checked_at: at() });
  const ranked: MonitoringReport['routing']['ranked'] = [];
  if (config.llm.anthropicApiKey) ranked.push({ provider: 'anthropic', model: config.llm.model ?? DEFAULT_MODELS.anthropic, rank: ranked.length + 1 });
  if (config.llm.openaiApiKey) ranked.push({ provider: 'openai', model: config.llm.model ?? DEFAULT_MODELS.openai, rank: ranked.length + 1 });
  const cassettes = cassetteDirFor(config, { repoRoot: options.cassetteRoot ?? repoRoot });
  const recorded = (await fs.readdir(cassettes).catch(() => [])).filter((f) => f.endsWith('.json')).length;
  if (recorded > 0) ranked.push({ provider: 'replay', model: config.llm.model ?? DEFAULT_MODELS.anthropic, rank: ranked.length + 1 });
  const llmConfigured = config.llm.provider === 'replay' ? recorded > 0 : ranked.some((r) => r.provider === config.llm.provider);
  health.push({ name: `llm provider (${config.llm.provider})`, ok: llmConfigured, checked_at: at(), detail: config.llm.provider === 'replay' ? `${recorded} cassettes in ${path.relative(repoRoot, cassettes) || '.'}` : 'key configured' });
  const monitoring: MonitoringReport = { generated_at: at(), health, routing: { ranked } };

  const files: string[] = [];
  for (const [file, value] of [
    [PRLITE_INPUTS.smoke, smoke],
    [PRLITE_INPUTS.monitoring, monitoring],
    [PRLITE_INPUTS.quality, quality],
  ] as const) {
    const target = path.join(outDir, file);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.writeFile(target, `${JSON.stringify(value, null, 2)}\n`);
    files.push(target);
  }
  return { smoke, monitoring, quality, files };
}
