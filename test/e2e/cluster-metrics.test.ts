import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBus } from '../../src/bus/jetstream.js';
import { serveMetrics, type MetricsEndpoint } from '../../src/cluster/metrics-http.js';
import { writerCollector } from '../../src/cluster/metrics.js';
import { RowsWriter } from '../../src/cluster/writer.js';
import { openStore, type Store } from '../../src/store/index.js';
import { runCli } from '../support/cli.js';
import {
  poller,
  processStart,
  processStartsNdjson,
  startTestCluster,
  streamsDrained,
  WorkerPool,
  type TestCluster,
} from '../support/cluster.js';
import { freePort, natsPresent } from '../support/nats.js';
import { parseExposition, sampleValue, type Family } from '../support/prometheus.js';
import { api, removeDir, startVigil, type VigilProcess } from '../support/server.js';

const PARTITIONS = 3;
const HOSTS = 6;
const REQUESTS = 5;
const PER_REQUEST = 100;
const INGEST_TOKEN = 'vgl_metrics-e2e-ingest-token-0123456789';
const METRICS_TOKEN = 'vgl_metrics-e2e-scrape-token-9876543210';
const sha256 = (t: string) => createHash('sha256').update(t).digest('hex');

if (!natsPresent) console.log('cluster-metrics e2e skipped: /usr/sbin/nats-server is not installed');

const RECORDS = { hosts: HOSTS, hostPrefix: 'metrics-host-', idPrefix: 'm' };
const line = (id: number) => JSON.stringify(processStart(id, RECORDS));
const body = (request: number) => processStartsNdjson(request * PER_REQUEST, PER_REQUEST, RECORDS);

const waitFor = poller({ everyMs: 300 });

/** Scrapes an endpoint; the text must parse as strict exposition. */
async function scrape(
  url: string,
  token: string | null,
): Promise<{ status: number; families: Map<string, Family> | null; text: string }> {
  const r = await fetch(url, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
  const text = await r.text();
  if (r.status !== 200) return { status: r.status, families: null, text };
  expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return { status: r.status, families: parseExposition(text), text };
}

describe.skipIf(!natsPresent)('metrics on every scale-out role: worker, writer, ingest node', () => {
  let cluster: TestCluster;
  let bus: EventBus;
  let store: Store;
  let writer: RowsWriter;
  let writerEndpoint: MetricsEndpoint;
  let dir: string;
  let ingest: VigilProcess;
  let workers: WorkerPool;
  let workerUrl: string;

  const value = async (url: string, name: string, labels: Record<string, string> = {}) => {
    const s = await scrape(url, METRICS_TOKEN);
    expect(s.status, s.text).toBe(200);
    return sampleValue(s.families!, name, labels);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-cluster-metrics-'));
    cluster = await startTestCluster({
      partitions: PARTITIONS,
      bus: { ackWaitMs: 4000, name: 'test-writer' },
    });
    bus = cluster.bus;
    store = await openStore({ dataDir: join(dir, 'store'), retentionDays: null });
    writer = new RowsWriter(bus, store);
    writer.start();
    writerEndpoint = await serveMetrics(
      { host: '127.0.0.1', port: 0, tokenSha256: Buffer.from(sha256(METRICS_TOKEN), 'hex') },
      writerCollector(bus, writer, Date.now(), 500),
    );
    const port = await freePort();
    workerUrl = `http://127.0.0.1:${port}/metrics`;
    workers = new WorkerPool(cluster.nats.urls, { partitions: PARTITIONS });
    workers.start('mw1', {
      args: ['--metrics', `127.0.0.1:${port}`],
      // The token's digest from the environment, as a Kubernetes Secret would give it.
      env: { VIGIL_METRICS_TOKEN_SHA256: sha256(METRICS_TOKEN) },
    });
    await waitFor('the worker’s metrics endpoint', async () =>
      workers.log('mw1').includes('metrics at http://127.0.0.1:'),
    );
    mkdirSync(join(dir, 'ingest'));
    ingest = await startVigil({
      dataDir: join(dir, 'ingest'),
      args: ['--role', 'ingest', '--nats', cluster.nats.urls],
      config: { ingest_tokens: [sha256(INGEST_TOKEN)], metrics_tokens: [sha256(METRICS_TOKEN)] },
    });
  }, 180_000);

  afterAll(async () => {
    await ingest?.stop();
    await workers?.stop('mw1');
    await writerEndpoint?.close();
    await writer?.stop();
    await bus?.close();
    await store?.close();
    await cluster?.stop();
    if (dir !== undefined) removeDir(dir);
  }, 180_000);

  it('asks for the token: none or a wrong one gets 401, and an ingest token cannot read metrics', async () => {
    for (const url of [workerUrl, writerEndpoint.url]) {
      expect((await scrape(url, null)).status).toBe(401);
      expect((await scrape(url, 'vgl_wrong')).status).toBe(401);
      expect((await scrape(url, sha256(METRICS_TOKEN))).status).toBe(401);
      expect((await scrape(url, METRICS_TOKEN)).status).toBe(200);
    }
    const ingestMetrics = `${ingest.url}/api/v1/metrics`;
    expect((await scrape(ingestMetrics, null)).status).toBe(401);
    expect((await scrape(ingestMetrics, 'vgl_wrong')).status).toBe(401);
    expect((await scrape(ingestMetrics, INGEST_TOKEN)).status).toBe(401);
    expect((await scrape(ingestMetrics, METRICS_TOKEN)).status).toBe(200);
    // …and the metrics token cannot ingest.
    expect((await api(ingest.url, '/api/v1/ingest', { token: METRICS_TOKEN, raw: line(0) })).status).toBe(
      401,
    );
  });

  it('moves the counters of every role as events flow, in valid exposition text', async () => {
    await waitFor(
      'the worker owns every partition',
      async () => (await value(workerUrl, 'vigil_worker_partitions_owned')) === PARTITIONS,
    );
    expect(await value(workerUrl, 'vigil_worker_events_total')).toBe(0);
    const answers = await Promise.all(
      Array.from({ length: REQUESTS }, (_, r) =>
        api(ingest.url, '/api/v1/ingest', {
          token: INGEST_TOKEN,
          raw: body(r),
          headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': `metrics-${r}` },
        }),
      ),
    );
    for (const a of answers) expect(a.body).toMatchObject({ accepted: PER_REQUEST });
    const again = await api(ingest.url, '/api/v1/ingest', {
      token: INGEST_TOKEN,
      raw: body(0),
      headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'metrics-0' },
    });
    expect(again.body).toMatchObject({ duplicate: true });

    const total = REQUESTS * PER_REQUEST;
    const ingestMetrics = `${ingest.url}/api/v1/metrics`;
    const i = (await scrape(ingestMetrics, METRICS_TOKEN)).families!;
    expect(sampleValue(i, 'vigil_ingest_events_total')).toBe(total);
    expect(sampleValue(i, 'vigil_ingest_duplicates_total')).toBe(1);
    expect(sampleValue(i, 'vigil_ingest_publishes_total')).toBe(REQUESTS + 1);
    expect(sampleValue(i, 'vigil_ingest_publish_failures_total')).toBe(0);
    expect(sampleValue(i, 'vigil_ingest_publish_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(i, 'vigil_ingest_bytes_total')).toBe(
      Array.from({ length: total }, (_, n) => Buffer.byteLength(line(n))).reduce((a, b) => a + b, 0),
    );
    expect(sampleValue(i, 'vigil_ingest_requests_total', { code: '200' })).toBe(REQUESTS + 1 + 1);
    expect(sampleValue(i, 'vigil_ingest_requests_total', { code: '401' })).toBeGreaterThanOrEqual(4);
    expect(sampleValue(i, 'vigil_ingest_inflight_bytes')).toBe(0);
    expect(sampleValue(i, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    await waitFor('both streams drained', () => streamsDrained(bus));
    await waitFor(
      'the worker counted every event',
      async () => (await value(workerUrl, 'vigil_worker_events_total')) === total,
    );
    await waitFor(
      'the writer stored every event',
      async () => (await value(writerEndpoint.url, 'vigil_writer_events_total')) === total,
    );
    const [row] = await store.query<{ n: string }>('SELECT count() AS n FROM events');
    expect(Number(row!.n)).toBe(total);

    const w = (await scrape(workerUrl, METRICS_TOKEN)).families!;
    // One message per request and host.
    expect(sampleValue(w, 'vigil_worker_messages_total')).toBe(REQUESTS * HOSTS);
    expect(sampleValue(w, 'vigil_worker_damaged_total')).toBe(0);
    expect(sampleValue(w, 'vigil_worker_seconds_total', { stage: 'prepare' })).toBeGreaterThan(0);
    expect(sampleValue(w, 'vigil_worker_seconds_total', { stage: 'sink' })).toBeGreaterThan(0);
    expect(sampleValue(w, 'vigil_uptime_seconds')).toBeGreaterThan(0);
    // The backlog is read from JetStream at most every 5 s: wait for a read after the drain.
    await waitFor('every owned partition shows an empty backlog', async () => {
      const f = (await scrape(workerUrl, METRICS_TOKEN)).families!;
      return Array.from({ length: PARTITIONS }, (_, p) =>
        sampleValue(f, 'vigil_worker_partition_pending', { partition: `${p}` }),
      ).every((v) => v === 0);
    });
    const wr = (await scrape(writerEndpoint.url, METRICS_TOKEN)).families!;
    expect(sampleValue(wr, 'vigil_writer_messages_total')).toBeGreaterThanOrEqual(REQUESTS * HOSTS);
    expect(sampleValue(wr, 'vigil_writer_insert_seconds_total')).toBeGreaterThan(0);
    await waitFor(
      'the writer’s backlog read as empty',
      async () => (await value(writerEndpoint.url, 'vigil_writer_pending')) === 0,
    );
  });

  it('refuses an open endpoint beyond loopback, and a token that is not a digest, before connecting', async () => {
    const open = await runCli(['worker', '--nats', 'nats://127.0.0.1:1', '--metrics', '0.0.0.0:9464']);
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/reachable from other machines: give --metrics-token-sha256/);
    const raw = await runCli([
      'writer',
      '--nats',
      'nats://127.0.0.1:1',
      '--metrics',
      '127.0.0.1:9464',
      '--metrics-token-sha256',
      METRICS_TOKEN,
    ]);
    expect(raw.code).toBe(2);
    expect(raw.stderr).toMatch(/SHA-256 of the token as 64 hex digits/);
    const cluster = await runCli(['writer', '--nats', 'nats://127.0.0.1:1', '--clickhouse-cluster', 'c']);
    expect(cluster.code).toBe(2);
    expect(cluster.stderr).toMatch(/--clickhouse-cluster needs --clickhouse-url/);
  });
});
