import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROWS_SUBJECT, type EventBus } from '../../src/bus/jetstream.js';
import { encodeRows } from '../../src/cluster/rows.js';
import { RowsWriter } from '../../src/cluster/writer.js';
import { eventRows, openStore, type Store } from '../../src/store/index.js';
import { poller, startTestCluster, type TestCluster } from '../support/cluster.js';
import { natsPresent } from '../support/nats.js';

if (!natsPresent) console.log('cluster-writer e2e skipped: /usr/sbin/nats-server is not installed');

const waitFor = poller({ everyMs: 200, limitMs: 60_000 });

/** One rows message of `n` events, as a worker publishes it. */
function rowsMessage(id: string, n: number): Buffer {
  const events = Array.from({ length: n }, (_, i) => ({
    tenant: 'default',
    eventId: `${id}-${i}`,
    time: Date.now(),
    received: Date.now(),
    source: 'test',
    fields: new Map(),
    columns: { host: 'ws1' },
    raw: '{}',
    ruleIds: [],
  }));
  return encodeRows({
    id,
    eventCount: n,
    events: eventRows(events),
    alerts: [],
    incidents: [],
  });
}

const count = async (store: Store) =>
  Number((await store.query<{ n: string }>('SELECT count() AS n FROM events'))[0]!.n);

describe.skipIf(!natsPresent)('scale-out: one active writer, the others stand by', () => {
  let cluster: TestCluster;
  let bus: EventBus;
  let dir: string;
  const stores: Store[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-cluster-writer-'));
    cluster = await startTestCluster({ partitions: 2, bus: { maxBytes: 64 * 1024 ** 2, name: 'test' } });
    bus = cluster.bus;
  }, 120_000);

  afterAll(async () => {
    await bus?.close();
    for (const s of stores) await s.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('writes through the lease holder only, and fails over to the standby', async () => {
    // One store (chDB allows one per process); each writer's own counts show who stored what.
    stores.push(await openStore({ dataDir: dir, retentionDays: null }));
    const store = stores[0]!;
    const a = new RowsWriter(bus, store, { id: 'writer-a', leaseTtlMs: 1500 });
    a.start();
    await waitFor('writer a active', async () => a.active);
    const b = new RowsWriter(bus, store, { id: 'writer-b', leaseTtlMs: 1500 });
    b.start();

    for (let i = 0; i < 10; i++) await bus.publish(`${ROWS_SUBJECT}.0`, rowsMessage(`m${i}`, 50), `m${i}`);
    await waitFor('500 rows stored', async () => (await count(store)) === 500);
    // Well past the lease TTL, b still stands by and has stored nothing.
    await new Promise((r) => setTimeout(r, 3000));
    expect(b.active).toBe(false);
    expect([a.stats.events, b.stats.events]).toEqual([500, 0]);

    await a.stop();
    await waitFor('writer b active', async () => b.active);
    for (let i = 10; i < 20; i++) await bus.publish(`${ROWS_SUBJECT}.1`, rowsMessage(`m${i}`, 50), `m${i}`);
    // Rows are visible to a query a moment before the writer's insert call returns and counts them.
    await waitFor(
      '1000 rows stored and counted',
      async () => (await count(store)) === 1000 && a.stats.events + b.stats.events === 1000,
    );
    expect([a.stats.events, b.stats.events]).toEqual([500, 500]);
    await b.stop();
  }, 120_000);
});
