import { mkdirSync, rmSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Session } from 'chdb';
import {
  checkIdentifier,
  INSERT_SETTINGS,
  rowBytes,
  rowsBuffer,
  StoreError,
  type InsertOptions,
  type InsertRows,
  type Params,
  type InsertFormat,
  type Store,
} from './store.js';

/** Inserts at least this big are read from a spool file (insertFromFile). */
const FILE_INSERT_BYTES = 256 * 1024;

/** A SETTINGS value as an SQL string literal (settings cannot be query parameters). */
function settingLiteral(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/**
 * The embedded store: ClickHouse running in this process (chDB) over a data directory. Queries and
 * inserts run off the event loop. chDB allows one engine per process, so one store per process.
 */
export class ChdbStore implements Store {
  readonly kind = 'embedded' as const;
  private readonly session: Session;
  private closed = false;
  /** RowBinary and TabSeparated blocks wait here for ClickHouse to read them (see insertFromFile). */
  private readonly spool: string;
  private spooled = 0;
  /** Per table, its columns' types, for the structure of a file read. */
  private readonly types = new Map<string, Promise<Map<string, string>>>();

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    // Files left by a crash were never inserted from: their rows come back from the ingest log.
    this.spool = join(dir, 'vigil-insert-spool');
    rmSync(this.spool, { recursive: true, force: true });
    mkdirSync(this.spool, { recursive: true });
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

  async insert(table: string, rows: InsertRows, options: InsertOptions = {}): Promise<void> {
    const bytes = rowBytes(rows);
    if (bytes === 0) return;
    if (this.closed) throw new StoreError('the store is closed');
    const settings: Record<string, string> = { ...INSERT_SETTINGS };
    if (options.dedupToken !== undefined) settings.insert_deduplication_token = options.dedupToken;
    try {
      const format = options.format ?? 'JSONEachRow';
      if (format !== 'JSONEachRow' || bytes >= FILE_INSERT_BYTES)
        await this.insertFromFile(table, rows, format, options.columns, settings);
      else
        await this.session.insert({
          table: checkIdentifier(table),
          values: rowsBuffer(rows),
          format: 'JSONEachRow',
          settings,
        });
    } catch (e) {
      this.types.delete(table); // the schema may have changed under us
      throw new StoreError(`insert into ${table}: ${(e as Error).message}`, { cause: e });
    }
  }

  /**
   * chDB's inline insert runs the rows through the query text; reading them from a file lets
   * ClickHouse parse them in parallel and costs about half the CPU per row. JSONEachRow rows read
   * this way take the same defaults for absent keys as inline (no table has DEFAULT expressions),
   * so small inserts stay inline and big ones (alert groups, incidents) come from a file. The file is written
   * without fsync: it only has to outlive this insert, and the ingest log holds the rows until the
   * insert is done.
   */
  private async insertFromFile(
    table: string,
    rows: InsertRows,
    format: InsertFormat,
    columns: readonly string[] | undefined,
    settings: Readonly<Record<string, string>>,
  ): Promise<void> {
    const types = await this.columnTypes(table);
    const names = (columns ?? [...types.keys()]).map(checkIdentifier);
    const structure = names
      .map((c) => {
        const type = types.get(c);
        if (type === undefined) throw new StoreError(`table ${table} has no column ${c}`);
        return `${c} ${type}`;
      })
      .join(', ');
    const path = join(this.spool, `${table}-${process.pid}-${++this.spooled}.rows`);
    try {
      const file = await open(path, 'w');
      try {
        await file.writev(
          Buffer.isBuffer(rows) ? [rows] : rows.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)),
        );
      } finally {
        await file.close();
      }
      const clause = Object.entries(settings)
        .map(([k, v]) => `${checkIdentifier(k)} = ${settingLiteral(v)}`)
        .join(', ');
      await this.session.queryBindAsync(
        `INSERT INTO ${checkIdentifier(table)} (${names.join(', ')}) SETTINGS ${clause}
         SELECT * FROM file({path:String}, '${format}', {structure:String})`,
        { path, structure },
        { format: 'TabSeparated' },
      );
    } finally {
      await rm(path, { force: true });
    }
  }

  private columnTypes(table: string): Promise<Map<string, string>> {
    let types = this.types.get(table);
    if (types === undefined) {
      types = this.query<{ name: string; type: string }>(
        'SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = {table:String} ORDER BY position',
        { table },
      ).then((rows) => new Map(rows.map((r) => [r.name, r.type])));
      types.catch(() => this.types.delete(table));
      this.types.set(table, types);
    }
    return types;
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
