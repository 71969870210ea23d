/**
 * No secret reaches a lane record: a run whose lane file, agent output, file names and
 * test output quote configured secrets (by value: webhook secret, API token, AWS keys)
 * and token shapes (github_pat_…) leaves none in any table, JSONL buffer, instructions
 * file (retry instructions included) or morning summary.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, testBackends, type TestDatabase } from '../../../test/support/backends.js';
import { findInDatabase, searchedColumns } from '../../../test/support/scan-db.js';
import { ALL_SECRETS, CONFIGURED_SECRETS, LEAKY_TEXT, secretsIn, useConfiguredSecrets } from '../../../test/support/secrets-fixture.js';
import { lanePaths, loadLaneFile, localDate, migrateLane, runLane, syncLaneRecords, writeSummary } from '../src/index.js';
import { lane, task, useLaneRepos } from './support/lane-repo.js';

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** The agent writes the secrets into a file, names a file after one, and makes the tests print them. */
const LEAKY_AGENT = `cat > src/leak.mjs <<'JS'
export const config = "${LEAKY_TEXT}";
JS
echo 'export const x = 1;' > "src/${CONFIGURED_SECRETS.AGENTLANE_API_TOKEN}.mjs"
cat > test/check.mjs <<'JS'
console.error("${LEAKY_TEXT}");
process.exit(1);
JS`;

describe('security: redaction', () => {
  describe.each(testBackends())('lane records on %s', (backend) => {
    useConfiguredSecrets();
    const newRepo = useLaneRepos();
    let db: TestDatabase;

    beforeAll(async () => {
      db = await createTestDatabase(backend);
      await migrateLane(db.sql);
    });
    afterAll(async () => {
      await db?.dispose();
    });

    it('keeps every secret out of the tables, the JSONL buffer, the instructions files and the summary', async () => {
      const r = newRepo();
      const result = await runLane({
        lane: loadLaneFile(r.laneFile(lane([task('leak', r.agent('leak', LEAKY_AGENT), { instructions: `Use ${LEAKY_TEXT} to deploy.` })]))),
        repoRoot: r.root,
        home: r.home,
        sql: db.sql,
        unattended: true,
      });
      expect(result.synced).toBe(true);
      await syncLaneRecords(db.sql, r.home);
      const { file: summary } = await writeSummary(db.sql, r.root, localDate());

      // The run really went through two attempts (so retry instructions were written) and recorded the leak's traces.
      const runFiles = filesUnder(path.join(lanePaths(r.home).runs, result.runId));
      expect(runFiles.filter((f) => f.endsWith('instructions.md'))).toHaveLength(2);
      expect(await searchedColumns(db.sql)).toBeGreaterThan(10);
      expect(fs.readFileSync(summary, 'utf8')).toContain('***');

      expect(await findInDatabase(db.sql, ALL_SECRETS)).toEqual([]);
      for (const file of [...runFiles, summary]) expect({ file, found: secretsIn(fs.readFileSync(file, 'utf8')) }).toEqual({ file, found: [] });
    });
  });
});
