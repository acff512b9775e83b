import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestTokenHash } from '../../src/server/ingest-node.js';
import {
  poller,
  SHORT_LEASES_ENV,
  startTestCluster,
  WorkerPool,
  type TestCluster,
} from '../support/cluster.js';
import { natsPresent } from '../support/nats.js';
import { ADMIN_TOKEN, api, removeDir, startVigil, type VigilProcess } from '../support/server.js';

const PARTITIONS = 6;
const WORKERS = ['w1', 'w2', 'w3'];
const HOSTS = 12;
const REQUESTS_PER_DOOR = 6;
const PER_REQUEST = 100;
/** Every this many events, one starts the tool the uploaded rule looks for. */
const TOOL_EVERY = 10;
const NODE_TOKEN = 'vgl_cluster-api-ingest-node-token-0123456789';
const RULE_ID = '7d2b8c1e-5f3a-4e6b-9c0d-1a2b3c4d5e6f';
const FROM = '2026-01-01T00:00:00Z';

if (!natsPresent) console.log('cluster-api e2e skipped: /usr/sbin/nats-server is not installed');

const RULE = [
  'title: Cluster Test Tool Started',
  `id: ${RULE_ID}`,
  'level: high',
  'logsource: { category: process_creation, product: windows }',
  'detection:',
  '  selection:',
  "    Image|endswith: '\\\\zz_cluster_tool.exe'",
  '  condition: selection',
].join('\n');

/** A Sysmon process start on one of the hosts, with a unique id to count exactly-once by. */
function event(id: number, options: { tool?: boolean; host?: string } = {}): string {
  const tool = options.tool ?? id % TOOL_EVERY === 0;
  return JSON.stringify({
    Channel: 'Microsoft-Windows-Sysmon/Operational',
    Hostname: options.host ?? `WS-${id % HOSTS}`,
    EventTime: new Date(Date.UTC(2026, 10, 20, 10, 0, 0) + id * 1000).toISOString(),
    EventID: 1,
    RecordNumber: id,
    Image: tool ? 'C:\\Tools\\zz_cluster_tool.exe' : 'C:\\Windows\\System32\\whoami.exe',
    CommandLine: `run ${id}`,
    test_id: `t${id}`,
  });
}

const lines = (ids: readonly number[], options?: Parameters<typeof event>[1]) =>
  ids.map((id) => event(id, options)).join('\n') + '\n';

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

/** The nodes answer only once they are up: a check that throws is tried again. */
const waitFor = poller({ limitMs: 120_000, tolerateErrors: true });

describe.skipIf(!natsPresent)('vigil serve --role api: API and single writer of a 3-worker cluster', () => {
  let cluster: TestCluster;
  let dir: string;
  let apiNode: VigilProcess;
  const ingestNodes: VigilProcess[] = [];
  let workers: WorkerPool;

  const status = async () => {
    const r = await api(apiNode.url, '/api/v1/status');
    if (r.status !== 200) throw new Error(`status ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  /** Everything accepted is stored: both streams empty, incidents written. */
  const settled = () =>
    waitFor('the cluster to settle', async () => {
      const s = await status();
      return s.pipeline.backlogBytes === 0 && s.incidents.unwritten === 0;
    });
  /** Every stored event of tenant default, through the api's export, as test_id → event ids. */
  const stored = async () => {
    const r = await fetch(`${apiNode.url}/api/v1/search/export?from=${FROM}&to=now&raw=true`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(r.status).toBe(200);
    const byTest = new Map<string, string[]>();
    for (const line of (await r.text()).split('\n')) {
      if (line === '') continue;
      const e = JSON.parse(line) as { event_id: string; raw: { test_id?: string } };
      const id = e.raw.test_id ?? '';
      byTest.set(id, [...(byTest.get(id) ?? []), e.event_id]);
    }
    return byTest;
  };
  const alertsOfRule = async (host?: string) => {
    const r = await api(
      apiNode.url,
      `/api/v1/alerts?from=${FROM}&to=now&rule=${RULE_ID}&limit=1${host === undefined ? '' : `&host=${host}`}`,
    );
    expect(r.status).toBe(200);
    return r.body.total as number;
  };
  /**
   * A change made on the api reached the workers: the answer names workers of this cluster, and
   * every worker holding partitions reports it applied (at once, unless the machine was too busy
   * for the answer's wait).
   */
  const reached = async (
    kind: 'rules' | 'suppressions',
    propagation: { seq: number; workers: string[]; pending: string[] },
  ) => {
    expect(propagation.workers.length).toBeGreaterThan(0);
    for (const w of propagation.workers) expect(WORKERS).toContain(w);
    await appliedEverywhere(kind, propagation.seq);
  };
  /** Waits until every worker holding partitions reports the control message applied. */
  const appliedEverywhere = (kind: 'rules' | 'suppressions', seq: number) =>
    waitFor(`${kind} ${seq} applied by every worker`, async () => {
      const w = (await status()).pipeline.cluster.workers as {
        worker: string;
        rules: number;
        suppressions: number;
      }[];
      return w.length > 0 && w.every((x) => x[kind] >= seq);
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-cluster-api-'));
    // The streams with the test's smaller backlog limit; the api node makes the leases stream.
    cluster = await startTestCluster({
      partitions: PARTITIONS,
      bus: { name: 'test-setup' },
      leases: false,
      streamsRetryMs: 60_000,
    });
    await cluster.bus.close();
    const urls = cluster.nats.urls;
    // The api node first: it creates the streams, and it is the single writer of its store.
    mkdirSync(join(dir, 'api'));
    apiNode = await startVigil({
      dataDir: join(dir, 'api'),
      args: ['--role', 'api', '--nats', urls, '--partitions', `${PARTITIONS}`],
      env: SHORT_LEASES_ENV,
    });
    workers = new WorkerPool(urls, { partitions: PARTITIONS });
    for (const id of WORKERS) workers.start(id);
    for (const name of ['ingest-a', 'ingest-b']) {
      mkdirSync(join(dir, name));
      ingestNodes.push(
        await startVigil({
          dataDir: join(dir, name),
          args: ['--role', 'ingest', '--nats', urls],
          config: { ingest_tokens: [ingestTokenHash(NODE_TOKEN)] },
          env: SHORT_LEASES_ENV,
        }),
      );
    }
    // Fair shares settle: each of the three workers holds two partitions.
    await waitFor(
      'every partition owned, two per worker',
      async () => {
        const c = (await status()).pipeline.cluster;
        return (
          c.partitions.every((p: { owner: string }) => p.owner !== '') &&
          c.workers.length === WORKERS.length &&
          c.workers.every((w: { partitions: number[] }) => w.partitions.length === 2)
        );
      },
      150_000,
    );
  }, 240_000);

  afterAll(async () => {
    // DEBUG_CLUSTER_API=1 shows what the nodes logged.
    if (process.env.DEBUG_CLUSTER_API) {
      console.log('API', apiNode?.output().slice(-6000));
      for (const [w, l] of workers?.allLogs() ?? []) console.log(w, l.slice(-3000));
      for (const n of ingestNodes) console.log('INGEST', n.output().slice(-2000));
    }
    for (const n of ingestNodes) await n.stop();
    workers?.killAll();
    await apiNode?.stop();
    await cluster?.stop();
    if (dir !== undefined) removeDir(dir);
  }, 120_000);

  it('answers as an api node, and its status shows the streams, partitions and workers', async () => {
    expect((await api(apiNode.url, '/api/v1/health', { token: null })).body).toEqual({
      status: 'ok',
      role: 'api',
    });
    expect(apiNode.output()).toContain('role api');
    // Leases are short here: on a busy machine one may lapse for a moment, so read a settled view.
    const s = await waitFor('a status with every partition owned', async () => {
      const x = await status();
      const c = x.pipeline.cluster;
      return c.partitions.every((p: { owner: string }) => p.owner !== '') &&
        c.workers.length === WORKERS.length
        ? x
        : false;
    });
    expect(s.store).toBe('embedded');
    expect(s.pipeline.role).toBe('api');
    expect(s.pipeline.cluster.streams.map((x: { name: string }) => x.name)).toEqual([
      'VIGIL_EVENTS',
      'VIGIL_ROWS',
    ]);
    expect(s.pipeline.cluster.partitions).toHaveLength(PARTITIONS);
    expect(s.pipeline.cluster.workers.map((w: { worker: string }) => w.worker)).toEqual(WORKERS);
    const owned = s.pipeline.cluster.workers.flatMap((w: { partitions: number[] }) => w.partitions).sort();
    expect(owned).toEqual(range(0, PARTITIONS));
    const metrics = await waitFor('metrics with every partition owned', async () => {
      const text = (await api(apiNode.url, '/api/v1/metrics')).body as string;
      return text.includes('vigil_cluster_partitions_unowned 0') ? text : false;
    });
    expect(metrics).toContain('vigil_cluster_up 1');
    expect(metrics).toContain(`vigil_cluster_workers ${WORKERS.length}`);
    expect(metrics).toMatch(/^vigil_cluster_partition_pending\{partition="5"\} \d+$/m);
    expect(metrics).toMatch(/^vigil_events_stored_total \d+$/m);
  });

  it('hands a rule uploaded on the api to every worker before it answers', async () => {
    const up = await api(apiNode.url, '/api/v1/rules', { raw: RULE });
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    await reached('rules', up.body.propagation);
    const listed = await api(apiNode.url, '/api/v1/rules?q=cluster test tool');
    expect(listed.body.rules).toEqual([expect.objectContaining({ id: RULE_ID, enabled: true })]);
  });

  let total = 0;
  let tools = 0;

  it('stores every event once, from two ingest nodes and the api (with a token made on the api)', async () => {
    const made = await api(apiNode.url, '/api/v1/tokens', { body: { role: 'ingest', name: 'shipper' } });
    expect(made.status).toBe(201);
    const reader = await api(apiNode.url, '/api/v1/tokens', { body: { role: 'read-only', name: 'r' } });
    const denied = await api(apiNode.url, '/api/v1/ingest', { token: reader.body.token, raw: event(0) });
    expect(denied.status).toBe(403);
    const doors = [
      { url: ingestNodes[0]!.url, token: NODE_TOKEN },
      { url: ingestNodes[1]!.url, token: NODE_TOKEN },
      { url: apiNode.url, token: made.body.token as string },
    ];
    const posts = doors.flatMap((door, d) =>
      range(0, REQUESTS_PER_DOOR).map((r) => {
        const ids = range((d * REQUESTS_PER_DOOR + r) * PER_REQUEST, PER_REQUEST);
        return api(door.url, '/api/v1/ingest', {
          token: door.token,
          raw: lines(ids),
          headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': `door${d}-req${r}` },
        });
      }),
    );
    const answers = await Promise.all(posts);
    for (const a of answers) expect(a.body).toMatchObject({ accepted: PER_REQUEST, rejected: 0 });
    // A lost reply retried through the api node is taken once.
    const again = await api(apiNode.url, '/api/v1/ingest', {
      token: made.body.token,
      raw: lines(range(2 * REQUESTS_PER_DOOR * PER_REQUEST, PER_REQUEST)),
      headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'door2-req0' },
    });
    expect(again.body).toMatchObject({ accepted: PER_REQUEST, duplicate: true });

    total = doors.length * REQUESTS_PER_DOOR * PER_REQUEST;
    tools = total / TOOL_EVERY;
    await waitFor(`${total} events searchable`, async () => (await stored()).size >= total);
    await settled();
    const byTest = await stored();
    expect(byTest.size).toBe(total);
    const events = [...byTest.values()];
    expect(events.every((ids) => ids.length === 1)).toBe(true);
    expect(new Set(events.flat()).size).toBe(total);
    expect(await alertsOfRule()).toBe(tools);
  });

  it('a rule switched off on the api stops alerting on the workers', async () => {
    const off = await api(apiNode.url, `/api/v1/rules/${RULE_ID}`, {
      method: 'PATCH',
      body: { enabled: false },
    });
    expect(off.status).toBe(200);
    await reached('rules', off.body.propagation);
    const ids = range(100_000, 60);
    const r = await api(ingestNodes[0]!.url, '/api/v1/ingest', {
      token: NODE_TOKEN,
      raw: lines(ids, { tool: true }),
    });
    expect(r.body).toMatchObject({ accepted: ids.length });
    await waitFor(
      'the events after the switch stored',
      async () => (await stored()).size >= total + ids.length,
    );
    await settled();
    expect(await alertsOfRule()).toBe(tools);
    total += ids.length;
  });

  it('a suppression made on the api silences its host on the workers, and only there', async () => {
    const on = await api(apiNode.url, `/api/v1/rules/${RULE_ID}`, {
      method: 'PATCH',
      body: { enabled: true },
    });
    await reached('rules', on.body.propagation);
    const added = await api(apiNode.url, '/api/v1/suppressions', {
      body: { rule_id: RULE_ID, field: 'Hostname', value: 'WS-QUIET', reason: 'the lab host runs the tool' },
    });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    await reached('suppressions', added.body.propagation);
    const quiet = range(200_000, 20);
    const loud = range(300_000, 20);
    for (const [ids, host] of [
      [quiet, 'WS-QUIET'],
      [loud, 'WS-LOUD'],
    ] as const) {
      const r = await api(ingestNodes[1]!.url, '/api/v1/ingest', {
        token: NODE_TOKEN,
        raw: lines(ids, { tool: true, host }),
      });
      expect(r.body).toMatchObject({ accepted: ids.length });
    }
    total += quiet.length + loud.length;
    await waitFor('the events after the suppression stored', async () => (await stored()).size >= total);
    await settled();
    expect(await alertsOfRule('WS-LOUD')).toBe(loud.length);
    expect(await alertsOfRule('WS-QUIET')).toBe(0);
    expect(await alertsOfRule()).toBe(tools + loud.length);
  });

  it('analyzes mail posted to the api, answering with the id its event is stored under', async () => {
    const raw = [
      'From: Dana <dana@supplier.example>',
      'To: ap@org.example',
      'Subject: cluster api mail',
      'Message-ID: <cluster-api-1@supplier.example>',
      'Date: Fri, 20 Nov 2026 10:00:00 +0000',
      '',
      'The invoice is attached.',
      '',
    ].join('\r\n');
    const post = () =>
      api(apiNode.url, '/api/v1/ingest/email', { raw, headers: { 'content-type': 'message/rfc822' } });
    const first = await post();
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ accepted: 1 });
    // The same bytes again: JetStream drops the copy, and the answer names the first event.
    const again = await post();
    expect(again.body).toMatchObject({ accepted: 1, duplicate: true, event_id: first.body.event_id });
    const found = await waitFor('the mail event stored', async () => {
      const r = await api(apiNode.url, `/api/v1/email/messages/${first.body.event_id}`);
      return r.status === 200 ? r.body : false;
    });
    expect(found).toMatchObject({ id: first.body.event_id, subject: 'cluster api mail' });
  });
});
