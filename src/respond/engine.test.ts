import { describe, expect, it } from 'vitest';
import {
  ActionError,
  ActionRegistry,
  type Action,
  type ActionContext,
  type Params,
} from './actions/action.js';
import { ResponseEngine, ResponseRequestError, type ResponseConfig } from './engine.js';
import { MemoryResponseStore } from './memory-store.js';
import type { Playbook } from './model.js';
import type { ResponseStore, RunRecord } from './store.js';
import { playbookOf, testAlert, testIncident } from './testing.js';

/**
 * Actions for engine tests: each is a real implementation of the plugin interface whose behaviour
 * the test scripts (succeed, fail n times, hang until aborted), and which records its calls.
 */
interface Probe {
  calls: { action: string; params: Params; key: string }[];
  undone: string[];
  /** Failures left per action name, and whether they are retryable. */
  failures: Map<string, { left: number; retryable: boolean }>;
  hang: Set<string>;
  /** Called when a hanging action starts. */
  onHang: (() => void) | null;
}

function probeActions(probe: Probe): ActionRegistry {
  const act = (name: string, reversible: boolean): Action => ({
    name,
    description: name,
    params: {
      target: { type: 'string', required: true, description: 'what' },
      key: { type: 'secret', description: 'a key' },
    },
    ...(reversible ? {} : { irreversible: `${name} cannot be undone` }),
    plan: (p) => `${name} ${String(p.target)}`,
    async run(p: Params, ctx: ActionContext) {
      probe.calls.push({ action: name, params: p, key: ctx.stepKey });
      if (probe.hang.has(name)) {
        probe.onHang?.();
        await new Promise((_, reject) =>
          ctx.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
        );
      }
      const secret = p.key === undefined ? '' : ctx.secret(String(p.key));
      const f = probe.failures.get(name);
      if (f !== undefined && f.left > 0) {
        f.left--;
        throw new ActionError(`receiver said no (key ${secret})`, f.retryable);
      }
      return {
        output: { did: String(p.target), echoed: secret },
        undo: reversible ? { target: String(p.target) } : null,
      };
    },
    ...(reversible
      ? {
          async undo(u: Readonly<Record<string, unknown>>) {
            probe.undone.push(`${name}:${String(u.target)}`);
            return { undone: String(u.target) };
          },
        }
      : {}),
  });
  return new ActionRegistry([act('test.block', true), act('test.notify', false), act('test.other', true)]);
}

function setup(
  yamls: readonly string[],
  config: Partial<ResponseConfig> = {},
  options: { store?: ResponseStore; clock?: { now(): number }; env?: Record<string, string> } = {},
) {
  const probe: Probe = { calls: [], undone: [], failures: new Map(), hang: new Set(), onHang: null };
  const actions = probeActions(probe);
  const playbooks: Playbook[] = yamls.map((y) => playbookOf(y, actions));
  const store = options.store ?? new MemoryResponseStore();
  const engine = new ResponseEngine({
    store,
    actions,
    playbooks,
    config: { backoffBaseMs: 5, backoffMaxMs: 20, ...config },
    ...(options.clock ? { clock: options.clock } : {}),
    env: options.env ?? {},
  });
  return { engine, probe, store, actions };
}

const playbook = (
  over: {
    id?: string;
    mode?: string;
    extra?: string;
    steps?: string;
    triggers?: string;
    version?: number;
  } = {},
) =>
  `id: ${over.id ?? 'pb'}
title: Test playbook
version: ${over.version ?? 1}
mode: ${over.mode ?? 'auto'}
${over.extra ?? ''}
triggers:
${over.triggers ?? '  - incident: created\n    min_severity: high'}
steps:
${
  over.steps ??
  `  - id: block
    action: test.block
    with:
      target: "{{ entities.hash }}"
  - id: notify
    action: test.notify
    with:
      target: "{{ incident.title }}"`
}
`;

async function only(engine: ResponseEngine): Promise<RunRecord> {
  const runs = await engine.listRuns();
  expect(runs).toHaveLength(1);
  return runs[0]!;
}

describe('ResponseEngine', () => {
  it('acts on a matching incident in the background, once per entity value, and records everything', async () => {
    const { engine, probe } = setup([playbook()]);
    await engine.start();
    const receipt = engine.onIncident(testIncident(), 'created', 'acme');
    // The call returned before anything acted.
    expect(probe.calls).toEqual([]);
    expect(receipt.runs).toEqual([
      { runId: expect.stringMatching(/^run-/), playbook: 'pb', accepted: true, reason: null },
    ]);
    await engine.idle();
    expect(probe.calls.map((c) => `${c.action} ${String(c.params.target)}`)).toEqual([
      'test.block d41d8cd98f00b204e9800998ecf8427e',
      'test.block e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'test.notify Ransomware on WS01',
    ]);
    const run = await only(engine);
    expect(run).toMatchObject({
      tenant: 'acme',
      status: 'succeeded',
      playbook: { id: 'pb', version: 1 },
      trigger: { kind: 'incident', change: 'created', subjectId: 'inc-0001', risk: 90 },
      approval: { by: 'policy', note: 'mode auto' },
    });
    expect(run.steps.map((s) => [s.step, s.status, s.value, s.attempts.length])).toEqual([
      ['block', 'succeeded', 'd41d8cd98f00b204e9800998ecf8427e', 1],
      ['block', 'succeeded', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 1],
      ['notify', 'succeeded', null, 1],
    ]);
    expect(run.steps[0]).toMatchObject({
      params: { target: 'd41d8cd98f00b204e9800998ecf8427e' },
      output: { did: 'd41d8cd98f00b204e9800998ecf8427e' },
    });
    const events = (await engine.auditLog({ runId: run.id })).map((a) => a.event).reverse();
    expect(events).toEqual([
      'run.queued',
      'run.started',
      'step.succeeded',
      'step.succeeded',
      'step.succeeded',
      'run.succeeded',
    ]);
  });

  it('never acts twice for the same trigger: not in one process, not after a restart', async () => {
    const store = new MemoryResponseStore();
    const a = setup([playbook()], {}, { store });
    await a.engine.start();
    a.engine.onIncident(testIncident(), 'created');
    const again = a.engine.onIncident(testIncident(), 'created');
    expect(again.runs[0]).toMatchObject({ accepted: false, reason: 'duplicate trigger' });
    await a.engine.idle();
    expect(a.probe.calls).toHaveLength(3);
    const b = setup([playbook()], {}, { store });
    await b.engine.start();
    b.engine.onIncident(testIncident(), 'created');
    await b.engine.idle();
    expect(b.probe.calls).toEqual([]);
    expect(b.engine.stats.duplicates).toBe(1);
    expect(await b.engine.listRuns()).toHaveLength(1);
  });

  it('treats each severity an incident escalates to as a new trigger', async () => {
    const { engine, probe } = setup([
      playbook({
        triggers: '  - incident: escalated\n    min_severity: high',
        steps: '  - action: test.notify\n    with: {target: "{{ incident.severity }}"}',
      }),
    ]);
    await engine.start();
    engine.onIncident(testIncident({ severity: 'medium' }), 'escalated');
    engine.onIncident(testIncident({ severity: 'high' }), 'escalated');
    engine.onIncident(testIncident({ severity: 'critical' }), 'escalated');
    engine.onIncident(testIncident({ severity: 'critical' }), 'escalated');
    engine.onIncident(testIncident({ severity: 'critical' }), 'created');
    await engine.idle();
    expect(probe.calls.map((c) => c.params.target)).toEqual(['high', 'critical']);
  });

  it('after a crash, resumes queued runs and never repeats a step that may have acted', async () => {
    const store = new MemoryResponseStore();
    const a = setup([playbook()], {}, { store });
    await a.engine.start();
    a.engine.onIncident(testIncident(), 'created');
    await a.engine.idle();
    const done = await only(a.engine);
    // As a crash would leave them: one run mid-way (its first step claimed), one never started.
    const crashed = structuredClone(done);
    Object.assign(crashed, { id: 'run-crashed', status: 'running' });
    crashed.steps[0]!.status = 'running';
    crashed.steps[1]!.status = 'pending';
    crashed.steps[2]!.status = 'pending';
    await store.saveRun(crashed);
    const waiting = structuredClone(done);
    const other = testIncident({
      id: 'inc-other',
      entities: [{ type: 'hash', value: 'aa'.repeat(16), alerts: 1 }],
    });
    Object.assign(waiting, {
      id: 'run-waiting',
      status: 'queued',
      subject: {
        ...waiting.subject,
        id: 'inc-other',
        triggerKey: 'incident:inc-other:created',
        entities: { hash: ['aa'.repeat(16)] },
      },
    });
    waiting.steps = [
      {
        ...done.steps[0]!,
        key: 'step-new-1',
        value: 'aa'.repeat(16),
        status: 'pending',
        attempts: [],
        output: null,
      },
      { ...done.steps[2]!, key: 'step-new-2', status: 'pending', attempts: [], output: null },
    ];
    await store.saveRun(waiting);
    const b = setup([playbook()], {}, { store });
    await b.engine.start();
    await b.engine.idle();
    expect(await b.engine.getRun('run-crashed')).toMatchObject({ status: 'interrupted' });
    expect((await b.engine.getRun('run-crashed'))!.steps.map((s) => s.status)).toEqual([
      'interrupted',
      'skipped',
      'skipped',
    ]);
    expect(await b.engine.getRun('run-waiting')).toMatchObject({ status: 'succeeded' });
    expect(b.probe.calls.map((c) => c.params.target)).toEqual(['aa'.repeat(16), other.title]);
  });

  it('waits for a person in approve mode; a rejection is kept with its reason', async () => {
    const { engine, probe } = setup([playbook({ mode: 'approve' })]);
    await engine.start();
    engine.onIncident(testIncident(), 'created');
    engine.onIncident(testIncident({ id: 'inc-2' }), 'created');
    await engine.idle();
    expect(probe.calls).toEqual([]);
    const [first, second] = await engine.pending();
    expect(first).toMatchObject({ status: 'pending_approval', reason: 'the playbook asks for approval' });
    expect(first!.steps.map((s) => [s.status, s.plan])).toEqual([
      ['pending', 'test.block d41d8cd98f00b204e9800998ecf8427e'],
      ['pending', 'test.block e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
      ['pending', 'test.notify Ransomware on WS01'],
    ]);
    await expect(engine.approve(first!.id, '  ')).rejects.toThrow(/say who decides/);
    await expect(engine.approve(first!.id, 'mallory', 'other-tenant')).rejects.toMatchObject({ status: 404 });
    await engine.approve(first!.id, 'alice', 'default');
    await expect(engine.approve(first!.id, 'bob')).rejects.toMatchObject({ status: 409 });
    await engine.idle();
    expect(probe.calls).toHaveLength(3);
    expect(await engine.getRun(first!.id)).toMatchObject({ status: 'succeeded', approval: { by: 'alice' } });
    await expect(engine.reject(second!.id, 'bob', '')).rejects.toThrow(/needs a reason/);
    await engine.reject(second!.id, 'bob', 'false positive: admin testing');
    expect(await engine.getRun(second!.id)).toMatchObject({
      status: 'rejected',
      rejection: { by: 'bob', reason: 'false positive: admin testing' },
    });
    await expect(engine.approve(second!.id, 'alice')).rejects.toThrow(/is rejected/);
    await expect(engine.approve('run-nope', 'alice')).rejects.toMatchObject({ status: 404 });
    expect(probe.calls).toHaveLength(3);
    const audit = (await engine.auditLog()).map((a) => `${a.actor} ${a.event}`);
    expect(audit).toContain('alice run.approved');
    expect(audit).toContain('bob run.rejected');
  });

  it('asks for approval below min_confidence even in auto mode; approvals expire', async () => {
    const clock = {
      t: 1_000_000,
      now() {
        return this.t;
      },
    };
    const { engine, probe } = setup(
      [playbook({ extra: 'min_confidence: 80' })],
      { approvalTtlMs: 60_000 },
      { clock },
    );
    await engine.start();
    engine.onIncident(testIncident({ risk: 79 }), 'created');
    engine.onIncident(testIncident({ id: 'inc-sure', risk: 80 }), 'created');
    await engine.idle();
    expect(probe.calls).toHaveLength(3);
    const runs = await engine.listRuns();
    expect(runs.find((r) => r.trigger.subjectId === 'inc-sure')).toMatchObject({
      status: 'succeeded',
      approval: { by: 'policy', note: 'mode auto, risk 80 ≥ min_confidence 80' },
    });
    const unsure = runs.find((r) => r.trigger.subjectId === 'inc-0001')!;
    expect(unsure).toMatchObject({
      status: 'pending_approval',
      reason: 'risk 79 is below min_confidence 80',
    });
    clock.t += 61_000;
    expect(await engine.pending()).toEqual([]);
    expect(await engine.getRun(unsure.id)).toMatchObject({
      status: 'expired',
      reason: 'not approved within 1m',
    });
    await expect(engine.approve(unsure.id, 'alice')).rejects.toThrow(/expired/);
  });

  it('dry-run plans every step and changes nothing', async () => {
    const { engine, probe, store } = setup([playbook({ mode: 'dry-run' })]);
    await engine.start();
    engine.onIncident(testIncident(), 'created');
    await engine.idle();
    expect(probe.calls).toEqual([]);
    const run = await only(engine);
    expect(run).toMatchObject({ status: 'dry_run', reason: 'dry-run playbook: nothing was done' });
    expect(run.steps.map((s) => [s.status, s.plan])).toEqual([
      ['planned', 'test.block d41d8cd98f00b204e9800998ecf8427e'],
      ['planned', 'test.block e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
      ['planned', 'test.notify Ransomware on WS01'],
    ]);
    // No step key was claimed: a later real run may still act.
    expect(await store.claimStep(run.steps[0]!.key, 'x', 0)).toBeNull();
    await expect(engine.approve(run.id, 'alice')).rejects.toThrow(/dry_run, not waiting/);
  });

  it('retries what may pass later, reports what failed, and stops the playbook there', async () => {
    const { engine, probe } = setup([
      playbook({
        steps:
          '  - id: block\n    action: test.block\n    retries: 3\n    with: {target: "{{ entities.hash }}"}\n  - id: notify\n    action: test.notify\n    with: {target: x}',
      }),
    ]);
    probe.failures.set('test.block', { left: 2, retryable: true });
    await engine.start();
    engine.onIncident(testIncident(), 'created');
    await engine.idle();
    let run = await only(engine);
    expect(run.status).toBe('succeeded');
    expect(run.steps[0]!.attempts.map((a) => a.error)).toEqual([
      'receiver said no (key )',
      'receiver said no (key )',
      null,
    ]);

    const second = setup([
      playbook({
        steps:
          '  - id: block\n    action: test.block\n    retries: 2\n    with: {target: "{{ entities.hash }}"}\n  - id: notify\n    action: test.notify\n    with: {target: x}',
      }),
    ]);
    second.probe.failures.set('test.block', { left: 100, retryable: true });
    await second.engine.start();
    second.engine.onIncident(testIncident(), 'created');
    await second.engine.idle();
    run = await only(second.engine);
    expect(run.status).toBe('failed');
    expect(run.steps.map((s) => [s.step, s.status, s.attempts.length])).toEqual([
      ['block', 'failed', 3],
      ['block', 'failed', 3],
      ['notify', 'skipped', 0],
    ]);
    expect(run.steps[0]!.error).toBe('receiver said no (key ) (after 3 attempts)');
    expect(run.steps[2]!.note).toBe('an earlier step failed');
    expect(run.reason).toMatch(/^block \(d41d8cd98f00b204e9800998ecf8427e\): receiver said no/);
    expect(second.probe.calls.filter((c) => c.action === 'test.notify')).toEqual([]);
    const events = (await second.engine.auditLog()).map((a) => a.event);
    expect(events.filter((e) => e === 'step.retry')).toHaveLength(4);
    expect(events.filter((e) => e === 'step.failed')).toHaveLength(2);

    const third = setup([playbook()]);
    third.probe.failures.set('test.block', { left: 1, retryable: false });
    await third.engine.start();
    third.engine.onIncident(testIncident(), 'created');
    await third.engine.idle();
    run = await only(third.engine);
    expect(run.steps.map((s) => [s.status, s.attempts.length])).toEqual([
      ['failed', 1],
      ['succeeded', 1],
      ['skipped', 0],
    ]);
  });

  it('gives up on an action that does not answer within its timeout', async () => {
    const { engine, probe } = setup([
      playbook({
        steps: '  - action: test.notify\n    timeout: 100ms\n    retries: 1\n    with: {target: x}',
      }),
    ]);
    probe.hang.add('test.notify');
    await engine.start();
    engine.onIncident(testIncident(), 'created');
    await engine.idle();
    const run = await only(engine);
    expect(run.status).toBe('failed');
    expect(run.steps[0]!.attempts.map((a) => a.error)).toEqual([
      'timed out after 100ms',
      'timed out after 100ms',
    ]);
  });

  it('keeps secrets out of run records: references stay references, values are scrubbed', async () => {
    const { engine, probe } = setup(
      [
        playbook({
          steps: '  - action: test.block\n    retries: 1\n    with: {target: x, key: env:PROBE_KEY}',
        }),
      ],
      {},
      { env: { PROBE_KEY: 'sup3r-s3cret-value' } },
    );
    probe.failures.set('test.block', { left: 1, retryable: true });
    await engine.start();
    engine.onIncident(testIncident(), 'created');
    await engine.idle();
    const run = await only(engine);
    expect(run.status).toBe('succeeded');
    const text = JSON.stringify([run, await engine.auditLog()]);
    expect(text).not.toContain('sup3r-s3cret-value');
    expect(run.steps[0]!.params).toEqual({ target: 'x', key: 'env:PROBE_KEY' });
    expect(run.steps[0]!.attempts[0]!.error).toBe('receiver said no (key [redacted])');
    expect(run.steps[0]!.output).toEqual({ did: 'x', echoed: '[redacted]' });

    const missing = setup([
      playbook({ steps: '  - action: test.block\n    with: {target: x, key: env:NOT_SET}' }),
    ]);
    await missing.engine.start();
    missing.engine.onIncident(testIncident(), 'created');
    await missing.engine.idle();
    expect((await only(missing.engine)).steps[0]).toMatchObject({
      status: 'failed',
      error: 'environment variable NOT_SET is not set',
    });
  });

  it('the kill switch stops running steps and waiting retries at once, blocks new runs, and is kept', async () => {
    const store = new MemoryResponseStore();
    const { engine, probe } = setup(
      [playbook()],
      { backoffBaseMs: 3_600_000, backoffMaxMs: 3_600_000 },
      { store },
    );
    probe.failures.set('test.block', { left: 1, retryable: true });
    await engine.start();
    engine.onIncident(testIncident(), 'created');
    // Wait until the first attempt failed and the step waits an hour for its retry.
    for (;;) {
      await new Promise((r) => setImmediate(r));
      const runs = await engine.listRuns();
      if (runs[0]?.steps[0]?.status === 'retrying') break;
    }
    await engine.killSwitch(true, 'carol');
    await engine.idle();
    const run = await only(engine);
    expect(run).toMatchObject({ status: 'cancelled', reason: 'the kill switch is on' });
    expect(run.steps.map((s) => s.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(probe.calls).toHaveLength(1);
    engine.onIncident(testIncident({ id: 'inc-later' }), 'created');
    await engine.idle();
    expect((await engine.listRuns({ subject: 'inc-later' }))[0]).toMatchObject({
      status: 'blocked',
      reason: 'the kill switch is on',
    });
    const audit = await engine.auditLog();
    expect(audit.find((a) => a.event === 'killswitch.on')).toMatchObject({ actor: 'carol', tenant: '' });
    // A restarted engine finds it on.
    const again = setup([playbook({ mode: 'approve' })], {}, { store });
    await again.engine.start();
    expect(again.engine.killSwitchOn).toBe(true);
    again.engine.onIncident(testIncident({ id: 'inc-third' }), 'created');
    await again.engine.idle();
    expect((await again.engine.listRuns({ subject: 'inc-third' }))[0]!.status).toBe('blocked');
    await again.engine.killSwitch(false, 'carol');
    again.engine.onIncident(testIncident({ id: 'inc-fourth' }), 'created');
    await again.engine.idle();
    const fourth = (await again.engine.listRuns({ subject: 'inc-fourth' }))[0]!;
    expect(fourth.status).toBe('pending_approval');
    await again.engine.killSwitch(true, 'dave');
    await expect(again.engine.approve(fourth.id, 'alice')).rejects.toThrow(/kill switch is on/);
    expect(again.probe.calls).toEqual([]);
  });

  it('defers a step that finds its rate limit spent, and records why', async () => {
    const { engine, probe } = setup([playbook()], {
      rateLimits: { 'test.block': { perMinute: 600, burst: 1 } },
    });
    await engine.start();
    engine.onIncident(testIncident(), 'created');
    await engine.idle();
    const run = await only(engine);
    expect(run.status).toBe('succeeded');
    expect(probe.calls).toHaveLength(3);
    expect(run.steps[1]!.note).toMatch(/^deferred by the rate limit for test\.block: next slot in \d+ ms$/);
    expect((await engine.auditLog()).some((a) => a.event === 'step.deferred')).toBe(true);

    const strict = setup([playbook()], {
      rateLimits: { 'test.block': { perMinute: 1, burst: 1 } },
      maxRateWaitMs: 1000,
    });
    await strict.engine.start();
    strict.engine.onIncident(testIncident(), 'created');
    await strict.engine.idle();
    expect((await only(strict.engine)).steps.map((s) => [s.status, s.error])).toEqual([
      ['succeeded', null],
      ['failed', 'rate limit for test.block: no slot within 1s'],
      ['skipped', null],
    ]);
  });

  it('returns at once while actions hang, and drops runs past the queue bound with the reason recorded', async () => {
    const { engine, probe } = setup(
      [
        playbook({
          triggers: '  - alert: {level: high}',
          steps: '  - action: test.notify\n    timeout: 10m\n    with: {target: "{{ alert.id }}"}',
        }),
      ],
      { concurrency: 1, maxQueue: 1 },
    );
    probe.hang.add('test.notify');
    let hanging = 0;
    const started = new Promise<void>(
      (resolve) => (probe.onHang = () => (++hanging === 1 ? resolve() : undefined)),
    );
    await engine.start();
    engine.onAlert(testAlert({ id: 'a1' }));
    await started;
    // The first run hangs in its action; more alerts still return at once.
    const receipts = ['a2', 'a3', 'a4'].map((id) => engine.onAlert(testAlert({ id })));
    expect(receipts.every((r) => r.runs[0]!.accepted)).toBe(true);
    // Wait until they are recorded (the worker is still stuck in a1).
    for (;;) {
      await new Promise((r) => setImmediate(r));
      if (
        (await engine.listRuns()).length === 4 &&
        (await engine.listRuns({ status: 'dropped' })).length === 2
      )
        break;
    }
    const runs = await engine.listRuns();
    const status = Object.fromEntries(runs.map((r) => [r.trigger.subjectId, r.status]));
    expect(status).toEqual({ a1: 'running', a2: 'queued', a3: 'dropped', a4: 'dropped' });
    expect(runs.find((r) => r.trigger.subjectId === 'a3')!.reason).toBe(
      'dropped: the action queue is full (1 runs waiting)',
    );
    expect(engine.stats.dropped).toBe(2);
    expect(hanging).toBe(1);
    await engine.killSwitch(true, 'ops');
    await engine.idle();
    const after = Object.fromEntries((await engine.listRuns()).map((r) => [r.trigger.subjectId, r.status]));
    expect(after).toEqual({ a1: 'cancelled', a2: 'cancelled', a3: 'dropped', a4: 'dropped' });
  });

  it('drops triggers past the intake bound, recorded', async () => {
    const { engine } = setup([playbook()], { maxIntake: 2 });
    // Not started: triggers wait in the intake.
    const receipts = ['i1', 'i2', 'i3'].map((id) => engine.onIncident(testIncident({ id }), 'created'));
    expect(receipts.map((r) => r.runs[0]!.accepted)).toEqual([true, true, false]);
    expect(receipts[2]!.runs[0]!.reason).toBe('dropped: 2 triggers are waiting to be recorded');
    await engine.start();
    await engine.idle();
    expect((await engine.listRuns({ subject: 'i3' }))[0]).toMatchObject({ status: 'dropped' });
    expect((await engine.listRuns({ status: 'succeeded' })).length).toBe(2);
  });

  it('rolls back what can be undone, newest first, and says what cannot', async () => {
    const { engine, probe } = setup([
      playbook({
        steps: [
          '  - id: block',
          '    action: test.block',
          '    with: {target: "{{ entities.hash }}"}',
          '  - id: notify',
          '    action: test.notify',
          '    with: {target: x}',
          '  - id: kept',
          '    action: test.other',
          '    rollback: false',
          '    with: {target: y}',
          '  - id: other',
          '    action: test.other',
          '    with: {target: z}',
        ].join('\n'),
      }),
    ]);
    await engine.start();
    engine.onIncident(testIncident(), 'created');
    await engine.idle();
    const run = await only(engine);
    await expect(engine.rollback(run.id, '')).rejects.toThrow(/say who/);
    const rolled = await engine.rollback(run.id, 'alice');
    expect(probe.undone).toEqual([
      'test.other:z',
      'test.block:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      'test.block:d41d8cd98f00b204e9800998ecf8427e',
    ]);
    expect(rolled.rollback).toMatchObject({
      by: 'alice',
      status: 'done',
      notes: [
        'notify (test.notify) is not undone: test.notify cannot be undone',
        'kept (test.other) is not undone: the playbook says rollback: false',
      ],
    });
    expect(rolled.steps.map((s) => s.rolledBack?.status ?? null)).toEqual([
      'done',
      'done',
      null,
      null,
      'done',
    ]);
    await expect(engine.rollback(run.id, 'alice')).rejects.toThrow(/already rolled back/);
    expect((await engine.auditLog({ runId: run.id })).map((a) => a.event)).toContain('rollback.done');
  });

  it('refuses to act on a run planned by another version of its playbook', async () => {
    const { engine, probe, actions } = setup([playbook({ mode: 'approve' })]);
    await engine.start();
    engine.onIncident(testIncident(), 'created');
    await engine.idle();
    const [run] = await engine.pending();
    engine.setPlaybooks([playbookOf(playbook({ mode: 'approve', version: 2 }), actions)]);
    await engine.approve(run!.id, 'alice');
    await engine.idle();
    expect(await engine.getRun(run!.id)).toMatchObject({
      status: 'failed',
      reason: 'the playbook changed since this run was planned (version 1 → 2)',
    });
    expect(probe.calls).toEqual([]);
    await expect(engine.rollback(run!.id, 'alice')).resolves.toMatchObject({
      rollback: { status: 'nothing' },
    });
  });

  it('matches alerts by rule, level and entity, and caps fan-out', async () => {
    const { engine, probe } = setup(
      [
        playbook({
          id: 'by-rule',
          triggers: '  - alert: {rule: "*container*"}',
          steps: '  - action: test.notify\n    with: {target: "{{ alert.rule }}"}',
        }),
        playbook({
          id: 'by-level',
          triggers: '  - alert: {level: critical}',
          steps: '  - action: test.notify\n    with: {target: never}',
        }),
        playbook({
          id: 'by-entity',
          triggers: '  - entity: {type: container, value: "abc*"}',
          steps: '  - action: test.block\n    with: {target: "{{ entities.container }}"}',
        }),
        playbook({
          id: 'fan',
          triggers: '  - incident: created',
          steps: '  - action: test.block\n    with: {target: "{{ entities.hash }}"}',
        }),
        playbook({
          id: 'no-ip',
          triggers: '  - incident: created',
          steps: '  - action: test.block\n    with: {target: "{{ entities.ip }}"}',
        }),
      ],
      { maxFanOut: 1 },
    );
    await engine.start();
    engine.onAlert(testAlert());
    engine.onIncident(testIncident(), 'created');
    await engine.idle();
    expect(probe.calls.map((c) => `${c.action} ${String(c.params.target)}`).sort()).toEqual([
      'test.block abc123',
      'test.block d41d8cd98f00b204e9800998ecf8427e',
      'test.notify rule-priv',
    ]);
    const fan = (await engine.listRuns({ playbook: 'fan' }))[0]!;
    expect(fan.steps[0]!.note).toBe('1 more hash values not acted on (at most 1)');
    const noIp = (await engine.listRuns({ playbook: 'no-ip' }))[0]!;
    expect(noIp).toMatchObject({
      status: 'succeeded',
      steps: [{ status: 'skipped', note: 'no ip entities' }],
    });
  });

  it('previews what would happen without recording anything', async () => {
    const { engine, store } = setup([playbook({ mode: 'approve' }), playbook({ id: 'auto' })]);
    const previews = engine.preview({ incident: testIncident(), change: 'created' });
    expect(previews.map((p) => [p.playbook.id, p.decision, p.reason, p.steps.length])).toEqual([
      ['pb', 'approval', 'the playbook asks for approval', 3],
      ['auto', 'act', null, 3],
    ]);
    expect(await store.listRuns({})).toEqual([]);
  });

  it('is a ResponseRequestError with an HTTP status for what the server passes on', () => {
    expect(new ResponseRequestError('x', 409)).toMatchObject({ status: 409, name: 'ResponseRequestError' });
  });
});
