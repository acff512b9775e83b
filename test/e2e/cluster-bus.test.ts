import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_STREAM, type EventBus } from '../../src/bus/jetstream.js';
import { normalizedHost } from '../../src/cluster/partition-pipeline.js';
import { clusterStatus } from '../../src/cluster/status.js';
import { RowsWriter } from '../../src/cluster/writer.js';
import { ColumnMapper, Mappings } from '../../src/normalize/index.js';
import { makeBatch } from '../../src/pipeline/batch.js';
import { openStore, type Store } from '../../src/store/index.js';
import {
  duplicatedEventIds,
  processStart,
  startTestCluster,
  storedTestIds,
  waitFor,
  WorkerPool,
  type TestCluster,
} from '../support/cluster.js';
import { natsPresent } from '../support/nats.js';

const PARTITIONS = 6;
const HOSTS = 24;

if (!natsPresent) console.log('cluster-bus e2e skipped: /usr/sbin/nats-server is not installed');

describe.skipIf(!natsPresent)('scale-out bus: 3-node JetStream, 3 workers, one writer', () => {
  let cluster: TestCluster;
  let bus: EventBus;
  let workers: WorkerPool;
  let store: Store;
  let writer: RowsWriter;
  let dir: string;
  const hostOf = normalizedHost(Mappings.load(), ColumnMapper.load());
  let published = 0;

  /** Publishes `count` events as an ingest node would: batches of 250 over all hosts. */
  const publish = async (count: number) => {
    for (let i = 0; i < count; i += 250) {
      const records = Array.from({ length: Math.min(250, count - i) }, (_, j) =>
        processStart(published + i + j, { hosts: HOSTS }),
      );
      await bus.publishBatch(makeBatch('default', `batch-${published + i}`, 'test', records), hostOf);
    }
    published += count;
  };

  const stored = () => storedTestIds(store);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-cluster-e2e-'));
    cluster = await startTestCluster({
      partitions: PARTITIONS,
      bus: { ackWaitMs: 4000, name: 'test-ingest' },
    });
    bus = cluster.bus;
    store = await openStore({ dataDir: dir, retentionDays: null });
    writer = new RowsWriter(bus, store);
    writer.start();
    workers = new WorkerPool(cluster.nats.urls, { partitions: PARTITIONS });
    for (const id of ['w1', 'w2', 'w3']) workers.start(id);
  }, 120_000);

  afterAll(async () => {
    workers?.killAll();
    // Closing the connection first ends any pull request left hanging by the killed node.
    await bus?.close();
    await writer?.stop();
    await store?.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 180_000);

  it('stores every event exactly once, with the partitions shared among the workers', async () => {
    await publish(6000);
    await waitFor('6000 events stored', async () => (await stored()).n >= 6000);
    expect(await stored()).toEqual({ n: 6000, ids: 6000 });
    // The leases settle on a fair share: 6 partitions over 3 workers, 2 each.
    await waitFor('a fair share of partitions', async () => {
      const s = await clusterStatus(bus, PARTITIONS);
      return ['w1', 'w2', 'w3'].every((w) => s.partitions.filter((p) => p.owner === w).length === 2);
    });
    // The same host always went to the same partition: one host's events share a subject.
    const hosts = await store.query<{ host: string; n: string }>(
      'SELECT host, count() AS n FROM events GROUP BY host ORDER BY host',
    );
    expect(hosts).toHaveLength(HOSTS);
  });

  it('loses and duplicates nothing when a worker and the stream leader are killed mid-stream', async () => {
    const before = published;
    const streaming = publish(12_000);
    await waitFor('the new events flowing', async () => (await stored()).n > before + 1000);
    workers.kill('w1');
    const leader = await cluster.nats.streamLeader(EVENTS_STREAM);
    expect(leader).not.toBeNull();
    await cluster.nats.kill(leader!);
    await streaming;
    await waitFor(`${published} events stored`, async () => (await stored()).n >= published, 240_000);
    // Give redeliveries (ack wait 4 s) a chance to show up as duplicates, if any were stored.
    await new Promise((r) => setTimeout(r, 6000));
    expect(await stored()).toEqual({ n: published, ids: published });
    expect(await duplicatedEventIds(store)).toBe(0);
    const s = await clusterStatus(bus, PARTITIONS);
    expect(s.partitions.every((p) => p.owner === 'w2' || p.owner === 'w3')).toBe(true);
    expect(s.events?.leader).not.toBe(leader);
  });
});
