import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partitionOf } from '../bus/jetstream.js';
import { ChdbStore } from '../store/chdb.js';
import { eventRows, insertEvents, migrate, type StoredEvent } from '../store/index.js';
import { readHistory, storeHistory, type HistoryEvent } from './history.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-history-'));
let store: ChdbStore;
const NOW = Date.now();
const PARTITIONS = 4;
const HOSTS = Array.from({ length: 16 }, (_, i) => `WS${String(i).padStart(2, '0')}.corp`);

/** 16 hosts × 30 events, one a minute back from now, in two tenants; one host also in mixed case. */
beforeAll(async () => {
  store = new ChdbStore(join(dir, 'store'));
  await migrate(store, { retentionDays: 0 });
  const rows: StoredEvent[] = [];
  HOSTS.forEach((host, h) => {
    for (let i = 0; i < 30; i++) {
      const tenant = h % 2 === 0 ? 'acme' : 'globex';
      rows.push({
        tenant,
        eventId: `e-${h}-${i}`,
        time: NOW - (30 - i) * 60_000,
        received: NOW,
        source: 'test',
        fields: new Map(),
        columns: { host: i === 7 ? host.toUpperCase() : host },
        raw: JSON.stringify({ host, i, text: 'x'.repeat(200) }),
        ruleIds: [],
      });
    }
  });
  // A log file uploaded now whose events are two years old.
  for (let i = 0; i < 5; i++)
    rows.push({
      tenant: 'late',
      eventId: `late-${i}`,
      time: NOW - 730 * 86_400_000 + i * 60_000,
      received: NOW,
      source: 'test',
      fields: new Map(),
      columns: { host: 'OLD-1' },
      raw: JSON.stringify({ host: 'OLD-1', i }),
      ruleIds: [],
    });
  await insertEvents(store, eventRows(rows));
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function all(
  source: ReturnType<typeof storeHistory>,
  partition: number,
  windowMs: number,
  limit: number,
  receivedSince = NOW - 3_600_000,
) {
  const out: HistoryEvent[] = [];
  const request = { partition, partitions: PARTITIONS, receivedSince, windowMs, limit };
  for await (const page of readHistory(source, request, 37)) out.push(...page);
  return out;
}

describe('partitionOf', () => {
  it('is FNV-1a over the tenant and host-key tokens, case-insensitive in the host, and spreads hosts', () => {
    expect(partitionOf('acme', 'WS01.corp', 6)).toBe(partitionOf('acme', 'ws01.CORP', 6));
    const seen = new Set(HOSTS.map((h) => partitionOf('acme', h, PARTITIONS)));
    expect(seen.size).toBeGreaterThan(1);
    for (const h of HOSTS) expect(partitionOf('acme', h, 1)).toBe(0);
  });
});

describe('storeHistory', () => {
  it('replays exactly the partition’s hosts, in time order, every event once, across pages', async () => {
    const source = storeHistory(store);
    let total = 0;
    for (let p = 0; p < PARTITIONS; p++) {
      const events = await all(source, p, 3_600_000, 1_000_000);
      total += events.length;
      const ids = events.map((e) => e.eventId);
      expect(new Set(ids).size).toBe(ids.length);
      for (const e of events) {
        const host = (JSON.parse(e.raw) as { host: string }).host;
        expect(partitionOf(e.tenant, host, PARTITIONS)).toBe(p);
      }
      const minutes = events.map((e) => Number(e.eventId.split('-')[2]));
      const perHost = new Map<string, number>();
      for (const [i, e] of events.entries()) {
        if (e.tenant === 'late') continue;
        const host = e.eventId.split('-')[1]!;
        expect(minutes[i]).toBeGreaterThanOrEqual(perHost.get(host) ?? -1);
        perHost.set(host, minutes[i]!);
      }
    }
    expect(total).toBe(HOSTS.length * 30 + 5);
  });

  it('keeps to the window and, past the limit, to the most recent events', async () => {
    const source = storeHistory(store);
    const p = partitionOf('acme', HOSTS[0]!, PARTITIONS);
    const hostsHere = HOSTS.filter(
      (h, i) => partitionOf(i % 2 === 0 ? 'acme' : 'globex', h, PARTITIONS) === p,
    );
    // Event time: the newest event is a minute old, so a 9.5-minute window holds the last 10.
    const recent = await all(source, p, 9.5 * 60_000, 1_000_000);
    expect(recent).toHaveLength(hostsHere.length * 10);
    const capped = await all(source, p, 3_600_000, 25);
    expect(capped.length).toBeGreaterThanOrEqual(25);
    expect(capped.length).toBeLessThan(25 + hostsHere.length);
    const newest = Math.max(...capped.map((e) => Number(e.eventId.split('-')[2])));
    expect(newest).toBe(29);
  });

  it('measures the window from the newest event time, so a late upload is replayed too', async () => {
    const events = await all(storeHistory(store), partitionOf('late', 'OLD-1', PARTITIONS), 10 * 60_000, 1e6);
    expect(events.filter((e) => e.tenant === 'late').map((e) => e.eventId)).toEqual([
      'late-0',
      'late-1',
      'late-2',
      'late-3',
      'late-4',
    ]);
  });

  it('answers an empty plan when nothing was received since the given time', async () => {
    const source = storeHistory(store);
    const request = {
      partition: 0,
      partitions: PARTITIONS,
      receivedSince: NOW + 60_000,
      windowMs: 1e9,
      limit: 10,
    };
    expect((await source.plan(request)).hosts).toEqual([]);
    expect(await all(source, 0, 1e9, 10, NOW + 60_000)).toEqual([]);
  });

  it('cuts a page at its byte budget but always makes progress', async () => {
    const source = storeHistory(store);
    const p = partitionOf('acme', HOSTS[0]!, PARTITIONS);
    const plan = await source.plan({
      partition: p,
      partitions: PARTITIONS,
      receivedSince: NOW - 3_600_000,
      windowMs: 3_600_000,
      limit: 1e6,
    });
    const page = await source.page({ ...plan, after: null, rows: 100, maxBytes: 1 });
    expect(page.events).toHaveLength(1);
    expect(page.next).not.toBeNull();
  });
});
