import type { Driver, int } from 'neo4j-driver';
import { AgentlaneError, redactSecrets } from '@agentlane/core';
import type { CypherStatement } from './cypher.js';
import type { CypherRunner } from './project.js';

export interface Neo4jOptions {
  uri: string;
  username?: string;
  password?: string;
  database?: string;
}

type Neo4j = { int: typeof int };

/** JS numbers travel as floats; line numbers and the like should stay integers in the graph. */
function toNeo4jValue(neo4j: Neo4j, value: unknown): unknown {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return neo4j.int(value);
  if (Array.isArray(value)) return value.map((v) => toNeo4jValue(neo4j, v));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toNeo4jValue(neo4j, v)]));
  return value;
}

export interface Neo4jRunner extends CypherRunner {
  close(): Promise<void>;
}

/**
 * Runs projection statements on a real Neo4j: schema statements each on their
 * own (Neo4j refuses schema and data changes in one transaction), then all data
 * statements in a single write transaction, so a failed run leaves the previous
 * projection as it was.
 */
export async function openNeo4jRunner(options: Neo4jOptions): Promise<Neo4jRunner> {
  // Loaded when used: the driver is most of what importing this package would cost (every CLI command pays for imports).
  const neo4j = (await import('neo4j-driver')).default;
  const auth = options.username ? neo4j.auth.basic(options.username, options.password ?? '') : undefined;
  let driver: Driver;
  try {
    driver = neo4j.driver(options.uri, auth);
    await driver.getServerInfo();
  } catch (error) {
    throw new AgentlaneError('DB_CONNECT_FAILED', `Cannot connect to Neo4j at ${redactSecrets(options.uri)}: ${(error as Error).message}`, { cause: error });
  }
  const session = () => driver.session({ database: options.database, defaultAccessMode: neo4j.session.WRITE });
  return {
    async read(statement: CypherStatement) {
      const s = session();
      try {
        const result = await s.run(statement.text, toNeo4jValue(neo4j, statement.params) as Record<string, unknown>);
        return result.records.map((record) => record.toObject());
      } finally {
        await s.close();
      }
    },
    async write(statements: readonly CypherStatement[]) {
      const schema = statements.filter((st) => /^CREATE (CONSTRAINT|INDEX)/.test(st.text));
      const data = statements.filter((st) => !schema.includes(st));
      const s = session();
      try {
        for (const statement of schema) await s.run(statement.text);
        await s.executeWrite(async (tx) => {
          for (const statement of data) await tx.run(statement.text, toNeo4jValue(neo4j, statement.params) as Record<string, unknown>);
        });
      } finally {
        await s.close();
      }
    },
    close: () => driver.close(),
  };
}
