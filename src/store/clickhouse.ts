import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { checkIdentifier, StoreError, type InsertOptions, type Params, type Store } from './store.js';

export interface ServerStoreOptions {
  /** `http(s)://user:password@host:8123/database`; credentials may also come separately. */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly database?: string;
  readonly requestTimeoutMs?: number;
}

/** A ClickHouse server (or cluster front) over HTTP, with the same SQL as the embedded store. */
export class ServerStore implements Store {
  readonly kind = 'server' as const;
  private readonly client: ClickHouseClient;

  constructor(options: ServerStoreOptions) {
    const url = new URL(options.url);
    const database = options.database ?? (url.pathname.replace(/^\//, '') || undefined);
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
      await this.client.command({ query: sql, query_params: { ...params } });
    } catch (e) {
      throw new StoreError((e as Error).message, { cause: e });
    }
  }

  async insert(table: string, rows: Buffer, options: InsertOptions = {}): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.client.insert({
        table: checkIdentifier(table),
        values: Readable.from([rows]),
        format: 'JSONEachRow',
        clickhouse_settings: {
          max_partitions_per_insert_block: '0',
          ...(options.dedupToken === undefined ? {} : { insert_deduplication_token: options.dedupToken }),
        },
      });
    } catch (e) {
      throw new StoreError(`insert into ${table}: ${(e as Error).message}`, { cause: e });
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
