#!/usr/bin/env node
/**
 * npm run pack:cli [-- --out <dir>] [--json]
 *
 * Packs the agentlane command as ONE npm package (`agentlane-<version>.tgz`) that
 * `npm install -g` installs on a machine that has never seen this repository.
 *
 * The workspace packages (@agentlane/*) are not published, so they travel inside the
 * tarball as bundled dependencies: each one's compiled dist/ and SQL migrations under
 * node_modules/@agentlane/<name>/. Their third-party dependencies are declared by the
 * packed package itself, so npm installs them as usual (the bundled packages find them
 * by Node's ordinary upward module resolution). The demo's assets (cells, the policy,
 * the recorded LLM answers, STATE) ride along so `agentlane demo` works installed.
 *
 * Requires a build (`npm run build`), which `npm run pack:cli` runs first.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: path.join(ROOT, 'dist-pack') },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write('usage: npm run pack:cli -- [--out <dir>] [--json]\nWrites agentlane-<version>.tgz (default dir: dist-pack/).\n');
  process.exit(0);
}

const readJson = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
const rootManifest = readJson(path.join(ROOT, 'package.json'));
const workspaces = rootManifest.workspaces.map((dir) => ({ dir: path.join(ROOT, dir), manifest: readJson(path.join(ROOT, dir, 'package.json')) }));
const byName = new Map(workspaces.map((w) => [w.manifest.name, w]));
const cli = byName.get('@agentlane/cli');
if (!cli) throw new Error('pack-cli: the @agentlane/cli workspace is missing');

/** Every workspace package the CLI reaches, the CLI first. */
function reachable(name, seen = new Set()) {
  if (seen.has(name)) return seen;
  seen.add(name);
  for (const dep of Object.keys(byName.get(name).manifest.dependencies ?? {})) {
    if (byName.has(dep)) reachable(dep, seen);
  }
  return seen;
}
const internal = [...reachable(cli.manifest.name)];

/** Third-party runtime dependencies of all of them; two different ranges for one package is an error. */
const external = {};
for (const name of internal) {
  for (const [dep, range] of Object.entries(byName.get(name).manifest.dependencies ?? {})) {
    if (byName.has(dep) || dep.startsWith('@types/')) continue;
    if (external[dep] && external[dep] !== range) {
      throw new Error(`pack-cli: ${dep} is required as ${external[dep]} and as ${range}; align the workspaces first`);
    }
    external[dep] = range;
  }
}

const skip = (file) => file.endsWith('.tsbuildinfo') || file.endsWith('.d.ts') || file.endsWith('.map');
function copyTree(from, to) {
  if (!fs.existsSync(from)) return;
  fs.cpSync(from, to, { recursive: true, filter: (src) => !skip(src) });
}
function requireBuilt(dir) {
  if (!fs.existsSync(path.join(dir, 'dist'))) throw new Error(`pack-cli: ${path.relative(ROOT, dir)}/dist is missing; run \`npm run build\` first`);
}

const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-pack-'));
try {
  // The command itself.
  requireBuilt(cli.dir);
  copyTree(path.join(cli.dir, 'bin'), path.join(stage, 'bin'));
  copyTree(path.join(cli.dir, 'dist'), path.join(stage, 'dist'));
  // The demo's assets, found by apps/cli/src/demo/sample.ts in the package root.
  copyTree(path.join(ROOT, 'demo', 'cassettes'), path.join(stage, 'demo', 'cassettes'));
  copyTree(path.join(ROOT, 'cells'), path.join(stage, 'cells'));
  fs.mkdirSync(path.join(stage, 'STATE'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'STATE', 'current_state.md'), path.join(stage, 'STATE', 'current_state.md'));
  for (const file of ['README.md', 'LICENSE']) {
    if (fs.existsSync(path.join(ROOT, file))) fs.copyFileSync(path.join(ROOT, file), path.join(stage, file));
  }

  // The workspace packages it needs, bundled.
  const bundled = internal.filter((name) => name !== cli.manifest.name);
  for (const name of bundled) {
    const { dir, manifest } = byName.get(name);
    requireBuilt(dir);
    const target = path.join(stage, 'node_modules', ...name.split('/'));
    copyTree(path.join(dir, 'dist'), path.join(target, 'dist'));
    copyTree(path.join(dir, 'migrations'), path.join(target, 'migrations'));
    // Its third-party dependencies are the packed package's own (see below): npm counts
    // everything a bundled package depends on as part of the bundle, and would then neither
    // link their commands nor run their install policy.
    const { private: _private, devDependencies: _dev, scripts: _scripts, dependencies, ...rest } = manifest;
    const own = Object.fromEntries(Object.entries(dependencies ?? {}).filter(([dep]) => byName.has(dep)));
    fs.writeFileSync(path.join(target, 'package.json'), `${JSON.stringify({ ...rest, dependencies: own }, null, 2)}\n`);
  }

  const manifest = {
    name: 'agentlane',
    version: cli.manifest.version,
    description: rootManifest.description,
    license: rootManifest.license,
    type: 'module',
    engines: rootManifest.engines,
    bin: cli.manifest.bin,
    dependencies: Object.fromEntries(Object.entries(external).sort(([a], [b]) => a.localeCompare(b))),
    bundleDependencies: bundled,
    // The same install-script policy as the checkout: the native parts load their prebuilt
    // binaries, so no dependency needs to run code at install time.
    allowScripts: rootManifest.allowScripts,
  };
  // npm wants every bundled name among the dependencies too; it takes them from the tarball.
  for (const name of bundled) manifest.dependencies[name] = byName.get(name).manifest.version;
  fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  fs.mkdirSync(values.out, { recursive: true });
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', path.resolve(values.out)], { cwd: stage, encoding: 'utf8' }))[0];
  const tarball = path.join(path.resolve(values.out), packed.filename);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ tarball, size: packed.size, unpackedSize: packed.unpackedSize, files: packed.entryCount, bundled })}\n`);
  } else {
    process.stdout.write(`${tarball}\n  ${packed.entryCount} files, ${(packed.size / 1024).toFixed(0)} KiB packed, bundles ${bundled.join(', ')}\n`);
  }
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}
