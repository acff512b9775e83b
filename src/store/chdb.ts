import { mkdirSync } from 'node:fs';
import { Session } from 'chdb';
import {
  checkIdentifier,
  INSERT_SETTINGS,
  StoreError,
  type InsertOptions,
  type Params,
  type Store,
} from './store.js';

/**
 * The embedded store: ClickHouse running in this process (chDB) over a data directory. Queries and
 * inserts run off the event loop. chDB allows one engine per process, so one store per process.
 */
export class ChdbStore implements Store {
  readonly kind = 'embedded' as const;
  private readonly session: Session;
  private closed = false;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    try {
      this.session = new Session(dir);
    } catch (e) {
      // Most often ClickHouse's lock on the directory: one process per store.
      throw new StoreError(
        `cannot open the embedded store in ${dir} (one process at a time): ${(e as Error).message}.`,
        { cause: e },
      );
    }
  }

  async query<T>(sql: string, params: Params = {}): Promise<T[]> {
    const text = await this.run(sql, params, 'JSONEachRow');
    const out: T[] = [];
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      if (end > start) out.push(JSON.parse(text.slice(start, end)) as T);
      start = end + 1;
    }
    return out;
  }

  async exec(sql: string, params: Params = {}): Promise<void> {
    await this.run(sql, params, 'TabSeparated');
  }

  async insert(table: string, rows: Buffer, options: InsertOptions = {}): Promise<void> {
    if (rows.length === 0) return;
    const settings: Record<string, string> = { ...INSERT_SETTINGS };
    if (options.dedupToken !== undefined) settings.insert_deduplication_token = options.dedupToken;
    try {
      await this.session.insert({
        table: checkIdentifier(table),
        values: rows,
        format: 'JSONEachRow',
        settings,
      });
    } catch (e) {
      throw new StoreError(`insert into ${table}: ${(e as Error).message}`, { cause: e });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.session.close();
  }

  private async run(sql: string, params: Params, format: string): Promise<string> {
    if (this.closed) throw new StoreError('the store is closed');
    try {
      const result =
        Object.keys(params).length === 0
          ? await this.session.queryAsync(sql, { format })
          : await this.session.queryBindAsync(sql, params, { format });
      return result.text();
    } catch (e) {
      throw new StoreError((e as Error).message, { cause: e });
    }
  }
}
