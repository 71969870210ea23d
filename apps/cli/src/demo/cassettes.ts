import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalForge, askContext, askLlmRequest, migrateGitops, parseAsk } from '@agentlane/gitops';
import { createReplayProvider, writeCassette } from '@agentlane/llm';
import { openPglite } from '@agentlane/store';
import { createSampleRepos } from './run.js';
import { DEMO_ACTOR, DEMO_ANSWER, DEMO_ASK, DEMO_CASSETTES, DEMO_MODEL } from './sample.js';

/**
 * Re-key the demo's cassette: build the sample repository, compute the exact
 * request the demo's /ask makes, and store DEMO_ANSWER under its hash (replacing
 * the old cassettes). Run after changing the prompt, the context or the sample.
 */
export async function writeDemoCassettes(dir: string = DEMO_CASSETTES): Promise<{ hash: string; path: string }> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-demo-cassettes-'));
  const { checkout, forge } = await createSampleRepos(scratch);
  const sql = await openPglite();
  try {
    await migrateGitops(sql);
    const command = parseAsk(DEMO_ASK);
    const deps = { sql, forge: new LocalForge({ repoPath: forge, sql }), llm: createReplayProvider({ dir, defaultModel: DEMO_MODEL }), repoRoot: checkout, baseBranch: 'main' };
    const context = await askContext(deps, { cell: command.cell, actor: DEMO_ACTOR, command });
    fs.mkdirSync(dir, { recursive: true });
    for (const file of fs.readdirSync(dir)) if (file.endsWith('.json')) fs.rmSync(path.join(dir, file));
    return await writeCassette(dir, askLlmRequest(context), { text: JSON.stringify(DEMO_ANSWER), usage: { inputTokens: 0, outputTokens: 0 } }, { defaultModel: DEMO_MODEL });
  } finally {
    await sql.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
