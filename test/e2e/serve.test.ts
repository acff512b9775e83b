import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, api, removeDir, settled, startVigil, type VigilProcess } from '../support/server.js';
import { sysmonEvtx } from '../support/sysmon-evtx.js';

const INSTALLER_RULE = '13619774-09df-4867-8d3c-e8f93e2042a6';
let vigil: VigilProcess;
let syslogTcp = 0;
let syslogUdp = 0;

const sysmon = (host: string, n: number, extra: Record<string, unknown> = {}) => ({
  Channel: 'Microsoft-Windows-Sysmon/Operational',
  Hostname: host,
  EventTime: '2026-11-20 10:00:00',
  EventID: 1,
  RecordNumber: n,
  Image: 'C:\\Windows\\System32\\notepad.exe',
  CommandLine: `notepad.exe file${n}.txt`,
  ParentImage: 'C:\\Windows\\explorer.exe',
  ...extra,
});
const ndjson = (events: unknown[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';
const search = async (query: string, token = ADMIN_TOKEN, extra = '') =>
  api(vigil.url, `/api/v1/search?q=${encodeURIComponent(query)}&from=2000-01-01T00:00:00Z&to=now${extra}`, {
    token,
  });

beforeAll(async () => {
  syslogTcp = 20000 + Math.floor(Math.random() * 20000);
  syslogUdp = syslogTcp + 1;
  vigil = await startVigil({ config: { syslog_tcp_port: syslogTcp, syslog_udp_port: syslogUdp } });
});
afterAll(async () => {
  await vigil?.stop();
  if (vigil) removeDir(vigil.dataDir);
});

describe('vigil serve: ingest through every front door, then search', () => {
  it('refuses anonymous and unknown callers, but answers health', async () => {
    expect((await api(vigil.url, '/api/v1/health', { token: null })).status).toBe(200);
    expect((await api(vigil.url, '/api/v1/search?q=x', { token: null })).status).toBe(401);
    expect(
      (
        await api(vigil.url, '/api/v1/search?q=x', {
          token: 'vgl_not-a-real-token-aaaaaaaaaaaaaaaaaaaaaaaaa',
        })
      ).status,
    ).toBe(401);
    const doc = await api(vigil.url, '/api/v1/openapi.json', { token: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/ingest', '/api/v1/search', '/api/v1/_bulk']),
    );
  });

  it('NDJSON: keeps good lines, rejects a bad one with its line number, and detects', async () => {
    const body =
      ndjson([
        sysmon('WS1', 1),
        sysmon('WS1', 2, {
          ParentImage: 'C:\\Users\\bob\\Downloads\\VPN_setup.exe',
          Image: 'C:\\Windows\\System32\\wscript.exe',
          CommandLine: 'wscript.exe a.vbs',
        }),
      ]) +
      '{"broken": \n' +
      ndjson([sysmon('WS1', 3)]);
    const r = await api(vigil.url, '/api/v1/ingest', { raw: body });
    expect(r.status).toBe(200);
    expect(r.body.accepted).toBe(3);
    expect(r.body.rejected).toBe(1);
    expect(r.body.errors[0].line).toBe(3);
    expect(r.body.errors[0].reason).toMatch(/line 3/);
    await settled(vigil.url);
    const found = await search('host:WS1');
    expect(found.body.total).toBe(3);
    const alerts = await api(vigil.url, `/api/v1/alerts?rule=${INSTALLER_RULE}&from=2000-01-01T00:00:00Z`);
    expect(alerts.body.total).toBe(1);
    expect(alerts.body.alerts[0].host).toBe('WS1');
  });

  it('Prometheus metrics: with a token only, counting what the pipeline stored', async () => {
    expect((await api(vigil.url, '/api/v1/metrics', { token: null })).status).toBe(401);
    const m = await api(vigil.url, '/api/v1/metrics');
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(m.body as string)?.[1]);
    const status = (await api(vigil.url, '/api/v1/status')).body;
    expect(value('vigil_events_stored_total')).toBeGreaterThanOrEqual(3);
    expect(value('vigil_events_stored_total')).toBeLessThanOrEqual(status.pipeline.events);
    expect(value('vigil_alerts_total')).toBeGreaterThanOrEqual(1);
    expect(value('vigil_retention_days')).toBe(status.retention.days);
    expect(m.body).toMatch(/^# TYPE vigil_ingest_backlog_bytes gauge$/m);
    // The retention pass waits a minute after start-up: nothing yet, every kind listed.
    expect(m.body).toMatch(/^vigil_records_purged_total\{kind="incidents"\} 0$/m);
    expect(m.body).toMatch(/^vigil_records_purged_total\{kind="audit"\} 0$/m);
    expect(m.body).toMatch(/^vigil_record_purge_passes_total\{outcome="failed"\} 0$/m);
    expect(value('vigil_record_purge_last_success_seconds')).toBe(0);
  });

  it('a JSON array, and a retried request with the same Idempotency-Key stored once', async () => {
    const events = [sysmon('ARRAY1', 1), sysmon('ARRAY1', 2)];
    const headers = { 'idempotency-key': 'array-batch-1', 'content-type': 'application/json' };
    const first = await api(vigil.url, '/api/v1/ingest', { raw: JSON.stringify(events), headers });
    const again = await api(vigil.url, '/api/v1/ingest', { raw: JSON.stringify(events), headers });
    expect(first.body.accepted).toBe(2);
    expect(again.body.duplicate).toBe(true);
    await settled(vigil.url);
    expect((await search('host:ARRAY1')).body.total).toBe(2);
  });

  it('a raw EVTX upload', async () => {
    const file = sysmonEvtx([
      {
        id: 1,
        time: '2026-11-20T10:00:00.000Z',
        computer: 'EVTX-HOST',
        image: 'C:\\Windows\\System32\\cmd.exe',
        commandLine: 'cmd /c whoami',
        parentImage: 'C:\\Windows\\explorer.exe',
      },
      {
        id: 2,
        time: '2026-11-20T10:00:01.000Z',
        computer: 'EVTX-HOST',
        image: 'C:\\Windows\\System32\\wscript.exe',
        commandLine: 'wscript.exe x.vbs',
        parentImage: 'C:\\Users\\eve\\Downloads\\Setup_v2.exe',
      },
    ]);
    const r = await api(vigil.url, '/api/v1/ingest/evtx', {
      raw: file,
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(r.status).toBe(200);
    expect(r.body.accepted).toBe(2);
    await settled(vigil.url);
    const found = await search('host:EVTX-HOST AND process.command_line:"cmd /c whoami"');
    expect(found.body.total).toBe(1);
    const alerts = await api(
      vigil.url,
      `/api/v1/alerts?rule=${INSTALLER_RULE}&host=EVTX-HOST&from=2000-01-01T00:00:00Z`,
    );
    expect(alerts.body.total).toBe(1);
  });

  it('the Elasticsearch bulk API, as Winlogbeat sends it', async () => {
    const doc = (n: number) => ({
      '@timestamp': '2026-11-20T10:00:00.000Z',
      winlog: {
        channel: 'Microsoft-Windows-Sysmon/Operational',
        event_id: 1,
        computer_name: 'BEATS-HOST',
        event_data: { Image: 'C:\\x\\beat.exe', CommandLine: `beat.exe ${n}` },
      },
    });
    const body = ndjson([
      { index: { _index: 'winlogbeat' } },
      doc(1),
      { create: {} },
      doc(2),
      { delete: { _id: 'x' } },
    ]);
    const r = await api(vigil.url, '/api/v1/_bulk', {
      raw: body,
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(r.status).toBe(200);
    expect(r.body.errors).toBe(true);
    expect(r.body.items.map((i: Record<string, { status: number }>) => Object.values(i)[0]!.status)).toEqual([
      201, 201, 400,
    ]);
    await settled(vigil.url);
    expect((await search('host:BEATS-HOST')).body.total).toBe(2);
  });

  it('Splunk HEC, with the Splunk authorization scheme', async () => {
    const body =
      JSON.stringify({ event: { action: 'login', user: 'zoe' }, host: 'HEC-HOST', time: 1763632800 }) +
      JSON.stringify({ event: 'plain text line', host: 'HEC-HOST' });
    const res = await fetch(`${vigil.url}/services/collector/event`, {
      method: 'POST',
      headers: { authorization: `Splunk ${ADMIN_TOKEN}` },
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ text: 'Success', code: 0 });
    await settled(vigil.url);
    expect((await search('"plain text line"')).body.total).toBe(1);
  });

  it('syslog over TCP (octet counting and newlines) and UDP', async () => {
    const m1 =
      '<34>1 2026-11-20T10:00:00.000Z SYSLOG-HOST sshd 4242 ID47 - Failed password for root from 203.0.113.9';
    const m2 = '<13>Nov 20 10:00:01 SYSLOG-HOST cron[77]: job started';
    await new Promise<void>((resolve, reject) => {
      const socket = connect(syslogTcp, '127.0.0.1', () => {
        socket.end(`${Buffer.byteLength(m1)} ${m1}${m2}\n`);
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    const udp = createSocket('udp4');
    await new Promise<void>((resolve, reject) =>
      udp.send('<14>Nov 20 10:00:02 SYSLOG-HOST app: over udp', syslogUdp, '127.0.0.1', (e) =>
        e ? reject(e) : resolve(),
      ),
    );
    udp.close();
    for (let i = 0; i < 100 && (await search('host:SYSLOG-HOST')).body.total < 3; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect((await search('host:SYSLOG-HOST')).body.total).toBe(3);
    expect((await search('"Failed password"')).body.total).toBe(1);
  });

  it('search answers with a total, a histogram and facets, and rejects bad syntax with a position', async () => {
    const r = await search('host:WS1 OR host:ARRAY1');
    expect(r.body.total).toBe(5);
    expect(r.body.histogram.buckets.reduce((n: number, b: { n: number }) => n + b.n, 0)).toBe(5);
    expect(r.body.facets.host).toEqual([
      { value: 'WS1', n: 3 },
      { value: 'ARRAY1', n: 2 },
    ]);
    const bad = await search('host:(WS1');
    expect(bad.status).toBe(400);
    expect(typeof bad.body.position).toBe('number');
  });
});

describe('vigil serve: IOC sweep, export and retro-hunt', () => {
  const since = '2000-01-01T00:00:00Z';
  const md5 = '0123456789abcdef0123456789abcdef';

  beforeAll(async () => {
    const r = await api(vigil.url, '/api/v1/ingest', {
      raw: ndjson([
        sysmon('IOC1', 1, {
          Image: 'C:\\Users\\Public\\svch0st.exe',
          CommandLine: 'svch0st.exe -connect',
          Hashes: `MD5=${md5.toUpperCase()}`,
        }),
        {
          ...sysmon('IOC2', 2),
          EventID: 22,
          QueryName: 'beacon.bad-domain.example',
          Image: 'C:\\x\\svch0st.exe',
        },
        sysmon('IOC3', 3, {
          CommandLine: 'vssadmin.exe delete shadows /all',
          Image: 'C:\\Windows\\System32\\vssadmin.exe',
        }),
      ]),
    });
    expect(r.body.accepted).toBe(3);
    await settled(vigil.url);
  });

  it('sweeps hashes, domains and file names, and names the hosts', async () => {
    const r = await api(vigil.url, '/api/v1/sweep', {
      body: { iocs: `${md5}\nbad-domain[.]example\nsvch0st.exe\n127.0.0.1\nnonsense!`, from: since },
    });
    expect(r.status).toBe(200);
    const by = Object.fromEntries(r.body.iocs.map((i: { value: string }) => [i.value, i]));
    expect(by[md5].hosts.map((h: { host: string }) => h.host)).toEqual(['IOC1']);
    expect(by['bad-domain.example'].hosts.map((h: { host: string }) => h.host)).toEqual(['IOC2']);
    expect(by['svch0st.exe'].events).toBe(2);
    expect(by['127.0.0.1'].events).toBe(0);
    expect(r.body.rejected).toHaveLength(1);
    const bad = await api(vigil.url, '/api/v1/sweep', { body: { iocs: 42 } });
    expect(bad.status).toBe(400);
  });

  it('exports search results as JSON lines and as CSV', async () => {
    const q = encodeURIComponent('host:IOC*');
    const res = await fetch(`${vigil.url}/api/v1/search/export?q=${q}&from=${since}&format=csv`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split('\n');
    expect(lines[0]).toMatch(/^event_id,ts,host,/);
    expect(lines).toHaveLength(4);
    const jsonl = await fetch(`${vigil.url}/api/v1/search/export?q=${q}&from=${since}&raw=true`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const rows = (await jsonl.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { host: string; raw: { Hostname: string } });
    expect(rows.map((r) => r.host)).toEqual(['IOC1', 'IOC2', 'IOC3']);
    expect(rows[0]!.raw.Hostname).toBe('IOC1');
  });

  it('runs a posted Sigma rule over history, stores its alert once, and reports a bad rule at its line', async () => {
    const rule = [
      'title: Shadow copies deleted',
      'id: 0b7e5d0e-47a9-4f44-9f0e-6f3f3c1f2a10',
      'level: high',
      'logsource: {product: windows, category: process_creation}',
      'detection:',
      '  sel:',
      '    CommandLine|contains|all: [vssadmin, delete, shadows]',
      '  condition: sel',
    ].join('\n');
    const first = await api(vigil.url, '/api/v1/retro-hunt', { body: { rule, from: since } });
    expect(first.status).toBe(200);
    expect(first.body.rules[0]).toMatchObject({ matches: 1, hosts: [{ host: 'IOC3', matches: 1 }] });
    expect(first.body.alertsStored).toBe(1);
    const again = await api(vigil.url, '/api/v1/retro-hunt', { body: { rule, from: since } });
    expect(again.body.alertsStored).toBe(0);
    const alerts = await api(
      vigil.url,
      `/api/v1/alerts?rule=0b7e5d0e-47a9-4f44-9f0e-6f3f3c1f2a10&from=${since}`,
    );
    expect(alerts.body.total).toBe(1);
    const loaded = await api(vigil.url, '/api/v1/retro-hunt', {
      body: { rule_ids: [INSTALLER_RULE], from: since, store: false },
    });
    const live = await api(vigil.url, `/api/v1/alerts?rule=${INSTALLER_RULE}&from=${since}`);
    expect(loaded.body.rules[0].matches).toBe(live.body.total); // what live detection found, no more
    const broken = await api(vigil.url, '/api/v1/retro-hunt', { body: { rule: 'title: x\ndetection: [' } });
    expect(broken.status).toBe(400);
    expect(broken.body.errors[0].line).toBeGreaterThan(0);
    const unknown = await api(vigil.url, '/api/v1/retro-hunt', { body: { rule_ids: ['no-such-rule'] } });
    expect(unknown.status).toBe(400);
  });
});

describe('vigil serve: roles and tenants', () => {
  let acmeIngest: string;
  let acmeReader: string;
  let globexReader: string;

  beforeAll(async () => {
    const mk = async (tenant: string, role: string) =>
      (await api(vigil.url, '/api/v1/tokens', { body: { tenant, role, name: `${tenant}-${role}` } })).body
        .token as string;
    acmeIngest = await mk('acme', 'ingest');
    acmeReader = await mk('acme', 'read-only');
    globexReader = await mk('globex', 'read-only');
  });

  it('a tenant sees only its own events', async () => {
    const r = await api(vigil.url, '/api/v1/ingest', {
      token: acmeIngest,
      raw: ndjson([sysmon('ACME-SECRET', 1)]),
    });
    expect(r.status).toBe(200);
    await settled(vigil.url);
    expect((await search('host:ACME-SECRET', acmeReader)).body.total).toBe(1);
    expect((await search('host:ACME-SECRET', globexReader)).body.total).toBe(0);
    expect((await search('host:ACME-SECRET')).body.total).toBe(0); // the admin's own tenant is "default"
    expect((await search('host:ACME-SECRET', ADMIN_TOKEN, '&tenant=acme')).body.total).toBe(1);
    const asOther = await api(vigil.url, '/api/v1/search?q=host:ACME-SECRET&from=2000-01-01T00:00:00Z', {
      token: globexReader,
      headers: { 'x-vigil-tenant': 'acme' },
    });
    expect(asOther.status).toBe(403);
  });

  it('roles limit what a token can do', async () => {
    expect((await api(vigil.url, '/api/v1/search?q=x', { token: acmeIngest })).status).toBe(403);
    expect(
      (await api(vigil.url, '/api/v1/ingest', { token: acmeReader, raw: ndjson([sysmon('X', 1)]) })).status,
    ).toBe(403);
    expect(
      (await api(vigil.url, '/api/v1/tokens', { token: acmeReader, body: { role: 'admin' } })).status,
    ).toBe(403);
  });

  it('tokens are stored hashed, and a revoked token stops working', async () => {
    const created = await api(vigil.url, '/api/v1/tokens', { body: { role: 'read-only', name: 'temp' } });
    const listed = await api(vigil.url, '/api/v1/tokens');
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
    expect((await api(vigil.url, `/api/v1/tokens/${created.body.id}`, { method: 'DELETE' })).status).toBe(
      200,
    );
    expect((await search('x', created.body.token)).status).toBe(401);
    expect(vigil.output()).not.toContain(ADMIN_TOKEN);
    expect(vigil.output()).not.toContain(created.body.token);
  });
});
