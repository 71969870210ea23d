/**
 * The local forge's permissions come from the configuration (AGENTLANE_LOCAL_PERMISSIONS),
 * through the same wiring `serve`, `worker` and `ask event` use: a configured writer's
 * /ask is queued, a reader's and a stranger's are refused.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@agentlane/core';
import { forgeFromConfig, loadCells, migrateGitops, takeAsk, type Cell, type Forge } from '../src/index.js';
import { createTestDatabase, testBackends, type TestDatabase } from '../../../test/support/backends.js';
import { bareRepoWith } from '../../../test/support/git-repo.js';

const root = path.resolve(import.meta.dirname, '../../..');

describe.each(testBackends().slice(-1))('local forge permissions from AGENTLANE_LOCAL_PERMISSIONS (%s)', (backend) => {
  let db: TestDatabase;
  let forge: Forge;
  let cells: Map<string, Cell>;
  let comments = 0;
  const ask = (login: string) =>
    takeAsk({ sql: db.sql, forge, repository: 'o/r', cells, enqueue: async () => undefined }, `d-${++comments}`, {
      action: 'created',
      comment: { id: comments, body: '/ask hello-s5 summarize', user: { login, type: 'User' } },
      issue: { number: 1 },
      repository: { full_name: 'o/r' },
      sender: { login, type: 'User' },
    });

  beforeAll(async () => {
    db = await createTestDatabase(backend);
    await migrateGitops(db.sql);
    const { bare } = bareRepoWith({ 'README.md': 'x\n' });
    forge = await forgeFromConfig(loadConfig({ AGENTLANE_FORGE: 'local', AGENTLANE_FORGE_REPO: bare, AGENTLANE_LOCAL_PERMISSIONS: 'alice=write,bob=read,Carol=admin' }), db.sql, root);
    cells = await loadCells(root);
  });
  afterAll(async () => db?.dispose());

  it('answers permission queries from the configuration; logins not listed have none', async () => {
    expect(await forge.permissionOf('alice')).toBe('write');
    expect(await forge.permissionOf('bob')).toBe('read');
    expect(await forge.permissionOf('carol')).toBe('admin');
    expect(await forge.permissionOf('mallory')).toBe('none');
  });

  it('queues a configured writer\'s /ask and refuses a reader and a stranger', async () => {
    expect(await ask('alice')).toMatchObject({ status: 'queued' });
    expect(await ask('bob')).toMatchObject({ status: 'refused' });
    expect(await ask('mallory')).toMatchObject({ status: 'refused' });
  });
});
