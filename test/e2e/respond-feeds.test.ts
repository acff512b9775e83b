import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClickHouseResponseStore,
  defaultActions,
  isBlockList,
  loadPlaybooks,
  ResponseEngine,
  type AgentCommand,
  type Playbook,
} from '../../src/respond/index.js';
import { ChdbStore } from '../../src/store/chdb.js';
import { playbookOf, testIncident } from '../../src/respond/testing.js';

/**
 * Block lists and agent commands end to end, on the embedded ClickHouse store: playbooks add
 * entries, a small HTTP server publishes the feeds with the engine's rendering (as `vigil serve`
 * will), and the test reads them back over HTTP as a firewall or TIP would. An agent polls and
 * acks its commands over the same server.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'vigil-respond-feeds-'));
let chdb: ChdbStore;
let store: ClickHouseResponseStore;
let server: Server;
let base: string;
let engine: ResponseEngine;
const clock = {
  t: Date.UTC(2026, 10, 20, 10, 0, 0),
  now() {
    return this.t;
  },
};
const notes: string[] = [];
let shipped: Playbook[] = [];

function makeEngine(extra: readonly string[] = []): ResponseEngine {
  const actions = defaultActions({
    addNote: async (tenant, id, text, author) => {
      notes.push(`${tenant}/${id} ${author}: ${text}`);
      return true;
    },
  });
  return new ResponseEngine({
    store,
    actions,
    clock,
    playbooks: [...shipped, ...extra.map((y) => playbookOf(y, actions))],
  });
}

async function get(path: string): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

async function post(path: string, body: unknown): Promise<{ status: number; body: string }> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
}

beforeAll(async () => {
  chdb = new ChdbStore(join(dir, 'store'));
  store = new ClickHouseResponseStore(chdb);
  await store.migrate();
  const load = await loadPlaybooks([join(ROOT, 'playbooks')], defaultActions());
  expect(load.errors).toEqual([]);
  // Notifications need receivers; this file is about feeds and agents.
  shipped = load.playbooks.filter((p) => p.id !== 'notify-critical-incidents');
  engine = makeEngine([
    `id: block-c2
title: Block command-and-control domains and addresses
version: 1
mode: auto
triggers:
  - incident: created
conditions:
  - tactics contains command-and-control
steps:
  - id: domains
    action: blocklist.add
    with: {list: domain, value: "{{ entities.domain }}", expires: 1d}
  - id: ips
    action: blocklist.add
    with: {list: ip, value: "{{ entities.ip }}", expires: 2d}
  - id: senders
    action: blocklist.add
    with: {list: sender, value: "{{ entities.sender }}", expires: 30d, reason: "phishing sender"}
`,
    `id: block-c2-preview
title: Preview blocking everything
version: 1
mode: dry-run
triggers:
  - incident: created
steps:
  - action: blocklist.add
    with: {list: domain, value: "{{ entities.domain }}", expires: 1d}
`,
  ]);
  await engine.start();
  // The routes vigil serve will have, over the engine's methods.
  server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const feed = /^\/feeds\/([a-z]+)\.(txt|stix)$/.exec(url.pathname);
      const poll = /^\/agents\/([^/]+)\/commands$/.exec(url.pathname);
      const ack = /^\/agents\/([^/]+)\/commands\/([^/]+)\/ack$/.exec(url.pathname);
      if (feed && isBlockList(feed[1])) {
        const f = await engine.feed('default', feed[1], feed[2] === 'txt' ? 'text' : 'stix');
        res.writeHead(200, { 'Content-Type': f.contentType }).end(f.body);
      } else if (poll && req.method === 'GET') {
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(JSON.stringify(await engine.pollAgent('default', decodeURIComponent(poll[1]!))));
      } else if (ack && req.method === 'POST') {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { ok: boolean; output?: string };
        try {
          const acked = await engine.ackAgent('default', decodeURIComponent(ack[1]!), ack[2]!, body);
          res.writeHead(200).end(JSON.stringify(acked));
        } catch (e) {
          res.writeHead((e as { status?: number }).status ?? 500).end((e as Error).message);
        }
      } else res.writeHead(404).end();
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await engine?.stop();
  server?.closeAllConnections();
  await new Promise<void>((r) => server?.close(() => r()));
  await chdb?.close();
  rmSync(dir, { recursive: true, force: true });
});

const ransomware = testIncident({
  id: 'inc-ransom',
  tactics: ['execution', 'command-and-control', 'impact'],
  entities: [
    { type: 'hash', value: 'd41d8cd98f00b204e9800998ecf8427e', alerts: 1 },
    { type: 'hash', value: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', alerts: 2 },
    { type: 'hash', value: 'not-a-hash', alerts: 1 },
    { type: 'domain', value: 'c2.evil.example', alerts: 1 },
    { type: 'ip', value: '203.0.113.66', alerts: 1 },
    { type: 'sender', value: "o'brien@evil.example", alerts: 1 },
  ],
});

describe('block-list feeds and agent commands, end to end', () => {
  it('publishes what playbooks block as plain-text lists and STIX 2.1 bundles', async () => {
    expect((await get('/feeds/hash.txt')).body).toBe('');
    engine.onIncident(ransomware, 'created');
    await engine.idle();
    const hashes = await get('/feeds/hash.txt');
    expect(hashes).toEqual({
      status: 200,
      type: 'text/plain; charset=utf-8',
      body: 'd41d8cd98f00b204e9800998ecf8427e\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n',
    });
    expect((await get('/feeds/domain.txt')).body).toBe('c2.evil.example\n');
    expect((await get('/feeds/ip.txt')).body).toBe('203.0.113.66\n');
    expect((await get('/feeds/sender.txt')).body).toBe("o'brien@evil.example\n");
    const stix = await get('/feeds/hash.stix');
    expect(stix.type).toBe('application/stix+json;version=2.1');
    const bundle = JSON.parse(stix.body) as { type: string; objects: Record<string, unknown>[] };
    expect(bundle.type).toBe('bundle');
    const indicators = bundle.objects.filter((o) => o.type === 'indicator');
    expect(indicators.map((i) => [i.pattern, i.valid_from, i.valid_until])).toEqual([
      [
        "[file:hashes.'MD5' = 'd41d8cd98f00b204e9800998ecf8427e']",
        '2026-11-20T10:00:00.000Z',
        '2026-11-27T10:00:00.000Z',
      ],
      [
        "[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']",
        '2026-11-20T10:00:00.000Z',
        '2026-11-27T10:00:00.000Z',
      ],
    ]);
    expect(indicators[0]!.description).toBe('Ransomware on WS01 (inc-ransom)');
    // Served again, the bundle is byte for byte the same.
    expect((await get('/feeds/hash.stix')).body).toBe(stix.body);
    const sender = JSON.parse((await get('/feeds/sender.stix')).body) as {
      objects: Record<string, unknown>[];
    };
    expect(sender.objects[1]!.pattern).toBe("[email-message:from_ref.value = 'o\\'brien@evil.example']");
    // The value that is not a hash was refused and recorded, not published.
    const run = (await engine.listRuns({ playbook: 'block-ransomware-hashes' }))[0]!;
    expect(run.steps.map((s) => [s.step, s.status])).toEqual([
      ['block-hash', 'succeeded'],
      ['block-hash', 'succeeded'],
      ['block-hash', 'failed'],
      ['note', 'skipped'],
    ]);
    expect(run.steps[2]!.error).toBe(
      'parameters: "not-a-hash" is not an MD5, SHA-1, SHA-256 or SHA-512 hash in hex',
    );
    // The dry-run playbook planned and changed nothing (the domain came from the real playbook only).
    const preview = (await engine.listRuns({ playbook: 'block-c2-preview' }))[0]!;
    expect(preview).toMatchObject({
      status: 'dry_run',
      steps: [{ plan: 'add c2.evil.example to the domain block list for 1d' }],
    });
  });

  it('never adds twice for the same trigger, even from a new engine on the same store', async () => {
    const again = makeEngine();
    await again.start();
    again.onIncident(ransomware, 'created');
    await again.idle();
    expect(again.stats.duplicates).toBeGreaterThan(0);
    // Four playbooks matched it: two blocked, one planned (dry-run), one waits for approval.
    expect(
      (await engine.listRuns({ subject: 'inc-ransom', limit: 100 })).map((r) => r.status).sort(),
    ).toEqual(['dry_run', 'failed', 'pending_approval', 'succeeded']);
  });

  it('rolls back: the entries leave the feeds; expired entries leave by themselves', async () => {
    const run = (await engine.listRuns({ playbook: 'block-c2' }))[0]!;
    const rolled = await engine.rollback(run.id, 'alice');
    expect(rolled.rollback).toMatchObject({ by: 'alice', status: 'done' });
    expect((await get('/feeds/domain.txt')).body).toBe('');
    expect((await get('/feeds/ip.txt')).body).toBe('');
    expect((await get('/feeds/sender.txt')).body).toBe('');
    expect((await get('/feeds/hash.txt')).body).not.toBe('');
    clock.t += 7 * DAY + 1;
    expect((await get('/feeds/hash.txt')).body).toBe('');
    expect(
      JSON.parse((await get('/feeds/hash.stix')).body).objects.filter(
        (o: { type: string }) => o.type === 'indicator',
      ),
    ).toEqual([]);
    const audit = (await engine.auditLog({ runId: run.id })).map((a) => `${a.actor} ${a.event}`);
    expect(audit).toContain('alice rollback.done');
  });

  it('queues an isolation after approval; the agent polls and acks over HTTP; rollback sends unisolate', async () => {
    const critical = testIncident({
      id: 'inc-crit',
      risk: 92,
      hosts: ['WS07'],
      tactics: ['execution', 'lateral-movement'],
      entities: [],
    });
    engine.onIncident(critical, 'created');
    await engine.idle();
    expect(JSON.parse((await get('/agents/ws07/commands')).body)).toEqual([]);
    const pending = (await engine.pending()).find((r) => r.trigger.subjectId === 'inc-crit')!;
    expect(pending.steps.map((s) => s.plan)).toEqual([
      'queue "isolate" for the agent on WS07',
      expect.stringMatching(/^add a note to the incident: Isolation of WS07 queued/),
    ]);
    await engine.approve(pending.id, 'bob');
    await engine.idle();
    expect(notes.at(-1)).toMatch(
      /^default\/inc-crit playbook:isolate-host: Isolation of WS07 queued by isolate-host/,
    );
    const polled = JSON.parse((await get('/agents/WS07/commands')).body) as AgentCommand[];
    expect(polled.map((c) => [c.command, c.host, c.state, c.deliveries])).toEqual([
      ['isolate', 'ws07', 'delivered', 1],
    ]);
    expect(polled[0]!.expires - polled[0]!.created).toBe(4 * 3_600_000);
    expect(JSON.parse((await get('/agents/ws07/commands')).body)).toEqual([]);
    expect((await post(`/agents/ws08/commands/${polled[0]!.id}/ack`, { ok: true })).status).toBe(404);
    expect(
      (await post(`/agents/ws07/commands/${polled[0]!.id}/ack`, { ok: true, output: 'host isolated' }))
        .status,
    ).toBe(200);
    const audit = await engine.auditLog({ runId: pending.id });
    expect(audit.find((a) => a.event === 'agent.done')).toMatchObject({
      actor: 'agent:ws07',
      detail: expect.stringMatching(/^isolate .*: host isolated$/),
    });

    const rolled = await engine.rollback(pending.id, 'bob');
    expect(rolled.rollback).toMatchObject({
      status: 'done',
      notes: [expect.stringMatching(/^note \(case\.note\) is not undone: notes are the incident history/)],
    });
    const next = JSON.parse((await get('/agents/ws07/commands')).body) as AgentCommand[];
    expect(next.map((c) => [c.command, c.args.counters])).toEqual([['unisolate', polled[0]!.id]]);
  });
});
