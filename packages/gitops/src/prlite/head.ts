import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AgentlaneError, type Config } from '@agentlane/core';
import { openPglite } from '@agentlane/store';
import { git } from '../git.js';
import type { PolicyDecision } from '../policy/evaluate.js';
import { aggregatePrLite, readPrLiteInputs, type PrLiteSummary } from './aggregate.js';
import { collectPrLiteInputs } from './collect.js';

/** Runs PR-Lite on a pull request's head and says how it went. */
export type PrLiteRunner = (context: { headSha: string; decision: PolicyDecision }) => Promise<PrLiteSummary>;

export interface HeadPrLiteOptions {
  /** The forge's git repository (bare or not): the head commit lives there. */
  forgeRepo: string;
  config: Config;
  /** The checkout agentlane serves: its state directory holds the replay cassettes the monitoring input counts. */
  repoRoot: string;
  /** Where the throwaway worktrees go. @defaultValue os.tmpdir() */
  scratchDir?: string;
}

/**
 * The local forge's check runner: PR-Lite on the pull request's head, as CI would run
 * it. A detached worktree of the forge at that commit, the three inputs collected there
 * into a throwaway in-memory database (the served index is never touched), aggregated
 * with the u_contract verdict; the worktree is removed whatever happens.
 */
export function prLiteOnHead(options: HeadPrLiteOptions): PrLiteRunner {
  return async ({ headSha, decision }) => {
    if (!/^[0-9a-f]{40}$/.test(headSha)) throw new AgentlaneError('FORGE_REQUEST_FAILED', `Not a commit SHA: ${JSON.stringify(headSha)}`);
    const scratch = await fs.mkdtemp(path.join(options.scratchDir ?? os.tmpdir(), 'agentlane-pr-lite-'));
    const tree = path.join(scratch, headSha.slice(0, 12));
    let added = false;
    const sql = await openPglite();
    try {
      await git(['worktree', 'add', '--detach', tree, headSha], { cwd: options.forgeRepo });
      added = true;
      await collectPrLiteInputs({ repoRoot: tree, cassetteRoot: options.repoRoot, sql, config: options.config });
      return aggregatePrLite({ ...(await readPrLiteInputs(tree)), policy: decision }, options.config.gitops.prLite);
    } finally {
      await sql.close();
      if (added) await git(['worktree', 'remove', '--force', tree], { cwd: options.forgeRepo, okCodes: [128] });
      await fs.rm(scratch, { recursive: true, force: true });
      // A worktree whose directory vanished some other way leaves an entry behind.
      await git(['worktree', 'prune'], { cwd: options.forgeRepo, okCodes: [128] });
    }
  };
}
