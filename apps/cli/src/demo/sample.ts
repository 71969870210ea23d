import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LlmResponseV1 } from '@agentlane/gitops';

/**
 * Where the demo's assets (cells, policy, STATE, recorded answers) live: the checkout's
 * root, or the installed package's root (`npm run pack:cli` ships them there).
 */
export const AGENTLANE_ROOT = demoAssetsRoot(path.dirname(fileURLToPath(import.meta.url)));

function demoAssetsRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'cells', 'u_contract.yaml')) && fs.existsSync(path.join(dir, 'demo', 'cassettes'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from, '../../../..');
  }
}
/** The recorded answers the demo's replay LLM gives. */
export const DEMO_CASSETTES = path.join(AGENTLANE_ROOT, 'demo', 'cassettes');

export const DEMO_ACTOR = 'demo-user';
export const DEMO_REPO = 'demo/sample-app';
export const DEMO_ISSUE = 1;
export const DEMO_ASK = '/ask persist-report persist_report "lane summary"';
export const DEMO_MODEL = 'claude-sonnet-5-5';

/**
 * The answer the demo's model gives to DEMO_ASK. Written by hand (no model API is
 * reachable where agentlane is built) and stored as a cassette keyed on the exact
 * request, like a recorded one: `npm run demo:cassettes` re-keys it when the
 * request changes.
 */
export const DEMO_ANSWER: LlmResponseV1 = {
  version: 1,
  summary: 'Persist a lane summary: the night of 2026-11-20 ran 5 microtasks, all green, covering fix, test and refactor.',
  plan: ['Read reports/lane/2026-11-20.md', 'Write reports/lane/summary.md with the totals and the kinds covered'],
  edits: [
    {
      path: 'reports/lane/summary.md',
      content: '# Lane summary\n\n| night | microtasks | succeeded | kinds |\n|---|---|---|---|\n| 2026-11-20 | 5 | 5 | fix, test, refactor |\n',
    },
  ],
  evidence_refs: ['report:reports/lane/2026-11-20.md'],
};

/** The sample application the demo works on: a little TypeScript and Python, cells, STATE and one lane report. */
export function sampleFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'README.md': '# sample-app\n\nA tiny app the agentlane demo changes through a pull request.\n',
    'packages/app/src/cart.ts': [
      "import { formatPrice } from './money.js';",
      '',
      'export interface Item {',
      '  sku: string;',
      '  price: number;',
      '  quantity: number;',
      '}',
      '',
      '/** The total of a cart, formatted. */',
      'export function cartTotal(items: readonly Item[]): string {',
      '  return formatPrice(items.reduce((sum, item) => sum + item.price * item.quantity, 0));',
      '}',
      '',
    ].join('\n'),
    'packages/app/src/money.ts': 'export function formatPrice(cents: number): string {\n  return `$${(cents / 100).toFixed(2)}`;\n}\n',
    'tools/report.py': 'def summarize(rows: list[dict]) -> str:\n    """One line per row."""\n    return "\\n".join(f"{r[\'name\']}: {r[\'value\']}" for r in rows)\n',
    'reports/lane/2026-11-20.md': '# Lane 2026-11-20\n\n5 of 5 microtasks succeeded (fix 2, test 2, refactor 1). No validator stopped a task.\n',
    'STATE/current_state.md': fs.readFileSync(path.join(AGENTLANE_ROOT, 'STATE/current_state.md'), 'utf8'),
    'cells/u_contract.yaml': fs.readFileSync(path.join(AGENTLANE_ROOT, 'cells/u_contract.yaml'), 'utf8'),
  };
  for (const entry of fs.readdirSync(path.join(AGENTLANE_ROOT, 'cells'), { withFileTypes: true })) {
    if (entry.isDirectory()) files[`cells/${entry.name}/cell.yaml`] = fs.readFileSync(path.join(AGENTLANE_ROOT, 'cells', entry.name, 'cell.yaml'), 'utf8');
  }
  return files;
}
