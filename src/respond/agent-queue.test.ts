import { describe, expect, it } from 'vitest';
import { AgentCommandError, AgentCommandQueue } from './agent-queue.js';
import { MemoryResponseStore } from './memory-store.js';

describe('agent command queue', () => {
  it('delivers to the host that polls, redelivers what was not acked, and takes one ack', async () => {
    let now = 1_000_000;
    const q = new AgentCommandQueue(new MemoryResponseStore(), () => now, { redeliverMs: 60_000 });
    const isolate = await q.enqueue({
      tenant: 't',
      host: 'WS01',
      command: 'isolate',
      args: {},
      runId: 'run-1',
      ttlMs: 3_600_000,
    });
    await q.enqueue({
      tenant: 't',
      host: 'ws02',
      command: 'kill_process',
      args: { process: '4242' },
      runId: 'run-1',
      ttlMs: 3_600_000,
    });
    await q.enqueue({
      tenant: 'other',
      host: 'ws01',
      command: 'isolate',
      args: {},
      runId: 'run-2',
      ttlMs: 3_600_000,
    });
    const first = await q.poll('t', 'ws01');
    expect(first.map((c) => [c.id, c.command, c.state, c.deliveries])).toEqual([
      [isolate.id, 'isolate', 'delivered', 1],
    ]);
    expect(await q.poll('t', 'ws01')).toEqual([]);
    now += 61_000;
    expect((await q.poll('t', 'WS01')).map((c) => c.deliveries)).toEqual([2]);
    const done = await q.ack('t', 'ws01', isolate.id, { ok: true, output: 'isolated' });
    expect(done).toMatchObject({ state: 'done', result: { ok: true, output: 'isolated' } });
    expect(await q.ack('t', 'ws01', isolate.id, { ok: true })).toMatchObject({ state: 'done' });
    await expect(q.ack('t', 'ws01', isolate.id, { ok: false })).rejects.toThrow(AgentCommandError);
    await expect(q.ack('t', 'ws02', isolate.id, { ok: true })).rejects.toThrow(/no command/);
    now += 61_000;
    expect(await q.poll('t', 'ws01')).toEqual([]);
  });

  it('expires commands no agent picked up in time, and cancels undelivered ones', async () => {
    let now = 0;
    const q = new AgentCommandQueue(new MemoryResponseStore(), () => now);
    const a = await q.enqueue({
      tenant: 't',
      host: 'h',
      command: 'isolate',
      args: {},
      runId: 'r',
      ttlMs: 60_000,
    });
    const b = await q.enqueue({
      tenant: 't',
      host: 'h',
      command: 'unisolate',
      args: {},
      runId: 'r',
      ttlMs: 600_000,
    });
    expect(await q.cancel('t', b.id)).toBe(true);
    now = 60_000;
    expect(await q.poll('t', 'h')).toEqual([]);
    expect((await q.get('t', a.id))?.state).toBe('expired');
    expect((await q.get('t', b.id))?.state).toBe('cancelled');
    await expect(q.ack('t', 'h', a.id, { ok: true })).rejects.toThrow(/expired/);
    expect(await q.cancel('t', a.id)).toBe(false);
  });
});
