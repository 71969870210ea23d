import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentlaneError, sha256Hex } from '@agentlane/core';
import type { Sql } from './sql.js';

/**
 * Plain SQL migrations, one directory per schema, files named `NNNN_description.sql`.
 * They are additive (a released file never changes: its checksum is recorded and
 * checked), applied in order, each in its own transaction together with its row in
 * `agentlane.schema_migrations`. The same files run on PostgreSQL and PGlite.
 */
export interface Migration {
  schema: string;
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

const FILE_PATTERN = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export function loadMigrations(schema: string, directory: string | URL): Migration[] {
  const dir = typeof directory === 'string' ? directory : fileURLToPath(directory);
  const migrations: Migration[] = [];
  for (const file of fs.readdirSync(dir).sort()) {
    const match = FILE_PATTERN.exec(file);
    if (!match) continue;
    const sql = fs.readFileSync(path.join(dir, file), 'utf8');
    migrations.push({ schema, version: Number(match[1]), name: match[2] ?? file, sql, checksum: sha256Hex(sql) });
  }
  const versions = new Set<number>();
  for (const migration of migrations) {
    if (versions.has(migration.version)) {
      throw new AgentlaneError('DB_MIGRATION_FAILED', `Two ${schema} migrations share version ${migration.version}`);
    }
    versions.add(migration.version);
  }
  return migrations;
}

const BOOKKEEPING = `
CREATE SCHEMA IF NOT EXISTS agentlane;
CREATE TABLE IF NOT EXISTS agentlane.schema_migrations (
  schema_name text NOT NULL,
  version integer NOT NULL,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (schema_name, version)
);`;

/** Serialises concurrent migrators on PostgreSQL (one per process starting up). */
const MIGRATION_LOCK_KEY = 0x61676c6e; // 'agln'

export interface MigrateResult {
  applied: string[];
}

/**
 * Whether every migration is recorded as applied with its checksum: one read, no
 * transaction, no lock. Rows are only ever added, so "all there" cannot become false
 * under a concurrent migrator; anything else (a missing table, a missing or changed
 * row) goes the long way, which reports it.
 */
async function upToDate(sql: Sql, migrations: readonly Migration[]): Promise<boolean> {
  if (migrations.length === 0) return true;
  const exists = await sql.query<{ present: boolean }>(`SELECT to_regclass('agentlane.schema_migrations') IS NOT NULL AS present`);
  if (!exists.rows[0]?.present) return false;
  const schemas = [...new Set(migrations.map((m) => m.schema))];
  const { rows } = await sql.query<{ schema_name: string; version: number; checksum: string }>(
    'SELECT schema_name, version, checksum FROM agentlane.schema_migrations WHERE schema_name = ANY($1::text[])',
    [schemas],
  );
  const applied = new Map(rows.map((r) => [`${r.schema_name}/${r.version}`, r.checksum]));
  return migrations.every((m) => applied.get(`${m.schema}/${m.version}`) === m.checksum);
}

export async function migrate(sql: Sql, migrations: readonly Migration[]): Promise<MigrateResult> {
  // Every command opens the database through here: the common case is one read.
  if (await upToDate(sql, migrations)) return { applied: [] };
  await sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(BOOKKEEPING);
  });
  const applied: string[] = [];
  for (const migration of [...migrations].sort((a, b) => a.schema.localeCompare(b.schema) || a.version - b.version)) {
    const label = `${migration.schema}/${String(migration.version).padStart(4, '0')}_${migration.name}`;
    const didApply = await sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const existing = await tx.query<{ checksum: string }>(
        'SELECT checksum FROM agentlane.schema_migrations WHERE schema_name = $1 AND version = $2',
        [migration.schema, migration.version],
      );
      const row = existing.rows[0];
      if (row) {
        if (row.checksum !== migration.checksum) {
          throw new AgentlaneError(
            'DB_MIGRATION_MODIFIED',
            `Migration ${label} was changed after it was applied; add a new migration instead`,
            { details: { migration: label } },
          );
        }
        return false;
      }
      try {
        await tx.exec(migration.sql);
      } catch (error) {
        throw new AgentlaneError('DB_MIGRATION_FAILED', `Migration ${label} failed: ${(error as Error).message}`, {
          cause: error,
          details: { migration: label },
        });
      }
      await tx.query(
        'INSERT INTO agentlane.schema_migrations (schema_name, version, name, checksum) VALUES ($1, $2, $3, $4)',
        [migration.schema, migration.version, migration.name, migration.checksum],
      );
      return true;
    });
    if (didApply) applied.push(label);
  }
  return { applied };
}
