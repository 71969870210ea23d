export type { Sql, Dialect, QueryResult } from './sql.js';
export { openPostgres, type PostgresOptions } from './postgres.js';
export { openPglite, type PgliteOptions } from './pglite.js';
export { openStore, storeLocation, type OpenStoreOptions, type StoreLocation } from './open.js';
export { loadMigrations, migrate, type Migration, type MigrateResult } from './migrate.js';
export { acquireFileLock, processAlive, type FileLock } from './lockfile.js';
export { csvLine, type CsvValue } from './copy.js';
export { sanitizeText, sanitizeParams, REPLACEMENT_CHARACTER } from './sanitize.js';
export { redactingSql, redactRecordText, redactRecordParam } from './records.js';
