import { checkIdentifier, type Params, type Store } from './store.js';

/** A table whose records are kept as row versions (ReplacingMergeTree, or argMax on read). */
export interface VersionedTable {
  readonly table: string;
  /** The String columns that name one record, as in its ORDER BY. */
  readonly key: readonly string[];
  /** Each row's version as an integer: a column, or an expression such as `toUnixTimestamp64Milli(updated)`. */
  readonly version: string;
}

/** Records whose versions go: a SELECT of the key columns, in `key` order, and its parameters. */
export interface StaleRecords {
  readonly sql: string;
  readonly params?: Params;
}

/** Rows or records named in one DELETE: the parameters stay a few hundred KB. */
export const PURGE_CHUNK = 5000;

/**
 * Deletes every stored version of the stale records, and only the versions read here: a version
 * written while the purge runs (a record touched again) survives whole. TTL cannot do this on a
 * versioned table: it drops rows part by part as they merge, so a newer version could go while an
 * older one stays, bringing back, say, a block-list entry that was removed. Returns the keys of
 * the records that went, each in `key` order.
 */
export async function purgeVersions(
  store: Store,
  t: VersionedTable,
  stale: StaleRecords,
): Promise<string[][]> {
  checkIdentifier(t.table);
  for (const k of t.key) checkIdentifier(k);
  const keys = t.key.join(', ');
  const rows = await store.query<Record<string, string>>(
    `SELECT ${t.key.map((k, i) => `${k} AS k${i}`).join(', ')}, toString(${t.version}) AS v
     FROM ${t.table} WHERE (${keys}) IN (${stale.sql})`,
    stale.params,
  );
  const records = new Map<string, string[]>();
  for (let start = 0; start < rows.length; start += PURGE_CHUNK) {
    const chunk = rows.slice(start, start + PURGE_CHUNK);
    const params: Record<string, unknown> = { v: chunk.map((r) => Number(r.v)) };
    t.key.forEach((_, i) => (params[`k${i}`] = chunk.map((r) => r[`k${i}`]!)));
    const zipped = t.key.map((_, i) => `{k${i}:Array(String)}`).join(', ');
    await store.exec(
      `DELETE FROM ${t.table} WHERE has(arrayZip(${zipped}, {v:Array(Int64)}), (${keys}, toInt64(${t.version})))`,
      params,
    );
    for (const r of chunk) {
      const key = t.key.map((_, i) => r[`k${i}`]!);
      records.set(key.join('\u0000'), key);
    }
  }
  return [...records.values()];
}

/**
 * Deletes the rows of an append-only table (or of records no longer read) that `where` selects;
 * returns how many went. For versioned records use purgeVersions.
 */
export async function deleteRows(
  store: Store,
  table: string,
  where: string,
  params: Params,
): Promise<number> {
  checkIdentifier(table);
  const [row] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${table} WHERE ${where}`, params);
  const n = Number(row?.n ?? 0);
  if (n > 0) await store.exec(`DELETE FROM ${table} WHERE ${where}`, params);
  return n;
}
