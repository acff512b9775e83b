import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus, EVENTS_STREAM } from '../../src/bus/jetstream.js';
import { PartitionLeases } from '../../src/bus/leases.js';
import { normalizedHost } from '../../src/cluster/partition-pipeline.js';
import { clusterStatus } from '../../src/cluster/status.js';
import { RowsWriter } from '../../src/cluster/writer.js';
import type { JsonObject } from '../../src/ingest/types.js';
import { ColumnMapper, Mappings } from '../../src/normalize/index.js';
import { makeBatch } from '../../src/pipeline/batch.js';
import { openStore, type Store } from '../../src/store/index.js';
import { CLI, ROOT } from '../support/cli.js';
import { natsPresent, startNatsCluster, type NatsCluster } from '../support/nats.js';

const PARTITIONS = 6;
const HOSTS = 24;

if (!natsPresent) console.log('cluster-bus e2e skipped: /usr/sbin/nats-server is not installed');

/** A syslog-ish JSON record of one host, carrying a unique id to count exactly-once by. */
function record(id: number): JsonObject {
  const host = `host-${id % HOSTS}`;
  return {
    '@timestamp': new Date(Date.UTC(2024, 4, 1, 10, 0, 0) + id * 1000).toISOString(),
    hostname: host,
    event: { category: ['process'], type: ['start'] },
    process: { executable: '/usr/bin/true', command_line: `true ${id}`, pid: 1000 + id },
    test_id: `t${id}`,
  };
}

async function waitFor(what: string, check: () => Promise<boolean>, limitMs = 180_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.skipIf(!natsPresent)('scale-out bus: 3-node JetStream, 3 workers, one writer', () => {
  let nats: NatsCluster;
  let bus: EventBus;
  let store: Store;
  let writer: RowsWriter;
  let dir: string;
  const workers = new Map<string, ChildProcess>();
  const logs = new Map<string, string>();
  const hostOf = normalizedHost(Mappings.load(), ColumnMapper.load());
  let published = 0;

  const startWorker = (id: string) => {
    const child = spawn(
      process.execPath,
      [CLI, 'worker', '--nats', nats.urls, '--id', id, '--partitions', String(PARTITIONS)],
      {
        cwd: ROOT,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, VIGIL_ACK_WAIT_MS: '4000', VIGIL_LEASE_TTL_MS: '1500' },
      },
    );
    child.stderr!.on('data', (d: Buffer) =>
      logs.set(id, ((logs.get(id) ?? '') + d.toString()).slice(-20_000)),
    );
    workers.set(id, child);
  };

  /** Publishes `count` events as an ingest node would: batches of 250 over all hosts. */
  const publish = async (count: number) => {
    for (let i = 0; i < count; i += 250) {
      const records = Array.from({ length: Math.min(250, count - i) }, (_, j) => record(published + i + j));
      await bus.publishBatch(makeBatch('default', `batch-${published + i}`, 'test', records), hostOf);
    }
    published += count;
  };

  const stored = async () => {
    const [row] = await store.query<{ n: string; ids: string }>(
      "SELECT count() AS n, uniqExact(JSONExtractString(raw, 'test_id')) AS ids FROM events",
    );
    return { n: Number(row!.n), ids: Number(row!.ids) };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-cluster-e2e-'));
    nats = await startNatsCluster({ partitions: PARTITIONS });
    bus = await EventBus.connect(nats.urls.split(','), {
      ackWaitMs: 4000,
      maxBytes: 256 * 1024 ** 2,
      name: 'test-ingest',
    });
    await bus.ensureStreams();
    await PartitionLeases.ensureStream(bus);
    store = await openStore({ dataDir: dir, retentionDays: null });
    writer = new RowsWriter(bus, store);
    writer.start();
    for (const id of ['w1', 'w2', 'w3']) startWorker(id);
  }, 120_000);

  afterAll(async () => {
    for (const child of workers.values()) if (child.exitCode === null) child.kill('SIGKILL');
    // Closing the connection first ends any pull request left hanging by the killed node.
    await bus?.close();
    await writer?.stop();
    await store?.close();
    await nats?.stop();
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
    workers.get('w1')!.kill('SIGKILL');
    const leader = await nats.streamLeader(EVENTS_STREAM);
    expect(leader).not.toBeNull();
    await nats.kill(leader!);
    await streaming;
    await waitFor(`${published} events stored`, async () => (await stored()).n >= published, 240_000);
    // Give redeliveries (ack wait 4 s) a chance to show up as duplicates, if any were stored.
    await new Promise((r) => setTimeout(r, 6000));
    expect(await stored()).toEqual({ n: published, ids: published });
    const [dups] = await store.query<{ n: string }>(
      'SELECT count() AS n FROM (SELECT event_id FROM events GROUP BY event_id HAVING count() > 1)',
    );
    expect(Number(dups!.n)).toBe(0);
    const s = await clusterStatus(bus, PARTITIONS);
    expect(s.partitions.every((p) => p.owner === 'w2' || p.owner === 'w3')).toBe(true);
    expect(s.events?.leader).not.toBe(leader);
  });
});
