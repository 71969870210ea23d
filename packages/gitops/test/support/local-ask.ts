/**
 * A repository served by the local forge, and the ask service wired from the
 * configuration alone, as `agentlane serve` wires it: nothing injected but the
 * database. Asks are answered from cassettes recorded for the exact request.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '@agentlane/core';
import { writeCassette } from '@agentlane/llm';
import type { Sql } from '@agentlane/store';
import { askContext, askLlmRequest, auditTrail, createAskService, parseAsk, type AskService, type AuditRow, type LlmResponseV1 } from '../../src/index.js';
import { bareRepoWith } from '../../../../test/support/git-repo.js';

const root = path.resolve(import.meta.dirname, '../../../..');
export const MODEL = 'claude-sonnet-5-5';
export const REPOSITORY = 'o/sample';

export function sampleRepoFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'cells/u_contract.yaml': fs.readFileSync(path.join(root, 'cells/u_contract.yaml'), 'utf8'),
    'STATE/current_state.md': fs.readFileSync(path.join(root, 'STATE/current_state.md'), 'utf8'),
    'reports/lane/2026-11-20.md': '# Lane 2026-11-20\n\n5 of 5 microtasks succeeded.\n',
    'src/money.ts': 'export function cents(amount: number): number {\n  return Math.round(amount * 100);\n}\n',
    'README.md': '# sample\n',
  };
  for (const cell of fs.readdirSync(path.join(root, 'cells'), { withFileTypes: true }).filter((e) => e.isDirectory())) {
    files[`cells/${cell.name}/cell.yaml`] = fs.readFileSync(path.join(root, 'cells', cell.name, 'cell.yaml'), 'utf8');
  }
  return files;
}

export interface LocalAskHarness {
  service: AskService;
  config: Config;
  /** The forge's bare repository. */
  bare: string;
  /** The served checkout (cells, STATE, reports). */
  checkout: string;
  cassettes: string;
  /** Record the model's answer to `line` from `actor`. */
  answer(line: string, actor: string, answer: LlmResponseV1): Promise<void>;
  /** Deliver `line` as a comment by `login` and run it to its end; the ask's audit row. */
  ask(line: string, login: string): Promise<{ status: string; record: AuditRow | undefined }>;
  close(): Promise<void>;
}

let comments = 0;

export async function localAskHarness(sql: Sql, env: Record<string, string> = {}): Promise<LocalAskHarness> {
  const { bare, work } = bareRepoWith(sampleRepoFiles());
  const cassettes = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-cassettes-'));
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    AGENTLANE_FORGE: 'local',
    AGENTLANE_FORGE_REPO: bare,
    GITHUB_REPOSITORY: REPOSITORY,
    AGENTLANE_LOCAL_PERMISSIONS: 'writer=write,reader=read',
    LLM_PROVIDER: 'replay',
    LLM_MODEL: MODEL,
    LLM_CASSETTE_DIR: cassettes,
    KG_WORKERS: '1',
    ...env,
  });
  const service = await createAskService({ sql, config, repoRoot: work });
  return {
    service,
    config,
    bare,
    checkout: work,
    cassettes,
    async answer(line, actor, answer) {
      const command = parseAsk(line);
      const context = await askContext({ sql, forge: service.forge, llm: undefined as never, repoRoot: work, baseBranch: config.gitops.baseBranch }, { cell: command.cell, actor, command });
      await writeCassette(cassettes, askLlmRequest(context), { text: JSON.stringify(answer), usage: { inputTokens: 10, outputTokens: 10 } }, { defaultModel: MODEL });
    },
    async ask(line, login) {
      comments += 1;
      const intake = await service.intake(`delivery-${process.pid}-${comments}`, {
        action: 'created',
        issue: { number: 1 },
        comment: { id: comments, body: line, user: { login, type: 'User' } },
        repository: { full_name: REPOSITORY },
        sender: { login, type: 'User' },
      });
      await service.queue.drain();
      const [record] = 'askId' in intake ? await auditTrail(sql, { askId: intake.askId }) : [];
      return { status: intake.status, record };
    },
    close: () => service.close(),
  };
}

export const REPORT_ANSWER: LlmResponseV1 = {
  version: 1,
  summary: 'Persist the lane summary.',
  plan: ['Write reports/lane/summary.md'],
  edits: [{ path: 'reports/lane/summary.md', content: '# Lane summary\n\n- 2026-11-20: 5 of 5\n' }],
  evidence_refs: [],
};
