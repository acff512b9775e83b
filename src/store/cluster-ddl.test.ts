import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SENDER_HISTORY_DDL } from '../email/store-history.js';
import { RESPONSE_DDL } from '../respond/schema.js';
import { ChdbStore } from './chdb.js';
import { clusterInsertSettings, ServerStore } from './clickhouse.js';
import { checkClusterName, clusterOf, clusterStatements, orderByColumns } from './cluster-ddl.js';

const LAYOUT = { cluster: 'vigil', database: 'vigil' };
/** Nothing listens there: these tests never send a request. */
const NOWHERE = 'http://127.0.0.1:9/vigil';

/** Every statement migrate sends today (the golden file), plus the response and mail tables. */
function plainStatements(): string[] {
  const golden = readFileSync(new URL('./testdata/plain-schema.golden.sql', import.meta.url), 'utf8');
  const fromMigrate = golden
    .split('\n;\n')
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.startsWith('-- ') && !s.startsWith('SELECT'));
  return [...new Set([...fromMigrate, ...RESPONSE_DDL, SENDER_HISTORY_DDL])];
}

const creates = () => plainStatements().filter((s) => s.startsWith('CREATE TABLE'));
const tableOf = (create: string) => /^CREATE TABLE IF NOT EXISTS (\w+)/.exec(create)![1]!;

describe('cluster DDL', () => {
  let dir: string;
  let chdb: ChdbStore;
  /** ClickHouse's own parser (chDB): the statement formatted, or the syntax error. */
  const format = async (sql: string) =>
    (await chdb.query<{ f: string }>('SELECT formatQuery({q:String}) AS f', { q: sql }))[0]!.f;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-cluster-ddl-'));
    chdb = new ChdbStore(dir);
  });
  afterAll(async () => {
    await chdb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives statements that ClickHouse parses, for every table and ALTER of the schema', async () => {
    const store = new ServerStore({ url: NOWHERE, cluster: 'vigil' });
    let checked = 0;
    for (const plain of plainStatements())
      for (const statement of await store.statements(plain)) {
        await expect(format(statement), statement).resolves.toMatch(/ON CLUSTER vigil/);
        checked++;
      }
    // 16 tables (a local and a Distributed table each), 4 kinds of ALTER.
    expect(checked).toBeGreaterThanOrEqual(16 * 2 + 4);
    await store.close();
  });

  it('keeps columns, indexes, ORDER BY, PARTITION BY, TTL and settings: only the engine and name change', async () => {
    for (const plain of creates()) {
      const table = tableOf(plain);
      const [local, distributed] = clusterStatements(plain, LAYOUT) as [string, string];
      const engine =
        /ENGINE = (Replicated\w+)\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/(\w+)', '\{replica\}'/.exec(
          local,
        );
      expect(engine, local).not.toBeNull();
      expect(engine![2]).toBe(`${table}_local`);
      // Undo exactly the expected changes: what is left is today's statement.
      const undone = local
        .replace(`${table}_local ON CLUSTER vigil`, table)
        .replace(/ENGINE = Replicated(\w+)\('[^']*', '\{replica\}'(?:, )?/, 'ENGINE = $1(')
        .replace(/ENGINE = (\w+)\(\)/, 'ENGINE = $1')
        .replace('replicated_deduplication_window', 'non_replicated_deduplication_window');
      expect(await format(undone)).toBe(await format(plain));
      expect(distributed).toMatch(
        new RegExp(
          `^CREATE TABLE IF NOT EXISTS ${table} ON CLUSTER vigil AS ${table}_local ENGINE = Distributed\\(vigil, 'vigil', ${table}_local, cityHash64\\(.+\\)\\)$`,
        ),
      );
    }
  });

  it('shards so FINAL works per shard, and one host’s events stay together', () => {
    for (const plain of creates()) {
      const [, distributed] = clusterStatements(plain, LAYOUT) as [string, string];
      const key = /cityHash64\((.+)\)\)$/.exec(distributed)![1]!;
      const columns = key.split(',').map((c) => c.trim());
      const order = orderByColumns(plain.slice(plain.lastIndexOf('ENGINE')))
        .split(',')
        .map((c) => c.trim());
      // FINAL merges versions within a shard: every version of a key must land on the same one.
      if (/ReplacingMergeTree/.test(plain)) expect(columns, tableOf(plain)).toEqual(order);
      expect(key).not.toMatch(/rand/);
    }
    const events = creates().find((s) => tableOf(s) === 'events')!;
    expect(clusterStatements(events, LAYOUT)[1]).toContain('cityHash64(tenant, lower(host))');
    const alerts = creates().find((s) => tableOf(s) === 'alerts')!;
    expect(clusterStatements(alerts, LAYOUT)[1]).toContain('cityHash64(tenant, lower(host))');
    expect(clusterStatements(events, LAYOUT)[0]).toContain(
      'SETTINGS replicated_deduplication_window = 10000',
    );
  });

  it('sends ALTERs and DELETEs ON CLUSTER to the local tables, and column changes to both tables', () => {
    expect(
      clusterStatements('ALTER TABLE events MODIFY TTL toDateTime(received) + INTERVAL 7 DAY', LAYOUT),
    ).toEqual(['ALTER TABLE events_local ON CLUSTER vigil MODIFY TTL toDateTime(received) + INTERVAL 7 DAY']);
    expect(clusterStatements('ALTER TABLE alerts REMOVE TTL', LAYOUT)).toEqual([
      'ALTER TABLE alerts_local ON CLUSTER vigil REMOVE TTL',
    ]);
    expect(
      clusterStatements('ALTER TABLE alerts ADD COLUMN IF NOT EXISTS entities Array(String)', LAYOUT),
    ).toEqual([
      'ALTER TABLE alerts_local ON CLUSTER vigil ADD COLUMN IF NOT EXISTS entities Array(String)',
      'ALTER TABLE alerts ON CLUSTER vigil ADD COLUMN IF NOT EXISTS entities Array(String)',
    ]);
    expect(clusterStatements('OPTIMIZE TABLE incidents FINAL', LAYOUT)).toEqual([
      'OPTIMIZE TABLE incidents_local ON CLUSTER vigil FINAL',
    ]);
    expect(
      clusterStatements('DELETE FROM response_runs WHERE has({ids:Array(String)}, run_id)', LAYOUT),
    ).toEqual(['DELETE FROM response_runs_local ON CLUSTER vigil WHERE has({ids:Array(String)}, run_id)']);
    expect(clusterStatements('DROP TABLE IF EXISTS rules', LAYOUT)).toEqual([
      'DROP TABLE IF EXISTS rules ON CLUSTER vigil SYNC',
      'DROP TABLE IF EXISTS rules_local ON CLUSTER vigil SYNC',
    ]);
  });

  it('leaves queries and statements already ON CLUSTER alone', () => {
    for (const sql of [
      'SELECT count() FROM events',
      'SYSTEM FLUSH LOGS',
      'ALTER TABLE events_local ON CLUSTER other MODIFY TTL toDateTime(received) + INTERVAL 1 DAY',
    ])
      expect(clusterStatements(sql, LAYOUT)).toEqual([sql]);
  });

  it('refuses what it cannot lay out, with a clear error', () => {
    const bad = (sql: string) => () => clusterStatements(sql, LAYOUT);
    expect(bad('CREATE TABLE IF NOT EXISTS m (a String) ENGINE = Memory')).toThrow(
      /only the MergeTree family/,
    );
    expect(bad('CREATE TABLE IF NOT EXISTS m (a String) ENGINE = MergeTree PARTITION BY a')).toThrow(
      /without ORDER BY/,
    );
    expect(
      bad('CREATE TABLE IF NOT EXISTS m (a String, b Array(String) ENGINE = MergeTree ORDER BY a'),
    ).toThrow(/unbalanced/);
    expect(
      bad("CREATE TABLE IF NOT EXISTS m (a String DEFAULT ')') ENGINE = MergeTree ORDER BY a"),
    ).not.toThrow();
    expect(bad('CREATE TABLE IF NOT EXISTS m (a String)')).toThrow(/no ENGINE/);
    expect(bad('CREATE TABLE `odd name` (a String) ENGINE = MergeTree ORDER BY a')).toThrow(
      /expected CREATE TABLE/,
    );
    for (const cluster of ['', 'a-b', 'c; DROP TABLE events', "x')", 'é'])
      expect(() => clusterStatements('SELECT 1', { cluster, database: 'vigil' })).toThrow(
        /clickhouse_cluster/,
      );
    expect(() => clusterStatements('SELECT 1', { cluster: 'vigil', database: "x', evil" })).toThrow(
      /database/,
    );
    expect(() => checkClusterName('ok_cluster_1')).not.toThrow();
    expect(() => new ServerStore({ url: NOWHERE, cluster: 'no spaces' })).toThrow(/clickhouse_cluster/);
  });

  it('keeps the plain server path exactly as it is: no cluster, the statement unchanged', async () => {
    const store = new ServerStore({ url: NOWHERE });
    expect(store.cluster).toBeNull();
    expect(clusterOf(store)).toBeNull();
    for (const plain of plainStatements()) expect(await store.statements(plain)).toEqual([plain]);
    await store.close();
    const clustered = new ServerStore({ url: NOWHERE, cluster: 'vigil' });
    expect(clusterOf(clustered)).toBe('vigil');
    expect(clusterOf(chdb)).toBeNull();
    await clustered.close();
  });

  it('inserts wait for the shards, and dedupe only with a token (as on one server)', () => {
    expect(clusterInsertSettings(true)).toEqual({ insert_distributed_sync: '1', insert_deduplicate: '1' });
    expect(clusterInsertSettings(false)).toEqual({ insert_distributed_sync: '1', insert_deduplicate: '0' });
  });

  it('knows the settings it sends: chDB (ClickHouse 26) has both names of the foreground insert', async () => {
    const rows = await chdb.query<{ name: string }>(
      "SELECT name FROM system.settings WHERE name IN ('insert_distributed_sync', 'distributed_foreground_insert', 'insert_deduplicate', 'insert_deduplication_token') ORDER BY name",
    );
    expect(rows.map((r) => r.name)).toEqual([
      'distributed_foreground_insert',
      'insert_deduplicate',
      'insert_deduplication_token',
      'insert_distributed_sync',
    ]);
  });
});
