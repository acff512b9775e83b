/**
 * The storage contract. Both implementations speak the same ClickHouse SQL: callers write SQL with
 * `{name:Type}` parameters, never with values spliced in.
 */
export type Params = Readonly<Record<string, unknown>>;

export type InsertFormat = 'JSONEachRow' | 'TabSeparated' | 'RowBinary';

export interface InsertOptions {
  /**
   * Makes the insert idempotent: a retried insert with the same token (after a crash, say) is
   * dropped by ClickHouse instead of stored twice.
   */
  readonly dedupToken?: string;
  /**
   * RowBinary and TabSeparated rows carry no names: `columns` says which columns they fill, in
   * order. Events are RowBinary (rows.ts), which ClickHouse reads several times faster than
   * JSONEachRow; TabSeparated is what older Vigils left on the cluster's rows stream.
   */
  readonly format?: InsertFormat;
  readonly columns?: readonly string[];
}

/** Rows as one buffer, or as chunks (each whole rows) stored as one block. */
export type InsertRows = Buffer | readonly Uint8Array[];

export function rowBytes(rows: InsertRows): number {
  return Buffer.isBuffer(rows) ? rows.length : rows.reduce((n, c) => n + c.byteLength, 0);
}

export function rowsBuffer(rows: InsertRows): Buffer {
  return Buffer.isBuffer(rows) ? rows : Buffer.concat(rows);
}

export interface Store {
  /** `embedded` (chDB in this process) or `server` (a ClickHouse server over HTTP). */
  readonly kind: 'embedded' | 'server';
  /** Rows as objects (JSONEachRow), parsed. */
  query<T = Record<string, unknown>>(sql: string, params?: Params): Promise<T[]>;
  /** A statement without rows (DDL, ALTER, OPTIMIZE). */
  exec(sql: string, params?: Params): Promise<void>;
  /** Inserts rows (JSONEachRow unless the options say otherwise) into a table, as one block. */
  insert(table: string, rows: InsertRows, options?: InsertOptions): Promise<void>;
  close(): Promise<void>;
}

export class StoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
  }
}

/**
 * Settings for every insert. Tables are partitioned by day, and one uploaded log can span years:
 * ClickHouse's default limit of 100 partitions per insert would refuse it forever.
 */
export const INSERT_SETTINGS: Readonly<Record<string, string>> = { max_partitions_per_insert_block: '0' };

/** Table names are never user input, but they are spliced into SQL: keep them to identifiers. */
export function checkIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(name))
    throw new StoreError(`not a table name: ${JSON.stringify(name)}`);
  return name;
}
