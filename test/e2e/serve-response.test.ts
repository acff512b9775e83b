import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Received } from '../../src/respond/testing.js';
import { api, removeDir, settled, startVigil, type VigilProcess } from '../support/server.js';
import { vpnInstallerStory } from '../support/stories.js';

/**
 * Response in `vigil serve`: incidents built from ingested events trigger playbooks read from a
 * folder the test writes. A webhook lands on a receiver that verifies the HMAC; an approve-mode
 * block list waits, is approved over the API, reaches the feed a firewall reads with Basic auth,
 * and is rolled back; a dry run changes nothing; the kill switch blocks new runs; an agent polls
 * and acks its isolation.
 */
const HOOK_KEY = 'whk_serve-response-Zq81x0c4';
const HASH_APPROVE = 'a'.repeat(16) + 'b'.repeat(16) + 'c'.repeat(16) + 'd'.repeat(16);
const HASH_REJECT = '1'.repeat(64);
const HASH_DRY = 'e'.repeat(64);

let vigil: VigilProcess;
let hook: Awaited<ReturnType<typeof startReceiver>>;
const dirs: string[] = [];
const tokens: Record<'analyst' | 'reader' | 'agent' | 'otherAgent', string> = {
  analyst: '',
  reader: '',
  agent: '',
  otherAgent: '',
};

/** As a customer's endpoint checks a delivery: HMAC-SHA256 of "timestamp.body", fresh, constant time. */
function verified(r: Received, key: string): boolean {
  const ts = r.headers['x-vigil-timestamp'];
  const sig = r.headers['x-vigil-signature'];
  if (typeof ts !== 'string' || typeof sig !== 'string') return false;
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const want = Buffer.from(`sha256=${createHmac('sha256', key).update(`${ts}.${r.body}`).digest('hex')}`);
  const got = Buffer.from(sig);
  return got.length === want.length && timingSafeEqual(got, want);
}

/**
 * The VPN installer story on one host, with its own user and folder so that stories on different
 * hosts stay separate incidents; the dropped program carries a SHA-256 when given one.
 */
function story(host: string, guid: string, sha256?: string): string {
  const user = host.toLowerCase();
  const [first, second] = vpnInstallerStory(host, guid).map((e) => ({
    ...e,
    User: `CORP\\${user}`,
    Image: e.Image.replace('\\bob\\', `\\${user}\\`).replace('Windscribe\\', `${host}\\`),
    ParentImage: e.ParentImage.replace('\\bob\\', `\\${user}\\`),
  }));
  const events = [first, sha256 === undefined ? second : { ...second, Hashes: `SHA256=${sha256}` }];
  return events.map((e) => JSON.stringify(e)).join('\n') + '\n';
}

const PLAYBOOKS: Record<string, string> = {
  'notify.yml': `id: notify-hook
title: Tell the SOAR about installer incidents
version: 1
mode: auto
triggers:
  - incident: created
conditions:
  - hosts matches "hook*"
steps:
  - id: webhook
    action: notify.webhook
    with:
      url: env:HOOK_URL
      secret: env:HOOK_KEY
      title: "[{{ incident.severity }}] {{ incident.title }}"
`,
  'block.yml': `id: block-approve
title: Block the dropped program's hash
version: 1
mode: approve
triggers:
  - incident: created
conditions:
  - hosts matches "block*"
  - entities.hash.count >= 1
steps:
  - id: block
    action: blocklist.add
    with:
      list: hash
      value: "{{ entities.hash }}"
      expires: 1d
      reason: "{{ incident.title }} ({{ incident.id }})"
`,
  'dry.yml': `id: dry-block
title: What blocking would do
version: 1
mode: dry-run
triggers:
  - incident: created
conditions:
  - hosts contains DRYHOST
steps:
  - action: blocklist.add
    with:
      list: hash
      value: "{{ entities.hash }}"
      expires: 1d
`,
  // Alerts trigger too: each alert of the story plans its own dry run.
  'alert.yml': `id: alert-dry
title: Every installer alert, planned
version: 1
mode: dry-run
triggers:
  - alert: { rule: "*user-writable*" }
conditions:
  - hosts contains DRYHOST
steps:
  - action: case.note
    with:
      text: "{{ alert.title }} on {{ alert.host }}"
`,
  'isolate.yml': `id: isolate-agent
title: Isolate the host
version: 1
mode: auto
triggers:
  - incident: created
conditions:
  - hosts contains AGENTHOST
steps:
  - id: isolate
    action: host.isolate
    with:
      host: "{{ entities.host }}"
      ttl: 1h
`,
  // Line 6 names an action Vigil does not have: reported at its line, the others still load.
  'broken.yml': `id: broken
title: Broken
version: 1
mode: auto
steps:
  - action: firewall.nuke
triggers:
  - incident: created
`,
};

async function runsOf(playbook: string, token?: string) {
  const r = await api(vigil.url, `/api/v1/response/runs?playbook=${playbook}`, token ? { token } : {});
  expect(r.status).toBe(200);
  return r.body.runs as {
    id: string;
    status: string;
    steps: { status: string; plan: string; value: string; params: Record<string, unknown> }[];
    approval: { by: string } | null;
    trigger: { subjectId: string; kind: string; change: string };
    rollback: { status: string } | null;
    reason: string | null;
  }[];
}

/** Polls until the playbook has a run in one of these states (the engine acts in the background). */
async function runReaching(playbook: string, statuses: readonly string[]) {
  for (let i = 0; i < 600; i++) {
    const run = (await runsOf(playbook)).find((r) => statuses.includes(r.status));
    if (run !== undefined) return run;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  throw new Error(
    `no ${playbook} run reached ${statuses.join('/')}: ${JSON.stringify(await runsOf(playbook))}`,
  );
}

async function ingest(body: string): Promise<void> {
  const r = await api(vigil.url, '/api/v1/ingest', { raw: body });
  expect(r.status).toBe(200);
  expect(r.body.accepted).toBe(2);
  await settled(vigil.url);
}

const basic = (token: string) => `Basic ${Buffer.from(`paloalto:${token}`).toString('base64')}`;

async function feed(
  name: string,
  token = tokens.reader,
): Promise<{ status: number; type: string | null; body: string; etag: string | null }> {
  const res = await fetch(`${vigil.url}/api/v1/feeds/${name}`, { headers: { authorization: basic(token) } });
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    body: await res.text(),
    etag: res.headers.get('etag'),
  };
}

beforeAll(async () => {
  hook = await startReceiver((r, res) => {
    if (!verified(r, HOOK_KEY)) res.writeHead(401).end('bad signature');
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  const playbooks = mkdtempSync(join(tmpdir(), 'vigil-playbooks-'));
  dirs.push(playbooks);
  for (const [name, text] of Object.entries(PLAYBOOKS)) writeFileSync(join(playbooks, name), text);
  vigil = await startVigil({
    config: { playbooks: [playbooks] },
    env: { HOOK_URL: `${hook.url}/vigil/hook`, HOOK_KEY },
  });
  const make = async (role: string, tenant = 'default') => {
    const r = await api(vigil.url, '/api/v1/tokens', {
      body: { role, tenant, name: `${role} of ${tenant}` },
    });
    expect(r.status).toBe(201);
    return r.body.token as string;
  };
  tokens.analyst = await make('analyst');
  tokens.reader = await make('read-only');
  tokens.agent = await make('ingest');
  tokens.otherAgent = await make('ingest', 'other');
}, 120_000);

afterAll(async () => {
  await vigil?.stop();
  await hook?.close();
  if (vigil) removeDir(vigil.dataDir);
  for (const d of dirs) removeDir(d);
});

describe('vigil serve: response', () => {
  it('lists the playbooks it loaded, and a broken file at its line', async () => {
    const r = await api(vigil.url, '/api/v1/playbooks', { token: tokens.reader });
    expect(r.status).toBe(200);
    expect((r.body.playbooks as { id: string }[]).map((p) => p.id).sort()).toEqual([
      'alert-dry',
      'block-approve',
      'dry-block',
      'isolate-agent',
      'notify-hook',
    ]);
    const block = (
      r.body.playbooks as { id: string; mode: string; triggers: string[]; steps: { action: string }[] }[]
    ).find((p) => p.id === 'block-approve')!;
    expect(block).toMatchObject({
      mode: 'approve',
      triggers: ['incident created'],
      steps: [{ action: 'blocklist.add' }],
    });
    expect(r.body.errors).toEqual([
      expect.objectContaining({
        file: expect.stringMatching(/broken\.yml$/),
        line: 6,
        message: expect.stringMatching(/firewall\.nuke/),
      }),
    ]);
    // A playbook being written is checked as a reload would read it, errors at their lines.
    const check = await api(vigil.url, '/api/v1/playbooks/check', {
      token: tokens.reader,
      raw: 'id: x\ntitle: X\nversion: 1\nmode: sometimes\ntriggers:\n  - incident: created\nsteps:\n  - action: case.note\n    with: { text: hi }\n',
    });
    expect(check.status).toBe(200);
    expect(check.body.valid).toBe(false);
    expect(check.body.errors).toEqual([
      expect.objectContaining({ line: 4, message: expect.stringMatching(/mode/) }),
    ]);
    expect(
      (await api(vigil.url, '/api/v1/playbooks/reload', { token: tokens.analyst, body: {} })).status,
    ).toBe(403);
  });

  it('an incident triggers an auto webhook, signed so that the receiver verifies it', async () => {
    await ingest(story('HOOKHOST', 'a1a1a1a1'));
    const run = await runReaching('notify-hook', ['succeeded', 'failed']);
    expect(run.status, run.reason ?? '').toBe('succeeded');
    expect(run.approval?.by).toBe('policy');
    expect(hook.received).toHaveLength(1);
    const delivery = hook.received[0]!;
    expect(delivery.url).toBe('/vigil/hook');
    expect(verified(delivery, HOOK_KEY)).toBe(true);
    // The receiver's check is real: another key, or a changed body, does not verify.
    expect(verified(delivery, 'not-the-key')).toBe(false);
    expect(verified({ ...delivery, body: delivery.body.replace('HOOKHOST', 'H0OKHOST') }, HOOK_KEY)).toBe(
      false,
    );
    const body = JSON.parse(delivery.body) as { run_id: string; subject: { id: string; hosts: string[] } };
    expect(body.run_id).toBe(run.id);
    expect(body.subject.hosts).toEqual(['HOOKHOST']);
    expect(body.subject.id).toBe(run.trigger.subjectId);
    // The incident page's filter: runs by incident.
    const byIncident = await api(
      vigil.url,
      `/api/v1/response/runs?incident=${encodeURIComponent(run.trigger.subjectId)}`,
    );
    expect((byIncident.body.runs as { id: string }[]).map((r) => r.id)).toEqual([run.id]);
  });

  let approved = '';

  it('an approve-mode block list waits for a person; once approved its hash is in the feed a firewall reads with Basic auth', async () => {
    await ingest(story('BLOCKHOST', 'b2b2b2b2', HASH_APPROVE));
    const waiting = await runReaching('block-approve', ['pending_approval']);
    approved = waiting.id;
    expect(waiting.steps).toEqual([
      expect.objectContaining({
        status: 'pending',
        value: HASH_APPROVE,
        params: expect.objectContaining({ list: 'hash', value: HASH_APPROVE }),
      }),
    ]);
    const pending = await api(vigil.url, '/api/v1/response/pending', { token: tokens.reader });
    expect((pending.body.runs as { id: string }[]).map((r) => r.id)).toContain(approved);
    // Nothing is listed while it waits.
    expect((await feed('hash.txt')).body).toBe('');
    // Without credentials the feed asks for Basic auth, as firewall EDL clients expect.
    const anonymous = await fetch(`${vigil.url}/api/v1/feeds/hash.txt`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    // A read-only token may read but not decide; another tenant does not see the run.
    expect(
      (await api(vigil.url, `/api/v1/response/runs/${approved}/approve`, { token: tokens.reader, body: {} }))
        .status,
    ).toBe(403);
    expect(
      (
        await api(vigil.url, `/api/v1/response/runs/${approved}/approve`, {
          body: {},
          headers: { 'x-vigil-tenant': 'other' },
        })
      ).status,
    ).toBe(404);
    const ok = await api(vigil.url, `/api/v1/response/runs/${approved}/approve`, {
      token: tokens.analyst,
      body: {},
    });
    expect(ok.status).toBe(200);
    expect(ok.body.approval.by).toMatch(/^analyst of default \(/);
    expect(
      (await api(vigil.url, `/api/v1/response/runs/${approved}/approve`, { token: tokens.analyst, body: {} }))
        .status,
    ).toBe(409);
    const done = await runReaching('block-approve', ['succeeded', 'failed']);
    expect(done.status, done.reason ?? '').toBe('succeeded');
    const text = await feed('hash.txt');
    expect(text.status).toBe(200);
    expect(text.type).toMatch(/^text\/plain/);
    expect(text.body).toBe(`${HASH_APPROVE}\n`);
    const stix = await feed('hash.stix');
    expect(stix.type).toBe('application/stix+json;version=2.1');
    const bundle = JSON.parse(stix.body) as { type: string; objects: { type: string; pattern?: string }[] };
    expect(bundle.type).toBe('bundle');
    expect(bundle.objects.filter((o) => o.type === 'indicator').map((o) => o.pattern)).toEqual([
      `[file:hashes.'SHA-256' = '${HASH_APPROVE}']`,
    ]);
    // Pollers that send the ETag back get 304 while nothing changed.
    const again = await fetch(`${vigil.url}/api/v1/feeds/hash.txt`, {
      headers: { authorization: basic(tokens.reader), 'if-none-match': text.etag! },
    });
    expect(again.status).toBe(304);
    // The other tenant's feed is its own: empty.
    const other = await api(vigil.url, '/api/v1/feeds/hash.txt', { headers: { 'x-vigil-tenant': 'other' } });
    expect(other.body).toBe('');
    expect((await feed('hashes.txt')).status).toBe(404);
    // The run and its audit: who approved, what was done.
    const detail = await api(vigil.url, `/api/v1/response/runs/${approved}`, { token: tokens.reader });
    expect((detail.body.audit as { event: string }[]).map((a) => a.event)).toEqual(
      expect.arrayContaining([
        'run.pending_approval',
        'run.approved',
        'run.started',
        'step.succeeded',
        'run.succeeded',
      ]),
    );
  });

  it('rollback takes the hash out of the feed, once', async () => {
    const rolled = await api(vigil.url, `/api/v1/response/runs/${approved}/rollback`, {
      token: tokens.analyst,
      body: {},
    });
    expect(rolled.status).toBe(200);
    expect(rolled.body.rollback).toMatchObject({
      status: 'done',
      by: expect.stringMatching(/^analyst of default/),
    });
    expect((await feed('hash.txt')).body).toBe('');
    expect(
      (
        await api(vigil.url, `/api/v1/response/runs/${approved}/rollback`, {
          token: tokens.analyst,
          body: {},
        })
      ).status,
    ).toBe(409);
  });

  it('a rejection needs a reason, and a rejected run never acts', async () => {
    await ingest(story('BLOCKHOST2', 'c3c3c3c3', HASH_REJECT));
    // The first run was approved: the one waiting is this incident's.
    const waiting = await runReaching('block-approve', ['pending_approval']);
    expect(waiting.steps[0]!.value).toBe(HASH_REJECT);
    const path = `/api/v1/response/runs/${waiting.id}/reject`;
    expect((await api(vigil.url, path, { token: tokens.analyst, body: {} })).status).toBe(400);
    const r = await api(vigil.url, path, {
      token: tokens.analyst,
      body: { reason: 'the hash is our own build tool' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: 'rejected',
      rejection: { reason: 'the hash is our own build tool' },
    });
    expect((await feed('hash.txt')).body).not.toContain(HASH_REJECT);
  });

  it('a dry run plans and changes nothing', async () => {
    await ingest(story('DRYHOST', 'd4d4d4d4', HASH_DRY));
    const run = await runReaching('dry-block', ['dry_run']);
    expect(run.steps).toEqual([expect.objectContaining({ status: 'planned', value: HASH_DRY })]);
    expect(run.steps[0]!.plan).toContain(HASH_DRY);
    expect((await feed('hash.txt')).body).not.toContain(HASH_DRY);
    const audit = await api(vigil.url, `/api/v1/response/audit?run=${run.id}`);
    expect((audit.body.entries as { event: string }[]).map((e) => e.event)).toEqual(['run.dry_run']);
    // The pipeline's alerts reach the engine as well: the story's alert from the matching rule.
    const fromAlert = await runReaching('alert-dry', ['dry_run']);
    expect(fromAlert.trigger).toMatchObject({ kind: 'alert', change: 'alert' });
    expect(fromAlert.steps[0]!.params.text).toMatch(/User-Writable Folder on DRYHOST$/);
  });

  it('an agent polls for its isolation with an ingest token, and acks it', async () => {
    await ingest(story('AGENTHOST', 'e5e5e5e5'));
    const run = await runReaching('isolate-agent', ['succeeded', 'failed']);
    expect(run.status, run.reason ?? '').toBe('succeeded');
    const poll = (token: string, host = 'agenthost') =>
      api(vigil.url, `/api/v1/agent/commands?host=${host}`, { token });
    // Analysts are not sensors; another tenant's agent sees nothing; a host is required.
    expect((await poll(tokens.analyst)).status).toBe(403);
    expect((await poll(tokens.otherAgent)).body.commands).toEqual([]);
    expect((await api(vigil.url, '/api/v1/agent/commands', { token: tokens.agent })).status).toBe(400);
    const got = await poll(tokens.agent, 'AgentHost');
    expect(got.status).toBe(200);
    expect(got.body.commands).toEqual([expect.objectContaining({ command: 'isolate', deliveries: 1 })]);
    const id = got.body.commands[0].id as string;
    // Delivered and not yet acked: not handed out again at once.
    expect((await poll(tokens.agent)).body.commands).toEqual([]);
    const ackPath = `/api/v1/agent/commands/${id}/ack`;
    expect(
      (await api(vigil.url, ackPath, { token: tokens.otherAgent, body: { host: 'agenthost', ok: true } }))
        .status,
    ).toBe(404);
    expect((await api(vigil.url, ackPath, { token: tokens.agent, body: { host: 'agenthost' } })).status).toBe(
      400,
    );
    const ack = await api(vigil.url, ackPath, {
      token: tokens.agent,
      body: { host: 'agenthost', ok: true, output: 'isolated: firewall rules applied' },
    });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ id, state: 'done', command: 'isolate' });
    const audit = await api(vigil.url, `/api/v1/response/audit?run=${run.id}`);
    expect(audit.body.entries).toEqual(
      expect.arrayContaining([expect.objectContaining({ event: 'agent.done', actor: 'agent:agenthost' })]),
    );
  });

  it('the kill switch (admins only, with a reason) blocks new runs until it is off', async () => {
    const put = (body: unknown, token?: string) =>
      api(vigil.url, '/api/v1/response/kill-switch', { method: 'PUT', body, ...(token ? { token } : {}) });
    expect((await put({ on: true, reason: 'x' }, tokens.analyst)).status).toBe(403);
    expect((await put({ on: true })).status).toBe(400);
    const on = await put({ on: true, reason: 'a playbook misfires: stopping automation' });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ on: true, reason: 'a playbook misfires: stopping automation' });
    const state = await api(vigil.url, '/api/v1/response/kill-switch', { token: tokens.reader });
    expect(state.body.on).toBe(true);
    const before = hook.received.length;
    await ingest(story('HOOKHOST2', 'f6f6f6f6'));
    const blocked = await runReaching('notify-hook', ['blocked']);
    expect(blocked.reason).toBe('the kill switch is on');
    expect(hook.received).toHaveLength(before);
    // The audit log keeps who flipped it and why, for every tenant to see.
    const audit = await api(vigil.url, '/api/v1/response/audit', { token: tokens.reader });
    expect(
      (audit.body.entries as { event: string; detail: string }[]).find((e) => e.event === 'killswitch.reason')
        ?.detail,
    ).toBe('a playbook misfires: stopping automation');
    expect((await put({ on: false, reason: 'fixed the playbook' })).body.on).toBe(false);
  });

  it('describes every response route in the OpenAPI document', async () => {
    const doc = await api(vigil.url, '/api/v1/openapi.json', { token: null });
    for (const path of [
      '/api/v1/playbooks',
      '/api/v1/playbooks/check',
      '/api/v1/playbooks/reload',
      '/api/v1/response/runs',
      '/api/v1/response/runs/{id}',
      '/api/v1/response/pending',
      '/api/v1/response/runs/{id}/approve',
      '/api/v1/response/runs/{id}/reject',
      '/api/v1/response/runs/{id}/rollback',
      '/api/v1/response/kill-switch',
      '/api/v1/response/audit',
      '/api/v1/feeds/{feed}',
      '/api/v1/agent/commands',
      '/api/v1/agent/commands/{id}/ack',
    ])
      expect(doc.body.paths[path], path).toBeDefined();
  });

  it('stops gracefully on SIGTERM', async () => {
    await vigil.stop();
    expect(vigil.child.exitCode).toBe(0);
  });
});
