import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_STREAM, type EventBus } from '../../src/bus/jetstream.js';
import { RowsWriter } from '../../src/cluster/writer.js';
import { ingestTokenHash } from '../../src/server/ingest-node.js';
import { openStore, type Store } from '../../src/store/index.js';
import {
  duplicatedEventIds,
  processStart,
  processStartsNdjson,
  startTestCluster,
  storedTestIds,
  streamsDrained,
  waitFor,
  WorkerPool,
  type TestCluster,
} from '../support/cluster.js';
import { natsPresent } from '../support/nats.js';
import { api, removeDir, startVigil, type VigilProcess } from '../support/server.js';

const PARTITIONS = 4;
const HOSTS = 12;
const REQUESTS = 20;
const PER_REQUEST = 150;
const TOKEN = 'vgl_ingest-node-test-token-0123456789';
const ACME_TOKEN = 'vgl_ingest-node-acme-token-9876543210';

if (!natsPresent) console.log('cluster-ingest e2e skipped: /usr/sbin/nats-server is not installed');

/** One NDJSON line of one host, with a unique id to count exactly-once by. */
const line = (id: number) => JSON.stringify(processStart(id, { hosts: HOSTS }));

const body = (request: number) => processStartsNdjson(request * PER_REQUEST, PER_REQUEST, { hosts: HOSTS });

describe.skipIf(!natsPresent)('vigil serve --role ingest: HTTP to JetStream, 2 workers, one writer', () => {
  let cluster: TestCluster;
  let bus: EventBus;
  let workers: WorkerPool;
  let store: Store;
  let writer: RowsWriter;
  let dir: string;
  let ingest: VigilProcess;

  const stored = () => storedTestIds(store);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-cluster-ingest-'));
    cluster = await startTestCluster({
      partitions: PARTITIONS,
      bus: { ackWaitMs: 4000, name: 'test-writer' },
    });
    bus = cluster.bus;
    store = await openStore({ dataDir: join(dir, 'store'), retentionDays: null });
    writer = new RowsWriter(bus, store);
    writer.start();
    workers = new WorkerPool(cluster.nats.urls, { partitions: PARTITIONS });
    for (const id of ['w1', 'w2']) workers.start(id);
    mkdirSync(join(dir, 'ingest'));
    ingest = await startVigil({
      dataDir: join(dir, 'ingest'),
      args: ['--role', 'ingest', '--nats', cluster.nats.urls],
      config: { ingest_tokens: [ingestTokenHash(TOKEN), `acme=${ingestTokenHash(ACME_TOKEN)}`] },
    });
  }, 180_000);

  afterAll(async () => {
    await ingest?.stop();
    workers?.killAll();
    await bus?.close();
    await writer?.stop();
    await store?.close();
    await cluster?.stop();
    if (dir !== undefined) removeDir(dir);
  }, 180_000);

  it('answers only for ingest, with its configured tokens, and opens no store', async () => {
    expect((await api(ingest.url, '/api/v1/health', { token: null })).body).toEqual({
      status: 'ok',
      role: 'ingest',
    });
    const unknown = await api(ingest.url, '/api/v1/ingest', { token: 'vgl_wrong', raw: line(0) });
    expect(unknown.status).toBe(401);
    const none = await api(ingest.url, '/api/v1/ingest', { token: null, raw: line(0) });
    expect(none.status).toBe(401);
    const otherTenant = await api(ingest.url, '/api/v1/ingest', {
      token: ACME_TOKEN,
      raw: line(0),
      headers: { 'x-vigil-tenant': 'default' },
    });
    expect(otherTenant.status).toBe(403);
    expect((await api(ingest.url, '/api/v1/incidents', { token: TOKEN })).status).toBe(404);
    expect(ingest.output()).toContain('role ingest');
  });

  it('stores every posted event exactly once, and a retried request is not stored twice', async () => {
    const answers = await Promise.all(
      Array.from({ length: REQUESTS }, (_, r) =>
        api(ingest.url, '/api/v1/ingest', {
          token: TOKEN,
          raw: body(r),
          headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': `req-${r}` },
        }),
      ),
    );
    for (const a of answers) expect(a.body).toMatchObject({ accepted: PER_REQUEST, rejected: 0 });
    expect(answers.some((a) => a.body.duplicate === true)).toBe(false);
    // A client that lost the replies sends the same requests again, with the same keys.
    for (const r of [0, 7, REQUESTS - 1]) {
      const again = await api(ingest.url, '/api/v1/ingest', {
        token: TOKEN,
        raw: body(r),
        headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': `req-${r}` },
      });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ accepted: PER_REQUEST, duplicate: true });
    }
    // Every answer came after JetStream's ack: the stream already holds one message per request
    // and host, and the retries added none.
    const events = await bus.jsm.streams.info(EVENTS_STREAM);
    expect(events.state.last_seq).toBe(REQUESTS * HOSTS);
    const total = REQUESTS * PER_REQUEST;
    await waitFor(`${total} events stored`, async () => (await stored()).n >= total);
    await waitFor('both streams drained', () => streamsDrained(bus));
    expect(await stored()).toEqual({ n: total, ids: total });
    expect(await duplicatedEventIds(store)).toBe(0);
    const hosts = await store.query<{ host: string; tenant: string }>(
      'SELECT DISTINCT host, tenant FROM events ORDER BY host',
    );
    expect(hosts).toHaveLength(HOSTS);
    expect(new Set(hosts.map((h) => h.tenant))).toEqual(new Set(['default']));
  });

  it("puts a tenant's token's events in its own tenant", async () => {
    const before = (await stored()).n;
    const r = await api(ingest.url, '/api/v1/ingest', {
      token: ACME_TOKEN,
      raw: `${line(900_000)}\n${line(900_001)}\n`,
    });
    expect(r.body).toMatchObject({ accepted: 2 });
    await waitFor('the acme events stored', async () => (await stored()).n >= before + 2);
    const [row] = await store.query<{ n: string }>("SELECT count() AS n FROM events WHERE tenant = 'acme'");
    expect(Number(row!.n)).toBe(2);
  });
});
