import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { checkClusterName, clusterStatements } from './cluster-ddl.js';
import {
  checkIdentifier,
  INSERT_SETTINGS,
  rowBytes,
  StoreError,
  type InsertOptions,
  type InsertRows,
  type Params,
  type Store,
} from './store.js';

export interface ServerStoreOptions {
  /** `http(s)://user:password@host:8123/database`; credentials may also come separately. */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly database?: string;
  readonly requestTimeoutMs?: number;
  /**
   * A cluster from the servers' `remote_servers`: tables are created ON CLUSTER as replicated
   * `T_local` tables behind Distributed `T` tables (cluster-ddl.ts), and inserts wait for the shards.
   */
  readonly cluster?: string | null;
}

/** A ClickHouse server (or cluster front) over HTTP, with the same SQL as the embedded store. */
export class ServerStore implements Store {
  readonly kind = 'server' as const;
  /** The cluster tables are spread over, or null for one server. */
  readonly cluster: string | null;
  private readonly client: ClickHouseClient;
  private database: Promise<string> | null = null;

  constructor(options: ServerStoreOptions) {
    this.cluster = options.cluster ? checkClusterName(options.cluster) : null;
    const url = new URL(options.url);
    const database = options.database ?? (url.pathname.replace(/^\//, '') || undefined);
    if (database !== undefined) this.database = Promise.resolve(database);
    const username = options.username ?? (url.username ? decodeURIComponent(url.username) : undefined);
    const password = options.password ?? (url.password ? decodeURIComponent(url.password) : undefined);
    url.username = '';
    url.password = '';
    url.pathname = '/';
    this.client = createClient({
      url: url.toString(),
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(database !== undefined ? { database } : {}),
      request_timeout: options.requestTimeoutMs ?? 60_000,
    });
  }

  async query<T>(sql: string, params: Params = {}): Promise<T[]> {
    try {
      const rs = await this.client.query({ query: sql, query_params: { ...params }, format: 'JSONEachRow' });
      return await rs.json<T>();
    } catch (e) {
      throw new StoreError((e as Error).message, { cause: e });
    }
  }

  async exec(sql: string, params: Params = {}): Promise<void> {
    try {
      for (const statement of await this.statements(sql))
        await this.client.command({ query: statement, query_params: { ...params } });
    } catch (e) {
      throw new StoreError((e as Error).message, { cause: e });
    }
  }

  async insert(table: string, rows: InsertRows, options: InsertOptions = {}): Promise<void> {
    if (rowBytes(rows) === 0) return;
    const columns = options.columns?.map(checkIdentifier);
    const values = Readable.from(Buffer.isBuffer(rows) ? [rows] : rows);
    const clickhouse_settings = {
      ...INSERT_SETTINGS,
      ...(options.dedupToken === undefined ? {} : { insert_deduplication_token: options.dedupToken }),
      ...(this.cluster === null ? {} : clusterInsertSettings(options.dedupToken !== undefined)),
    };
    try {
      // Rows arrive as bytes in their format. The client's insert() would treat a stream of them
      // as JSON objects to encode (and takes no binary format): the bytes go as the statement's body.
      const names = columns !== undefined && columns.length > 0 ? ` (${columns.join(', ')})` : '';
      const result = await this.client.exec({
        query: `INSERT INTO ${checkIdentifier(table)}${names} FORMAT ${options.format ?? 'JSONEachRow'}`,
        values,
        clickhouse_settings,
      });
      result.stream.destroy();
    } catch (e) {
      throw new StoreError(`insert into ${table}: ${(e as Error).message}`, { cause: e });
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** What `exec(sql)` sends: the statement itself, or on a cluster its ON CLUSTER form. */
  async statements(sql: string): Promise<string[]> {
    if (this.cluster === null) return [sql];
    this.database ??= this.query<{ db: string }>('SELECT currentDatabase() AS db').then(
      (r) => r[0]!.db,
      (e: unknown) => {
        this.database = null;
        throw e;
      },
    );
    return clusterStatements(sql, { cluster: this.cluster, database: await this.database });
  }
}

/**
 * Inserts through a Distributed table: answered only once every shard has stored its rows (not
 * when they are queued on the receiving server's disk), so an acked insert is durable; the shard
 * inserts carry the dedup token. Replicated tables dedupe every block by its hash unless told
 * otherwise: only inserts with a token dedupe, as on one server.
 * (`insert_distributed_sync` is the older name of `distributed_foreground_insert`; both work.)
 */
export function clusterInsertSettings(withToken: boolean): Record<string, string> {
  return { insert_distributed_sync: '1', insert_deduplicate: withToken ? '1' : '0' };
}
