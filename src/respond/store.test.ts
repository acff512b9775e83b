import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbStore } from '../store/chdb.js';
import { ClickHouseResponseStore } from './clickhouse-store.js';
import { MemoryResponseStore } from './memory-store.js';
import { RESPONSE_DDL } from './schema.js';
import type { AgentCommand, BlockEntry, ResponseStore, RunRecord } from './store.js';
import { snapshotOf, subjectOfIncident } from './subject.js';
import { testIncident } from './testing.js';

const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);

function run(id: string, over: Partial<RunRecord> = {}): RunRecord {
  const subject = subjectOfIncident(testIncident({ id: `inc-${id}` }), 'created', 'acme');
  return {
    id,
    tenant: 'acme',
    playbook: { id: 'pb-1', version: 1, title: 'Playbook' },
    trigger: {
      key: subject.triggerKey,
      kind: 'incident',
      change: 'created',
      subjectId: subject.id,
      title: subject.title,
      severity: 'critical',
      risk: 90,
    },
    subject: snapshotOf(subject),
    mode: 'auto',
    status: 'queued',
    reason: null,
    approval: null,
    rejection: null,
    created: T0,
    updated: T0,
    steps: [],
    rollback: null,
    ...over,
  };
}

const block = (value: string, over: Partial<BlockEntry> = {}): BlockEntry => ({
  tenant: 'acme',
  list: 'domain',
  value,
  reason: 'why',
  addedBy: 'run-1',
  created: T0,
  expires: T0 + 86_400_000,
  removed: false,
  updated: T0,
  ...over,
});

/** One suite, run against every ResponseStore. */
function responseStoreContract(name: string, open: () => Promise<ResponseStore>) {
  describe(`ResponseStore: ${name}`, () => {
    let store: ResponseStore;
    beforeAll(async () => {
      store = await open();
    });

    it('keeps the latest save of a run and filters the list', async () => {
      await store.saveRun(run('run-a', { created: T0 }));
      await store.saveRun(run('run-b', { created: T0 + 1, status: 'pending_approval' }));
      await store.saveRun(run('run-c', { created: T0 + 2, tenant: 'other' }));
      await store.saveRun(
        run('run-a', { created: T0, status: 'succeeded', reason: 'it\'s done; "quoted" {x:String}' }),
      );
      expect(await store.getRun('run-a')).toMatchObject({
        status: 'succeeded',
        reason: 'it\'s done; "quoted" {x:String}',
      });
      expect(await store.getRun('nope')).toBeNull();
      expect((await store.listRuns({ tenant: 'acme' })).map((r) => r.id)).toEqual(['run-b', 'run-a']);
      expect((await store.listRuns({ status: 'pending_approval' })).map((r) => r.id)).toEqual(['run-b']);
      expect((await store.listRuns({ status: ['succeeded', 'queued'] })).map((r) => r.id)).toEqual([
        'run-c',
        'run-a',
      ]);
      expect((await store.listRuns({ subject: 'inc-run-c' })).map((r) => r.id)).toEqual(['run-c']);
      expect((await store.listRuns({ playbook: 'pb-2' })).length).toBe(0);
      expect((await store.listRuns({ limit: 1 })).map((r) => r.id)).toEqual(['run-c']);
      const a = await store.getRun('run-a');
      expect(a?.subject.entities.hash).toHaveLength(2);
    });

    it('claims a step key once', async () => {
      expect(await store.claimStep('step-x', 'run-1', T0)).toBeNull();
      expect(await store.claimStep('step-x', 'run-2', T0 + 1)).toBe('run-1');
      expect(await store.claimStep("step-'y", 'run-2', T0)).toBeNull();
    });

    it('appends to the audit log and reads it newest first', async () => {
      for (let i = 0; i < 3; i++)
        await store.appendAudit({
          id: `a${i}`,
          time: T0 + i,
          tenant: 'acme',
          actor: 'alice',
          event: 'run.approved',
          runId: i === 2 ? null : 'run-a',
          detail: `d${i}`,
        });
      expect((await store.listAudit({ tenant: 'acme' })).map((a) => a.id)).toEqual(['a2', 'a1', 'a0']);
      expect(
        (await store.listAudit({ runId: 'run-a', limit: 1 })).map((a) => [a.id, a.actor, a.time, a.runId]),
      ).toEqual([['a1', 'alice', T0 + 1, 'run-a']]);
      expect((await store.listAudit({ tenant: 'acme' }))[0]!.runId).toBeNull();
    });

    it('lists live block-list entries only, per tenant and list', async () => {
      await store.putBlockEntry(block('b.example'));
      await store.putBlockEntry(block('a.example'));
      await store.putBlockEntry(block('old.example', { expires: T0 + 10 }));
      await store.putBlockEntry(block('gone.example'));
      await store.putBlockEntry(block('gone.example', { removed: true, updated: T0 + 5 }));
      await store.putBlockEntry(block('other.example', { tenant: 'other' }));
      await store.putBlockEntry(block('d41d8cd98f00b204e9800998ecf8427e', { list: 'hash' }));
      expect((await store.listBlockEntries('acme', 'domain', T0 + 100)).map((e) => e.value)).toEqual([
        'a.example',
        'b.example',
      ]);
      expect((await store.listBlockEntries('acme', 'domain', T0 + 5)).map((e) => e.value)).toEqual([
        'a.example',
        'b.example',
        'old.example',
      ]);
      expect(await store.getBlockEntry('acme', 'domain', 'gone.example')).toMatchObject({
        removed: true,
        updated: T0 + 5,
        expires: T0 + 86_400_000,
      });
      expect(await store.getBlockEntry('acme', 'ip', 'a.example')).toBeNull();
    });

    it('keeps agent commands with their latest state', async () => {
      const c: AgentCommand = {
        id: 'cmd-1',
        tenant: 'acme',
        host: 'ws01',
        command: 'isolate',
        args: { reason: 'x' },
        runId: 'run-a',
        created: T0,
        expires: T0 + 3_600_000,
        state: 'pending',
        delivered: null,
        deliveries: 0,
        result: null,
      };
      await store.putAgentCommand(c);
      await store.putAgentCommand({ ...c, id: 'cmd-2', created: T0 + 1 });
      await store.putAgentCommand({ ...c, state: 'delivered', delivered: T0 + 2, deliveries: 1 });
      expect((await store.listAgentCommands('acme', 'ws01')).map((x) => [x.id, x.state])).toEqual([
        ['cmd-1', 'delivered'],
        ['cmd-2', 'pending'],
      ]);
      expect((await store.listAgentCommands('acme', 'ws01', ['pending'])).map((x) => x.id)).toEqual([
        'cmd-2',
      ]);
      expect(await store.getAgentCommand('acme', 'cmd-1')).toMatchObject({ deliveries: 1 });
      expect(await store.getAgentCommand('other', 'cmd-1')).toBeNull();
    });

    it('purges what is over and untouched since the cut-off, every version of it, and nothing live', async () => {
      const day = 86_400_000;
      const old = T0 - 200 * day;
      const cut = { records: T0 - 100 * day, audit: T0 - 150 * day };
      const t = { tenant: 'purge' };
      await store.saveRun(run('p-done', { ...t, status: 'queued', created: old, updated: old }));
      await store.saveRun(run('p-done', { ...t, status: 'succeeded', created: old, updated: old + 1 }));
      await store.saveRun(run('p-waiting', { ...t, status: 'pending_approval', created: old, updated: old }));
      await store.saveRun(run('p-touched', { ...t, status: 'succeeded', created: old, updated: T0 }));
      await store.saveRun(run('p-failed', { ...t, status: 'failed', created: old, updated: old }));
      expect(await store.claimStep('p-key-done', 'p-done', old)).toBeNull();
      expect(await store.claimStep('p-key-waiting', 'p-waiting', old)).toBeNull();
      const command: AgentCommand = {
        id: 'p-cmd',
        tenant: 'purge',
        host: 'ws09',
        command: 'kill_process',
        args: {},
        runId: 'p-done',
        created: old,
        expires: old + 3_600_000,
        state: 'done',
        delivered: old,
        deliveries: 1,
        result: { ok: true, output: '', at: old },
      };
      await store.putAgentCommand(command);
      await store.putAgentCommand({ ...command, id: 'p-cmd-unsent', state: 'pending', result: null });
      await store.putAgentCommand({ ...command, id: 'p-cmd-later', state: 'pending', expires: T0 + day });
      await store.putAgentCommand({ ...command, id: 'p-cmd-new', created: T0 });
      const entry = (value: string, over: Partial<BlockEntry>) =>
        block(value, { tenant: 'purge', created: old, updated: old, expires: T0 + day, ...over });
      await store.putBlockEntry(entry('removed.example', {}));
      await store.putBlockEntry(entry('removed.example', { removed: true, updated: old + 1 }));
      await store.putBlockEntry(entry('expired.example', { expires: old + day }));
      await store.putBlockEntry(entry('active.example', {}));
      await store.putBlockEntry(entry('recently-removed.example', { removed: true, updated: T0 }));
      for (const [i, time] of [old, old + 1, T0 - 120 * day].entries())
        await store.appendAudit({
          id: `p-audit-${i}`,
          time,
          tenant: 'purge',
          actor: 'vigil',
          event: 'run.succeeded',
          runId: null,
          detail: '',
        });

      expect(await store.purge(cut)).toEqual({
        runs: 2,
        stepKeys: 1,
        agentCommands: 2,
        blockEntries: 2,
        audit: 2,
      });
      // No older version comes back: p-done was queued before it succeeded.
      expect(await store.getRun('p-done')).toBeNull();
      expect(await store.getRun('p-failed')).toBeNull();
      expect((await store.listRuns({ tenant: 'purge' })).map((r) => r.id).sort()).toEqual([
        'p-touched',
        'p-waiting',
      ]);
      expect(await store.claimStep('p-key-done', 'p-new', T0)).toBeNull();
      expect(await store.claimStep('p-key-waiting', 'p-new', T0)).toBe('p-waiting');
      expect((await store.listAgentCommands('purge', 'ws09')).map((c) => c.id)).toEqual([
        'p-cmd-later',
        'p-cmd-new',
      ]);
      expect(await store.getBlockEntry('purge', 'domain', 'removed.example')).toBeNull();
      expect(await store.getBlockEntry('purge', 'domain', 'expired.example')).toBeNull();
      expect((await store.listBlockEntries('purge', 'domain', T0)).map((e) => e.value)).toEqual([
        'active.example',
      ]);
      expect(await store.getBlockEntry('purge', 'domain', 'recently-removed.example')).toMatchObject({
        removed: true,
      });
      expect((await store.listAudit({ tenant: 'purge' })).map((a) => a.id)).toEqual(['p-audit-2']);
      // What the other tests wrote is newer than the cut-offs, and a second purge finds nothing.
      expect(await store.getRun('run-a')).not.toBeNull();
      expect(await store.purge(cut)).toEqual({
        runs: 0,
        stepKeys: 0,
        agentCommands: 0,
        blockEntries: 0,
        audit: 0,
      });
    });

    it('keeps settings', async () => {
      expect(await store.getSetting('k')).toBeNull();
      await store.setSetting('k', 'on', T0);
      await store.setSetting('k', 'off', T0 + 1);
      expect(await store.getSetting('k')).toBe('off');
    });
  });
}

responseStoreContract('memory', async () => new MemoryResponseStore());

const dir = mkdtempSync(join(tmpdir(), 'vigil-respond-store-'));
let chdb: ChdbStore | null = null;
afterAll(async () => {
  await chdb?.close();
  rmSync(dir, { recursive: true, force: true });
});
responseStoreContract('ClickHouse (embedded chDB)', async () => {
  chdb = new ChdbStore(dir);
  const store = new ClickHouseResponseStore(chdb);
  await store.migrate();
  // The DDL is idempotent: the server's migration may run it on every start.
  for (const ddl of RESPONSE_DDL) await chdb.exec(ddl);
  return store;
});
