import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbStore } from './chdb.js';
import { purgeVersions } from './purge.js';
import { sqlTime } from './rows.js';
import type { Store } from './store.js';

const rows = (...objects: object[]) => Buffer.from(objects.map((o) => JSON.stringify(o)).join('\n'));

describe('purgeVersions', () => {
  let dir: string;
  let store: ChdbStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-purge-'));
    store = new ChdbStore(dir);
    await store.exec(
      'CREATE TABLE runs (id String, version UInt64, status String) ENGINE = ReplacingMergeTree(version) ORDER BY id',
    );
    await store.exec(
      `CREATE TABLE blocks (tenant String, value String, removed UInt8, updated DateTime64(3, 'UTC'))
       ENGINE = ReplacingMergeTree(updated) ORDER BY (tenant, value)`,
    );
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const latest = async () =>
    (await store.query<{ id: string; status: string }>('SELECT id, status FROM runs FINAL ORDER BY id')).map(
      (r) => `${r.id}:${r.status}`,
    );

  it('deletes every version of the stale records, and nothing of the others', async () => {
    await store.exec('TRUNCATE TABLE runs');
    await store.insert(
      'runs',
      rows({ id: 'a', version: 1, status: 'running' }, { id: 'b', version: 1, status: 'running' }),
    );
    await store.insert(
      'runs',
      rows({ id: 'a', version: 2, status: 'done' }, { id: 'c', version: 5, status: 'done' }),
    );
    const n = await purgeVersions(
      store,
      { table: 'runs', key: ['id'], version: 'version' },
      {
        sql: 'SELECT id FROM runs FINAL WHERE status = {s:String} AND id != {keep:String}',
        params: { s: 'done', keep: 'c' },
      },
    );
    expect(n).toEqual([['a']]);
    // Had only the newest version of a gone, FINAL would show it running again.
    expect(await latest()).toEqual(['b:running', 'c:done']);
    const [left] = await store.query<{ n: string }>('SELECT count() AS n FROM runs');
    expect(Number(left!.n)).toBe(2);
  });

  it('keeps a version written while it runs: the record was touched again', async () => {
    await store.exec('TRUNCATE TABLE runs');
    await store.insert(
      'runs',
      rows({ id: 'a', version: 1, status: 'done' }, { id: 'b', version: 1, status: 'done' }),
    );
    // Between reading the versions and deleting them, a rollback saves run a again.
    const racing: Store = Object.assign(Object.create(store) as Store, {
      query: async (sql: string, params?: Record<string, unknown>) => {
        const out = await store.query(sql, params);
        await store.insert('runs', rows({ id: 'a', version: 2, status: 'rolled_back' }));
        return out;
      },
    });
    await purgeVersions(
      racing,
      { table: 'runs', key: ['id'], version: 'version' },
      { sql: 'SELECT id FROM runs FINAL' },
    );
    expect(await latest()).toEqual(['a:rolled_back']);
  });

  it('names records by several columns, with a time as their version, over many chunks', async () => {
    const t0 = Date.UTC(2026, 0, 1);
    const many = Array.from({ length: 24_000 }, (_, i) => ({
      tenant: i % 2 === 0 ? 'x' : 'y',
      value: `v${i % 12_000}`,
      removed: i < 12_000 ? 0 : 1,
      updated: sqlTime(t0 + i),
    }));
    await store.insert('blocks', rows(...many));
    // Each value has a kept version and a newer removed one; the purge takes tenant y's only.
    const n = await purgeVersions(
      store,
      { table: 'blocks', key: ['tenant', 'value'], version: 'toUnixTimestamp64Milli(updated)' },
      { sql: "SELECT tenant, value FROM blocks FINAL WHERE tenant = 'y' AND removed = 1" },
    );
    // Even merged to one version each, tenant y's 6,000 records take two chunks.
    expect(n).toHaveLength(6000);
    expect(n.every(([tenant]) => tenant === 'y')).toBe(true);
    const left = await store.query<{ tenant: string; n: string }>(
      'SELECT tenant, count() AS n FROM blocks FINAL GROUP BY tenant ORDER BY tenant',
    );
    expect(left.map((r) => [r.tenant, Number(r.n)])).toEqual([['x', 6000]]);
  });

  it('refuses table and column names that are not identifiers', async () => {
    await expect(
      purgeVersions(
        store,
        { table: 'runs; DROP TABLE runs', key: ['id'], version: 'version' },
        { sql: 'SELECT 1' },
      ),
    ).rejects.toThrow(/not a table name/);
    await expect(
      purgeVersions(store, { table: 'runs', key: ['id) OR (1'], version: 'version' }, { sql: 'SELECT 1' }),
    ).rejects.toThrow(/not a table name/);
  });
});
