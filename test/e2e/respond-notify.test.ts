import { simpleParser, type ParsedMail } from 'mailparser';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  defaultActions,
  MemoryResponseStore,
  ResponseEngine,
  type ResponseConfig,
  type RunRecord,
} from '../../src/respond/index.js';
import {
  playbookOf,
  startReceiver,
  testAlert,
  testIncident,
  type Received,
} from '../../src/respond/testing.js';

/**
 * The notify actions against real receivers on 127.0.0.1: an HTTP receiver that verifies the
 * HMAC signature the way a customer's endpoint would, and an SMTP server (smtp-server) that
 * checks the login and parses the mail.
 */
const HMAC_KEY = 'whk_8f3a1c0e5b7d9f2a4c6e8b0d';
const SMTP_PASSWORD = 'smtp-pw-Zq81!x';
const SLACK_TOKEN_PATH = '/services/T0VIGIL/B0TEST/xoxTokenInPath42';

function verified(r: Received, key: string): boolean {
  const ts = r.headers['x-vigil-timestamp'];
  const sig = r.headers['x-vigil-signature'];
  if (typeof ts !== 'string' || typeof sig !== 'string') return false;
  if (Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const want = Buffer.from(`sha256=${createHmac('sha256', key).update(`${ts}.${r.body}`).digest('hex')}`);
  const got = Buffer.from(sig);
  return got.length === want.length && timingSafeEqual(got, want);
}

let hook: Awaited<ReturnType<typeof startReceiver>>;
let chat: Awaited<ReturnType<typeof startReceiver>>;
let smtp: SMTPServer;
let smtpPort = 0;
const mails: ParsedMail[] = [];
const logins: string[] = [];

beforeAll(async () => {
  // The customer's endpoint: refuses anything whose signature does not verify.
  hook = await startReceiver((r, res) => {
    if (!verified(r, HMAC_KEY)) res.writeHead(401).end('bad signature');
    else res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
  });
  // A chat service: accepts Slack's {text, blocks} on the token path, Teams' message card on /teams.
  chat = await startReceiver((r, res) => {
    const body = JSON.parse(r.body) as Record<string, unknown>;
    const slackOk = r.url === SLACK_TOKEN_PATH && typeof body.text === 'string' && Array.isArray(body.blocks);
    const teamsOk = r.url === '/teams' && body.type === 'message' && Array.isArray(body.attachments);
    res.writeHead(slackOk || teamsOk ? 200 : 400).end(slackOk || teamsOk ? 'ok' : 'invalid_payload');
  });
  smtp = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    onAuth(auth, _session, cb) {
      logins.push(auth.username ?? '');
      if (auth.username === 'vigil' && auth.password === SMTP_PASSWORD) cb(null, { user: 'vigil' });
      else cb(new Error('invalid credentials'));
    },
    onData(stream, _session, cb) {
      simpleParser(stream)
        .then((m) => {
          mails.push(m);
          cb();
        })
        .catch((e: Error) => cb(e));
    },
    logger: false,
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await hook.close();
  await chat.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

const env = () => ({
  HOOK_URL: `${hook.url}/vigil`,
  HOOK_KEY: HMAC_KEY,
  WRONG_KEY: 'not-the-key-at-all',
  SLACK_URL: `${chat.url}${SLACK_TOKEN_PATH}`,
  SMTP_PASSWORD,
});

function notifyPlaybook(mode: string, id = `notify-${mode}`): string {
  return `id: ${id}
title: Notify on critical incidents
version: 1
mode: ${mode}
triggers:
  - incident: created
    min_severity: critical
steps:
  - id: webhook
    action: notify.webhook
    with:
      url: env:HOOK_URL
      secret: env:HOOK_KEY
      title: "[{{ incident.severity }}] {{ incident.title }}"
  - id: slack
    action: notify.slack
    with:
      url: env:SLACK_URL
  - id: teams
    action: notify.teams
    with:
      url: ${chat.url}/teams
  - id: mail
    action: notify.email
    with:
      smtp_host: 127.0.0.1
      smtp_port: ${smtpPort}
      tls: none
      user: vigil
      password: env:SMTP_PASSWORD
      from: vigil@example.org
      to: [soc@example.org, "{{ incident.id }}@cases.example.org"]
      subject: "[Vigil] {{ incident.title }}"
`;
}

function engineWith(yamls: string[], config: Partial<ResponseConfig> = {}) {
  const actions = defaultActions();
  return new ResponseEngine({
    store: new MemoryResponseStore(),
    actions,
    playbooks: yamls.map((y) => playbookOf(y, actions)),
    env: env(),
    config: { backoffBaseMs: 20, backoffMaxMs: 100, ...config },
  });
}

const secretsIn = (runs: unknown) => {
  const text = JSON.stringify(runs);
  return [HMAC_KEY, SMTP_PASSWORD, SLACK_TOKEN_PATH, 'xoxTokenInPath42'].filter((s) => text.includes(s));
};

describe('response notifications against real receivers', () => {
  it('signs webhooks the receiver verifies, posts Slack and Teams messages, mails through SMTP; records no secret', async () => {
    const before = { hook: hook.received.length, chat: chat.received.length, mails: mails.length };
    const engine = engineWith([notifyPlaybook('auto')]);
    await engine.start();
    engine.onIncident(testIncident({ id: 'inc-n1' }), 'created');
    await engine.idle();
    const [run] = await engine.listRuns();
    expect(run!.steps.map((s) => [s.step, s.status, s.error])).toEqual([
      ['webhook', 'succeeded', null],
      ['slack', 'succeeded', null],
      ['teams', 'succeeded', null],
      ['mail', 'succeeded', null],
    ]);
    expect(run!.status).toBe('succeeded');
    const delivered = hook.received.slice(before.hook);
    expect(delivered).toHaveLength(1);
    expect(verified(delivered[0]!, HMAC_KEY)).toBe(true);
    expect(JSON.parse(delivered[0]!.body)).toMatchObject({
      source: 'vigil',
      run_id: run!.id,
      title: '[critical] Ransomware on WS01',
      subject: {
        id: 'inc-n1',
        severity: 'critical',
        risk: 90,
        hosts: ['ws01'],
        entities: { hash: expect.any(Array) },
      },
    });
    expect(delivered[0]!.headers['x-vigil-delivery']).toBe(run!.steps[0]!.key);
    expect(chat.received.slice(before.chat).map((r) => r.url)).toEqual([SLACK_TOKEN_PATH, '/teams']);
    const mail = mails.slice(before.mails);
    expect(mail).toHaveLength(1);
    expect(mail[0]!.subject).toBe('[Vigil] Ransomware on WS01');
    expect(mail[0]!.text).toMatch(
      /Incident inc-n1: Ransomware on WS01\nSeverity critical, risk 90, 3 alerts/,
    );
    expect(mail[0]!.headers.get('x-vigil-run')).toBe(run!.id);
    expect(logins).toContain('vigil');
    expect(run!.steps[3]!.output).toMatchObject({
      accepted: ['soc@example.org', 'inc-n1@cases.example.org'],
      rejected: [],
    });
    // Inputs are recorded, secrets are not: references stay references, literal URLs keep their origin.
    expect(run!.steps[0]!.params).toMatchObject({ url: 'env:HOOK_URL', secret: 'env:HOOK_KEY' });
    expect(run!.steps[2]!.params).toMatchObject({ url: `${chat.url}/…` });
    expect(run!.steps[3]!.params).toMatchObject({ password: 'env:SMTP_PASSWORD' });
    expect(secretsIn([await engine.listRuns(), await engine.auditLog()])).toEqual([]);
  });

  it('approval mode sends nothing until a person approves; dry-run sends nothing at all', async () => {
    const before = { hook: hook.received.length, chat: chat.received.length, mails: mails.length };
    const engine = engineWith([notifyPlaybook('approve'), notifyPlaybook('dry-run')]);
    await engine.start();
    engine.onIncident(testIncident({ id: 'inc-n2' }), 'created');
    await engine.idle();
    expect([hook.received.length, chat.received.length, mails.length]).toEqual([
      before.hook,
      before.chat,
      before.mails,
    ]);
    const dry = (await engine.listRuns({ playbook: 'notify-dry-run' }))[0]!;
    expect(dry.status).toBe('dry_run');
    expect(dry.steps.map((s) => s.plan)).toEqual([
      'POST a JSON message to env:HOOK_URL, signed',
      'post a Slack message to env:SLACK_URL',
      `post a Teams card to ${chat.url}`,
      `mail soc@example.org, inc-n2@cases.example.org through 127.0.0.1:${smtpPort}`,
    ]);
    const [pending] = await engine.pending();
    expect(pending).toMatchObject({ playbook: { id: 'notify-approve' }, status: 'pending_approval' });
    await engine.approve(pending!.id, 'alice');
    await engine.idle();
    expect(hook.received.length).toBe(before.hook + 1);
    expect(chat.received.length).toBe(before.chat + 2);
    expect(mails.length).toBe(before.mails + 1);
    expect(await engine.getRun(pending!.id)).toMatchObject({
      status: 'succeeded',
      approval: { by: 'alice' },
    });
  });

  it('retries a failing receiver with backoff, then reports the failure; a refused signature is not retried', async () => {
    let calls = 0;
    const flaky = await startReceiver((_r, res) => {
      calls++;
      res.writeHead(calls <= 2 ? 503 : 200).end(calls <= 2 ? 'busy' : 'ok');
    });
    const down = await startReceiver((_r, res) => res.writeHead(500).end('internal error'));
    try {
      const pb = (id: string, url: string, retries: number, key = 'HOOK_KEY') =>
        `id: ${id}\ntitle: ${id}\nversion: 1\nmode: auto\ntriggers:\n  - alert: {level: high}\nsteps:\n  - action: notify.webhook\n    retries: ${retries}\n    with: {url: "${url}", secret: "env:${key}"}\n`;
      const engine = engineWith([
        pb('flaky', `${flaky.url}/x`, 3),
        pb('down', `${down.url}/x`, 2),
        pb('bad-key', `${hook.url}/x`, 3, 'WRONG_KEY'),
      ]);
      await engine.start();
      engine.onAlert(testAlert());
      await engine.idle();
      const runs = Object.fromEntries((await engine.listRuns()).map((r) => [r.playbook.id, r])) as Record<
        string,
        RunRecord
      >;
      expect(runs.flaky!.status).toBe('succeeded');
      expect(runs.flaky!.steps[0]!.attempts.map((a) => a.error)).toEqual([
        `${flaky.url} answered 503: busy`,
        `${flaky.url} answered 503: busy`,
        null,
      ]);
      expect(runs.down!.status).toBe('failed');
      expect(runs.down!.steps[0]!.attempts).toHaveLength(3);
      expect(runs.down!.reason).toBe(`step-1: ${down.url} answered 500: internal error (after 3 attempts)`);
      expect(down.received).toHaveLength(3);
      expect(runs['bad-key']!.status).toBe('failed');
      expect(runs['bad-key']!.steps[0]!.attempts).toHaveLength(1);
      expect(runs['bad-key']!.steps[0]!.error).toBe(`${hook.url} answered 401: bad signature`);
      const failed = (await engine.auditLog()).filter((a) => a.event === 'step.failed').map((a) => a.runId);
      expect(failed.sort()).toEqual([runs.down!.id, runs['bad-key']!.id].sort());
    } finally {
      await flaky.close();
      await down.close();
    }
  });

  it('a hanging receiver never delays onAlert; past the queue bound runs are dropped with the reason recorded', async () => {
    const hanging = await startReceiver(() => {
      // never answers
    });
    try {
      const pb = `id: hang\ntitle: hang\nversion: 1\nmode: auto\ntriggers:\n  - alert: {level: high}\nsteps:\n  - action: notify.webhook\n    timeout: 10m\n    with: {url: "${hanging.url}/hook"}\n`;
      const engine = engineWith([pb], { concurrency: 1, maxQueue: 2 });
      await engine.start();
      engine.onAlert(testAlert({ id: 'h0' }));
      while (hanging.received.length === 0) await new Promise((r) => setTimeout(r, 5));
      // The receiver holds the first request open. Alerts keep arriving, and every call returns
      // at once: the ingest pipeline is never held up by a receiver.
      const n = 1000;
      const t0 = performance.now();
      const receipts = Array.from({ length: n }, (_, i) => engine.onAlert(testAlert({ id: `h${i + 1}` })));
      const ms = performance.now() - t0;
      console.log(
        `respond: ${n} onAlert calls while a receiver hangs took ${ms.toFixed(1)} ms (${((ms * 1000) / n).toFixed(1)} µs each)`,
      );
      expect(receipts.every((r) => r.runs.length === 1)).toBe(true);
      expect(hanging.received).toHaveLength(1);
      for (;;) {
        const recorded = await engine.listRuns({ limit: 2000 });
        if (recorded.length === n + 1) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      const runs = await engine.listRuns({ limit: 2000 });
      const count = (s: string) => runs.filter((r) => r.status === s).length;
      expect([count('running'), count('queued'), count('dropped')]).toEqual([1, 2, n - 2]);
      const dropped = runs.find((r) => r.status === 'dropped')!;
      expect(dropped.reason).toBe('dropped: the action queue is full (2 runs waiting)');
      expect((await engine.auditLog({ runId: dropped.id }))[0]).toMatchObject({
        event: 'run.dropped',
        detail: dropped.reason,
      });
      // The kill switch ends the hanging request at once.
      await engine.killSwitch(true, 'ops');
      await engine.idle();
      const after = await engine.listRuns({ limit: 2000 });
      expect(after.filter((r) => r.status === 'cancelled')).toHaveLength(3);
      const first = after.find((r) => r.trigger.subjectId === 'h0')!;
      expect(first.steps[0]).toMatchObject({ status: 'cancelled', note: 'the kill switch is on' });
    } finally {
      await hanging.close();
    }
  });

  it('the kill switch cancels a retry waiting for its delay, and is audited', async () => {
    const busy = await startReceiver((_r, res) => res.writeHead(503).end('busy'));
    try {
      const pb = `id: busy\ntitle: busy\nversion: 1\nmode: auto\ntriggers:\n  - alert: {level: high}\nsteps:\n  - action: notify.webhook\n    retries: 5\n    with: {url: "${busy.url}/hook"}\n`;
      const engine = engineWith([pb], { backoffBaseMs: 3_600_000, backoffMaxMs: 3_600_000 });
      await engine.start();
      engine.onAlert(testAlert({ id: 'k1' }));
      for (;;) {
        const [run] = await engine.listRuns();
        if (run?.steps[0]?.status === 'retrying') break;
        await new Promise((r) => setTimeout(r, 5));
      }
      await engine.killSwitch(true, 'carol');
      await engine.idle();
      const [run] = await engine.listRuns();
      expect(run).toMatchObject({ status: 'cancelled', reason: 'the kill switch is on' });
      expect(run!.steps[0]!.attempts).toHaveLength(1);
      expect(busy.received).toHaveLength(1);
      expect((await engine.auditLog()).map((a) => `${a.actor} ${a.event}`)).toContain('carol killswitch.on');
    } finally {
      await busy.close();
    }
  });
});
