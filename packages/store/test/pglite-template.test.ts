import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@agentlane/core';
import { openPglite } from '../src/index.js';
import { pgliteVersion, seedFromTemplate, templateRoot } from '../src/pglite-template.js';

describe('fresh PGlite databases from a template cluster', () => {
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-template-'));
  const template = { enabled: true, dir: cache };
  afterAll(() => {
    fs.rmSync(cache, { recursive: true, force: true });
  });

  it('makes the template once, then seeds each new data dir with a copy that opens and keeps data', async () => {
    const first = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-db-')), 'db');
    const sql = await openPglite({ dataDir: first, template });
    await sql.exec('CREATE TABLE kept (v int); INSERT INTO kept VALUES (1);');
    await sql.close();
    const templates = fs.readdirSync(cache);
    expect(templates).toHaveLength(1);
    expect(templates[0]).toBe(`pglite-${pgliteVersion()}-template`);
    expect(pgliteVersion()).toMatch(/^\d+\.\d+\.\d+/);
    const templateDir = path.join(cache, templates[0] as string);
    const madeAt = fs.statSync(path.join(templateDir, 'PG_VERSION')).mtimeMs;

    const second = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-db-')), 'db');
    expect(await seedFromTemplate(second, template)).toBe(true);
    expect(fs.statSync(path.join(templateDir, 'PG_VERSION')).mtimeMs).toBe(madeAt);
    const other = await openPglite({ dataDir: second, template });
    // A copy of the empty cluster: nothing of the first database's.
    expect((await other.query(`SELECT to_regclass('kept') AS t`)).rows).toEqual([{ t: null }]);
    await other.close();
    const again = await openPglite({ dataDir: first, template });
    expect((await again.query('SELECT v FROM kept')).rows).toEqual([{ v: 1 }]);
    await again.close();
  });

  it('never touches a data dir that holds anything, and can be turned off', async () => {
    const used = fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-db-'));
    fs.writeFileSync(path.join(used, 'note'), 'x');
    expect(await seedFromTemplate(used, template)).toBe(false);
    expect(fs.readdirSync(used)).toEqual(['note']);
    const empty = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-db-')), 'db');
    expect(await seedFromTemplate(empty, { ...template, enabled: false })).toBe(false);
    expect(fs.existsSync(empty)).toBe(false);
  });

  it('lives in the user cache unless configured otherwise', () => {
    const saved = process.env.XDG_CACHE_HOME;
    try {
      process.env.XDG_CACHE_HOME = '/c';
      expect(templateRoot(loadConfig({}).pgliteTemplate)).toBe('/c/agentlane');
      expect(templateRoot(loadConfig({ AGENTLANE_PGLITE_TEMPLATE_DIR: '/t' }).pgliteTemplate)).toBe('/t');
      delete process.env.XDG_CACHE_HOME;
      expect(templateRoot({ enabled: true })).toBe(path.join(os.homedir(), '.cache', 'agentlane'));
      expect(loadConfig({ AGENTLANE_PGLITE_TEMPLATE: '0' }).pgliteTemplate.enabled).toBe(false);
      expect(() => loadConfig({ AGENTLANE_PGLITE_TEMPLATE: 'off' })).toThrow(/AGENTLANE_PGLITE_TEMPLATE/);
    } finally {
      if (saved === undefined) delete process.env.XDG_CACHE_HOME;
      else process.env.XDG_CACHE_HOME = saved;
    }
  });
});
