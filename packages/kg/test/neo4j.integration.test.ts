import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexRepository, openNeo4jRunner, projectToNeo4j, type Neo4jRunner } from '../src/index.js';
import { SAMPLE_REPO, editFile, writeRepo } from '../../../test/support/repo.js';
import { useKgDatabase } from './support/kg-database.js';

/**
 * Against a real Neo4j, whenever NEO4J_URI is set (see README "Neo4j"); there is
 * no Neo4j on the CI machines, and no fake server stands in for one.
 */
const uri = process.env.NEO4J_URI;

describe.runIf(uri)('Neo4j projection against a real server', () => {
  const database = useKgDatabase('pglite');
  let runner: Neo4jRunner;
  let root: string;

  beforeAll(async () => {
    runner = await openNeo4jRunner({ uri: uri as string, username: process.env.NEO4J_USERNAME, password: process.env.NEO4J_PASSWORD });
    await runner.write([{ text: 'MATCH (n) WHERE n:CBO OR n:KgFile DETACH DELETE n', params: {} }]);
    root = writeRepo(SAMPLE_REPO);
    await indexRepository(database.sql, { repoRoot: root, workers: 1 });
  });
  afterAll(async () => {
    await runner?.close();
  });

  const count = async (cypher: string) => Number((await runner.read({ text: cypher, params: {} }))[0]?.n ?? -1);

  it('writes every object and relation, and a second run changes nothing', async () => {
    const first = await projectToNeo4j(database.sql, runner);
    const objects = await database.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM kg.objects');
    const relations = await database.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM kg.relations');
    expect(await count('MATCH (n:CBO) RETURN count(n) AS n')).toBe(objects.rows[0]?.n);
    expect(await count('MATCH (:CBO)-[r]->(:CBO) RETURN count(r) AS n')).toBe(relations.rows[0]?.n);
    expect(first.changedFiles.length).toBe(6);
    const second = await projectToNeo4j(database.sql, runner);
    expect(second).toMatchObject({ changedFiles: [], deletedFiles: [], nodes: 0, edges: 0 });
    expect(await count('MATCH (:CBO)-[r]->(:CBO) RETURN count(r) AS n')).toBe(relations.rows[0]?.n);
  });

  it('follows a changed file', async () => {
    editFile(root, 'src/lib/shapes.ts', SAMPLE_REPO['src/lib/shapes.ts']!.replace('makeSquare', 'makeBox'));
    await indexRepository(database.sql, { repoRoot: root, workers: 1 });
    await projectToNeo4j(database.sql, runner);
    expect(await count("MATCH (n:Function {name: 'makeSquare'}) RETURN count(n) AS n")).toBe(0);
    expect(await count("MATCH (n:Function {name: 'makeBox'}) RETURN count(n) AS n")).toBe(1);
    const relations = await database.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM kg.relations');
    expect(await count('MATCH (:CBO)-[r]->(:CBO) RETURN count(r) AS n')).toBe(relations.rows[0]?.n);
  });
});
