import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentlaneError } from '@agentlane/core';
import { advisoryLockKey, applyToProduction, nodeSwapFs, renameSwap, type SwapFs } from '../src/index.js';
import { testBackends } from '../../../test/support/backends.js';
import { tempDir, useEngineDatabase } from './support/engine.js';

function tree(files: Record<string, string>): string {
  const dir = tempDir('tree');
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

const read = (dir: string, rel: string) => fs.readFileSync(path.join(dir, rel), 'utf8');
const siblings = (target: string) => fs.readdirSync(path.dirname(target)).filter((n) => n.startsWith(path.basename(target)));

describe('atomic rename swap (seed 001 §10.2)', () => {
  it('replaces an existing target and deletes the backup only after success', async () => {
    const staging = tree({ 'index.html': 'new', 'src/a.js': 'a2' });
    const target = path.join(tree({}), 'project');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'index.html'), 'old');
    const result = await renameSwap(staging, target);
    await result.cleanup;
    expect(read(target, 'index.html')).toBe('new');
    expect(read(target, 'src/a.js')).toBe('a2');
    expect(siblings(target)).toEqual(['project']);
    expect(read(staging, 'index.html')).toBe('new');
  });

  it('creates a first version, parents included', async () => {
    const target = path.join(tree({}), 'users', 'u1', 'projects', 'p1');
    await renameSwap(tree({ 'index.html': 'first' }), target);
    expect(read(target, 'index.html')).toBe('first');
  });

  it('restores the previous version when the swap-in fails', async () => {
    const target = path.join(tree({}), 'project');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'index.html'), 'old');
    const failing: SwapFs = { ...nodeSwapFs, rename: (from, to) => (from.endsWith('.new') ? Promise.reject(new Error('EXDEV simulated')) : nodeSwapFs.rename(from, to)) };
    const error = await renameSwap(tree({ 'index.html': 'new' }), target, failing).catch((e: unknown) => e);
    expect((error as AgentlaneError).code).toBe('ENGINE_STAGING_FAILED');
    expect(read(target, 'index.html')).toBe('old');
    expect(siblings(target)).toEqual(['project']);
  });

  it('keeps the backup whenever the swap fails and cannot be undone', async () => {
    const target = path.join(tree({}), 'project');
    fs.mkdirSync(target);
    fs.writeFileSync(path.join(target, 'index.html'), 'old');
    const failing: SwapFs = {
      ...nodeSwapFs,
      rename: (from, to) => (from.endsWith('.new') || from.includes('.bak.') ? Promise.reject(new Error('disk gone')) : nodeSwapFs.rename(from, to)),
    };
    const error = (await renameSwap(tree({ 'index.html': 'new' }), target, failing, () => 42).catch((e: unknown) => e)) as AgentlaneError;
    expect(error.code).toBe('ENGINE_STAGING_FAILED');
    expect(error.details).toMatchObject({ restored: false, backupDir: `${target}.bak.42` });
    expect(read(`${target}.bak.42`, 'index.html')).toBe('old');
    expect(fs.existsSync(`${target}.new`)).toBe(false);
  });

  it('derives stable per-project lock keys', () => {
    expect(advisoryLockKey('p1')).toEqual(advisoryLockKey('p1'));
    expect(advisoryLockKey('p1')).not.toEqual(advisoryLockKey('p2'));
    for (const k of advisoryLockKey('x')) expect(Number.isInteger(k) && k >= -(2 ** 31) && k < 2 ** 31).toBe(true);
  });
});

describe.each(testBackends())('apply under the per-project advisory lock on %s', (backend) => {
  const database = useEngineDatabase(backend);

  it('applies, and refuses a concurrent apply to the same project with ENGINE_CONCURRENT_APPLY (PostgreSQL)', async () => {
    const target = path.join(tree({}), 'project');
    await applyToProduction(database.db.sql, { projectId: 'p1', stagingDir: tree({ 'index.html': 'v1' }), targetDir: target });
    expect(read(target, 'index.html')).toBe('v1');
    if (backend !== 'postgres') return; // PGlite is one connection: applies are serialised, never concurrent.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const slow: SwapFs = { ...nodeSwapFs, cp: async (from, to) => { entered(); await gate; await nodeSwapFs.cp(from, to); } };
    const first = applyToProduction(database.db.sql, { projectId: 'p1', stagingDir: tree({ 'index.html': 'v2' }), targetDir: target, fs: slow });
    await inside;
    const second = await applyToProduction(database.db.sql, { projectId: 'p1', stagingDir: tree({ 'index.html': 'v3' }), targetDir: target }).catch((e: unknown) => e);
    const other = await applyToProduction(database.db.sql, { projectId: 'p2', stagingDir: tree({ 'index.html': 'x' }), targetDir: `${target}-p2` });
    release();
    await first;
    expect((second as AgentlaneError).code).toBe('ENGINE_CONCURRENT_APPLY');
    expect(other.backupDir).toBeUndefined();
    expect(read(target, 'index.html')).toBe('v2');
  });
});
