#!/usr/bin/env node
/**
 * The hostile suites on their own: every `*.security.test.ts` file, each of whose
 * top-level `describe('security: <area>', …)` blocks holds one test per attack tried.
 * Prints tries / held / failed per area (a passing test is an attack that was held)
 * and exits 1 when any attack succeeded or no attack ran.
 *
 *   npm run test:security            # both backends where a suite uses storage
 *   npm run test:security -- --json  # the table as JSON
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const json = process.argv.includes('--json');
const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-security-')), 'results.json');
const run = spawnSync('npx', ['vitest', 'run', '--reporter=json', `--outputFile=${out}`, '--reporter=dot', 'security.test.ts'], {
  stdio: ['ignore', json ? 'ignore' : 'inherit', 'inherit'],
});
if (!fs.existsSync(out)) {
  console.error(`test:security: vitest wrote no results (exit ${run.status ?? run.signal})`);
  process.exit(1);
}
const results = JSON.parse(fs.readFileSync(out, 'utf8'));
const areas = new Map();
for (const file of results.testResults ?? []) {
  for (const test of file.assertionResults ?? []) {
    const top = test.ancestorTitles?.[0] ?? '';
    const area = top.startsWith('security: ') ? top.slice('security: '.length).trim() : `(unlabelled) ${path.basename(file.name)}`;
    const row = areas.get(area) ?? { area, tries: 0, held: 0, failed: 0, skipped: 0, failures: [] };
    if (test.status === 'passed') {
      row.tries += 1;
      row.held += 1;
    } else if (test.status === 'failed') {
      row.tries += 1;
      row.failed += 1;
      row.failures.push(test.fullName);
    } else {
      row.skipped += 1;
    }
    areas.set(area, row);
  }
}
const rows = [...areas.values()].sort((a, b) => a.area.localeCompare(b.area));
const total = rows.reduce((t, r) => ({ tries: t.tries + r.tries, held: t.held + r.held, failed: t.failed + r.failed, skipped: t.skipped + r.skipped }), { tries: 0, held: 0, failed: 0, skipped: 0 });
if (json) {
  console.log(JSON.stringify({ areas: rows, total }, null, 2));
} else {
  const width = Math.max(8, ...rows.map((r) => r.area.length));
  console.log(`\n${'area'.padEnd(width)}  tries   held  failed  skipped`);
  for (const r of rows) {
    console.log(`${r.area.padEnd(width)}  ${String(r.tries).padStart(5)}  ${String(r.held).padStart(5)}  ${String(r.failed).padStart(6)}  ${String(r.skipped).padStart(7)}`);
    for (const name of r.failures) console.log(`  FAILED: ${name}`);
  }
  console.log(`${'total'.padEnd(width)}  ${String(total.tries).padStart(5)}  ${String(total.held).padStart(5)}  ${String(total.failed).padStart(6)}  ${String(total.skipped).padStart(7)}`);
}
process.exit(total.failed > 0 || total.tries === 0 || run.status !== 0 ? 1 : 0);
