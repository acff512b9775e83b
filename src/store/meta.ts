import { sqlTime } from './rows.js';
import type { Store } from './store.js';

/** Vigil's own settings kept in the store (vigil_meta): one value per key, the latest wins. */
export async function readMeta(store: Store, key: string): Promise<string | null> {
  const [row] = await store.query<{ value: string }>(
    'SELECT value FROM vigil_meta FINAL WHERE key = {key:String} LIMIT 1',
    { key },
  );
  return row?.value ?? null;
}

export async function writeMeta(store: Store, key: string, value: string): Promise<void> {
  const row = { key, value, updated: sqlTime(Date.now()) };
  await store.insert('vigil_meta', Buffer.from(JSON.stringify(row)));
}
