import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus, EVENTS_STREAM, ROWS_STREAM } from '../../src/bus/jetstream.js';
import { PartitionLeases } from '../../src/bus/leases.js';
import { RowsWriter } from '../../src/cluster/writer.js';
import { ingestTokenHash } from '../../src/server/ingest-node.js';
import { openStore, type Store } from '../../src/store/index.js';
import { CLI, ROOT } from '../support/cli.js';
import { natsPresent, startNatsCluster, type NatsCluster } from '../support/nats.js';
import { api, removeDir, startVigil, type VigilProcess } from '../support/server.js';

const PARTITIONS = 4;
const HOSTS = 12;
const REQUESTS = 20;
const PER_REQUEST = 150;
const TOKEN = 'vgl_ingest-node-test-token-0123456789';
const ACME_TOKEN = 'vgl_ingest-node-acme-token-9876543210';

if (!natsPresent) console.log('cluster-ingest e2e skipped: /usr/sbin/nats-server is not installed');

/** One NDJSON line of one host, with a unique id to count exactly-once by. */
function line(id: number): string {
  return JSON.stringify({
    '@timestamp': new Date(Date.UTC(2024, 4, 1, 10, 0, 0) + id * 1000).toISOString(),
    hostname: `host-${id % HOSTS}`,
    event: { category: ['process'], type: ['start'] },
    process: { executable: '/usr/bin/true', command_line: `true ${id}`, pid: 1000 + id },
    test_id: `t${id}`,
  });
}

const body = (request: number) =>
  Array.from({ length: PER_REQUEST }, (_, i) => line(request * PER_REQUEST + i)).join('\n') + '\n';

async function waitFor(what: string, check: () => Promise<boolean>, limitMs = 180_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.skipIf(!natsPresent)('vigil serve --role ingest: HTTP to JetStream, 2 workers, one writer', () => {
  let nats: NatsCluster;
  let bus: EventBus;
  let store: Store;
  let writer: RowsWriter;
  let dir: string;
  let ingest: VigilProcess;
  const workers: ChildProcess[] = [];

  const stored = async () => {
    const [row] = await store.query<{ n: string; ids: string }>(
      "SELECT count() AS n, uniqExact(JSONExtractString(raw, 'test_id')) AS ids FROM events",
    );
    return { n: Number(row!.n), ids: Number(row!.ids) };
  };
  /** Both work-queue streams empty: every event was processed, its rows written and acked. */
  const drained = async () => {
    const events = await bus.jsm.streams.info(EVENTS_STREAM);
    const rows = await bus.jsm.streams.info(ROWS_STREAM);
    return events.state.messages === 0 && rows.state.messages === 0;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-cluster-ingest-'));
    nats = await startNatsCluster({ partitions: PARTITIONS });
    bus = await EventBus.connect(nats.urls.split(','), {
      ackWaitMs: 4000,
      maxBytes: 256 * 1024 ** 2,
      name: 'test-writer',
    });
    await bus.ensureStreams();
    await PartitionLeases.ensureStream(bus);
    store = await openStore({ dataDir: join(dir, 'store'), retentionDays: null });
    writer = new RowsWriter(bus, store);
    writer.start();
    for (const id of ['w1', 'w2'])
      workers.push(
        spawn(
          process.execPath,
          [CLI, 'worker', '--nats', nats.urls, '--id', id, '--partitions', `${PARTITIONS}`],
          {
            cwd: ROOT,
            stdio: 'ignore',
            env: { ...process.env, VIGIL_ACK_WAIT_MS: '4000', VIGIL_LEASE_TTL_MS: '1500' },
          },
        ),
      );
    mkdirSync(join(dir, 'ingest'));
    ingest = await startVigil({
      dataDir: join(dir, 'ingest'),
      args: ['--role', 'ingest', '--nats', nats.urls],
      config: { ingest_tokens: [ingestTokenHash(TOKEN), `acme=${ingestTokenHash(ACME_TOKEN)}`] },
    });
  }, 180_000);

  afterAll(async () => {
    await ingest?.stop();
    for (const child of workers) if (child.exitCode === null) child.kill('SIGKILL');
    await bus?.close();
    await writer?.stop();
    await store?.close();
    await nats?.stop();
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
    await waitFor('both streams drained', drained);
    expect(await stored()).toEqual({ n: total, ids: total });
    const [dups] = await store.query<{ n: string }>(
      'SELECT count() AS n FROM (SELECT event_id FROM events GROUP BY event_id HAVING count() > 1)',
    );
    expect(Number(dups!.n)).toBe(0);
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
