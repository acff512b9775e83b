import { join } from 'node:path';
import { ChdbStore } from './chdb.js';
import { ServerStore } from './clickhouse.js';
import { migrate, type SchemaOptions } from './schema.js';
import type { Store } from './store.js';

export { applyRetention, EVENT_COLUMNS, migrate, type EventColumn, type SchemaOptions } from './schema.js';
export { readMeta, writeMeta } from './meta.js';
export { deleteRows, PURGE_CHUNK, purgeVersions, type StaleRecords, type VersionedTable } from './purge.js';
export {
  alertRow,
  EVENT_ROW_COLUMNS,
  eventRows,
  insertEvents,
  sqlTime,
  validTime,
  type StoredAlert,
  type StoredEvent,
} from './rows.js';
export { clusterStatements, localTable, type ClusterLayout } from './cluster-ddl.js';
export { StoreError, type InsertOptions, type InsertRows, type Params, type Store } from './store.js';

export interface OpenStoreOptions extends SchemaOptions {
  /** The data directory: the embedded store lives in `DIR/store`. */
  readonly dataDir: string;
  /** A ClickHouse server instead of the embedded store. */
  readonly clickhouseUrl?: string | null;
  /** With clickhouseUrl: create the tables ON CLUSTER, replicated and distributed (cluster-ddl.ts). */
  readonly clickhouseCluster?: string | null;
}

/** Opens the configured store and brings its schema up to date. */
export async function openStore(o: OpenStoreOptions): Promise<Store> {
  const store: Store = o.clickhouseUrl
    ? new ServerStore({ url: o.clickhouseUrl, cluster: o.clickhouseCluster ?? null })
    : new ChdbStore(join(o.dataDir, 'store'));
  try {
    await migrate(store, o);
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}
export { eventField, type EventField } from './fields.js';
