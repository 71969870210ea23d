import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testBackends, type TestDatabase } from '../../../test/support/backends.js';
import { writeRepo } from '../../../test/support/repo.js';
import { runCli } from './support/cli.js';

// One database shared by two repositories (one DATABASE_URL, or one AGENTLANE_HOME): the
// second is refused with KG_REPOSITORY_MISMATCH (exit 3), nothing of the first is deleted,
// and no query from the second answers with the first one's code.
describe.each(testBackends())('kg with one database for two repositories on %s', (backend) => {
  const databases: TestDatabase[] = [];
  afterAll(async () => {
    for (const db of databases) await db.dispose();
  });

  it('refuses the second repository, keeps the first intact, and replaces only when asked', async () => {
    const a = writeRepo({ 'a.py': 'def only_in_a() -> None:\n    pass\n' });
    const b = writeRepo({ 'b.py': 'def only_in_b() -> None:\n    pass\n' });
    let env: NodeJS.ProcessEnv;
    if (backend === 'postgres') {
      const db = await createTestDatabase('postgres');
      databases.push(db);
      env = { DATABASE_URL: db.url };
    } else {
      env = { AGENTLANE_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'agentlane-home-')) };
    }
    expect((await runCli(['kg', 'index', a, '--json'], { env })).code).toBe(0);

    const refused = await runCli(['kg', 'index', b], { env });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('KG_REPOSITORY_MISMATCH');
    expect(refused.stderr).toContain('AGENTLANE_HOME');
    for (const args of [['kg', 'search', 'only_in_a', '--repo', b], ['kg', 'stats', b]]) {
      const query = await runCli(args, { env });
      expect(query.code, args.join(' ')).toBe(3);
      expect(query.stderr).toContain('KG_REPOSITORY_MISMATCH');
      expect(query.stdout).not.toContain('only_in_a');
    }
    const stillA = await runCli(['kg', 'search', 'only_in_a', '--repo', a, '--json'], { env });
    expect(stillA.code, stillA.stderr).toBe(0);
    expect(stillA.stdout).toContain('only_in_a');

    const replaced = await runCli(['kg', 'index', b, '--replace-repository', '--json'], { env });
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(JSON.parse(replaced.stdout).replacedRepository).toBe(fs.realpathSync(a));
    expect((await runCli(['kg', 'stats', a], { env })).code).toBe(3);
  }, 300_000);
});
