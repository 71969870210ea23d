#!/usr/bin/env node
/**
 * Time the TypeScript extractor (parse + repair + extraction) over source
 * trees, median of 3 runs, and count the files left with syntax errors.
 *
 *   node scripts/bench-kg-ts-parse.mjs [--baseline <other checkout>] <dir>...
 *
 * With --baseline, the same files go through the other checkout's built
 * extractor too (its packages/kg/dist), printed side by side: how the repair
 * pass is measured against main. Build both first (`npm run build`).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
let baseline = null;
const dirs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--baseline') baseline = args[++i];
  else dirs.push(args[i]);
}
if (dirs.length === 0) {
  console.error('usage: bench-kg-ts-parse.mjs [--baseline <checkout>] <dir>...');
  process.exit(2);
}

function filesUnder(dir) {
  const out = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry !== 'node_modules') out.push(...filesUnder(path));
    } else if (/\.(?:[mc]?ts|tsx)$/.test(path)) out.push(path);
  }
  return out;
}

async function extractorOf(checkout) {
  const url = pathToFileURL(resolve(checkout, 'packages/kg/dist/extract/typescript.js')).href;
  return (await import(url)).extractTypeScript;
}

function once(extract, files) {
  let errorFiles = 0;
  const started = performance.now();
  for (const [path, source] of files) {
    if (extract({ filePath: path, source, moduleName: 'm' }).syntaxErrors > 0) errorFiles += 1;
  }
  return { ms: performance.now() - started, errorFiles };
}

const here = resolve(new URL('..', import.meta.url).pathname);
const candidates = [['this checkout', await extractorOf(here)]];
if (baseline) candidates.push(['baseline', await extractorOf(baseline)]);

for (const dir of dirs) {
  const files = filesUnder(dir).map((path) => [path, readFileSync(path, 'utf8')]);
  const mb = files.reduce((n, [, s]) => n + s.length, 0) / 1e6;
  console.log(`${dir}: ${files.length} files, ${mb.toFixed(2)} M chars`);
  // One warm-up pass each, then the runs interleaved, so neither side gets the warmer machine.
  for (const [, extract] of candidates) once(extract, files.slice(0, 20));
  const times = candidates.map(() => []);
  const errors = candidates.map(() => 0);
  for (let round = 0; round < 3; round++) {
    candidates.forEach(([, extract], i) => {
      const { ms, errorFiles } = once(extract, files);
      times[i].push(ms);
      errors[i] = errorFiles;
    });
  }
  candidates.forEach(([label], i) => {
    const median = times[i].sort((a, b) => a - b)[1];
    console.log(`  ${label.padEnd(14)} median ${median.toFixed(0).padStart(6)} ms · ${errors[i]} files with syntax errors`);
  });
}
