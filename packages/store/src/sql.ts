/**
 * The one contract in front of the datastore. Everything above `store` talks to
 * PostgreSQL through this interface, and the same conformance suite runs it over
 * node-postgres and PGlite, so a query that works in tests works in production.
 */
export type Dialect = 'postgres' | 'pglite';

export interface QueryResult<Row> {
  rows: Row[];
  /** Rows inserted/updated/deleted by the statement (0 for SELECT on PGlite). */
  rowCount: number;
}

export interface Sql {
  readonly dialect: Dialect;
  /** One parameterised statement. Parameters are `$1..$n`; JS arrays become PG arrays. */
  query<Row extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
  /** Several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
  /**
   * Bulk-load rows with `COPY ... FROM STDIN (FORMAT csv)`: the cheapest way to
   * write many rows on both backends. `csv` holds one RFC 4180 line per row
   * (see `csvLine`); an unquoted empty field is NULL.
   */
  copyFrom(table: string, columns: readonly string[], csv: string): Promise<void>;
  /**
   * Run `fn` in a transaction: committed when it resolves, rolled back when it
   * throws. Inside, use only the `tx` handle. Nested calls reuse the outer transaction.
   */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** Release connections. The handle must not be used afterwards. */
  close(): Promise<void>;
}
