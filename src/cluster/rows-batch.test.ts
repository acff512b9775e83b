import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChdbStore } from '../store/chdb.js';
import { alertRow, EVENT_COLUMNS, EVENT_ROW_COLUMNS, eventRows, migrate } from '../store/index.js';
import { storeRowsBatch, type PreparedRows } from './rows.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-rows-batch-'));
let store: ChdbStore;
const T = Date.parse('2026-11-30T10:00:00Z');

beforeAll(async () => {
  store = new ChdbStore(join(dir, 'store'));
  await migrate(store, { retentionDays: 0 });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Message `seq` of the stream: 10 events, and an alert on its 4th event. */
function message(seq: number): PreparedRows {
  const id = `ep-${seq.toString(36)}`;
  const events = Array.from({ length: 10 }, (_, i) => ({
    tenant: 'acme',
    eventId: `${id}-${i.toString(36)}`,
    time: T + seq * 1000 + i,
    received: T,
    source: 'test',
    fields: new Map(),
    columns: { host: `h${seq % 3}` },
    raw: '{}',
    ruleIds: [],
  }));
  const alert = alertRow({
    tenant: 'acme',
    alertId: `${id}-3/rule-1`,
    kind: 'detection',
    time: T + seq * 1000 + 3,
    created: Date.now(),
    ruleId: 'rule-1',
    ruleTitle: 'Rule 1',
    level: 'high',
    tags: [],
    eventId: `${id}-3`,
    eventIds: [`${id}-3`],
    groupKey: '',
    columns: {},
    fields: {},
  });
  return {
    id,
    eventCount: 10,
    events: eventRows(events),
    alerts: [alert],
    incidents: [],
  };
}

const counts = async () => {
  const [e] = await store.query<{ n: string; u: string }>(
    'SELECT count() AS n, uniqExact(event_id) AS u FROM events',
  );
  const [a] = await store.query<{ n: string; u: string }>(
    'SELECT count() AS n, uniqExact(alert_id) AS u FROM alerts',
  );
  return { events: Number(e!.n), eventIds: Number(e!.u), alerts: Number(a!.n), alertIds: Number(a!.u) };
};

describe('storeRowsBatch', () => {
  it('stores a batch in one go and leaves out what a redelivery brings again, whatever the batch', async () => {
    expect(await storeRowsBatch(store, [1, 2, 3].map(message))).toBe(0);
    expect(await counts()).toEqual({ events: 30, eventIds: 30, alerts: 3, alertIds: 3 });
    // After a crash between insert and ack, 2 and 3 come again, now batched with 4 and 5.
    expect(await storeRowsBatch(store, [2, 3, 4, 5].map(message))).toBe(2);
    expect(await counts()).toEqual({ events: 50, eventIds: 50, alerts: 5, alertIds: 5 });
    // The same batch once more: nothing new.
    expect(await storeRowsBatch(store, [4, 5].map(message))).toBe(2);
    expect(await counts()).toEqual({ events: 50, eventIds: 50, alerts: 5, alertIds: 5 });
  });

  it('stores the alerts of a message whose events were lost between the two inserts', async () => {
    const m = message(9);
    // A crash after the alerts insert, before the events insert.
    await store.insert('alerts', Buffer.from(m.alerts.join('\n')));
    const before = await counts();
    expect(await storeRowsBatch(store, [m])).toBe(0);
    const after = await counts();
    expect(after.events - before.events).toBe(10);
    expect(after.alerts - before.alerts).toBe(0);
  });

  it('takes messages with no events (incident inputs only) and an empty batch', async () => {
    const before = await counts();
    const inputsOnly = { ...message(20), eventCount: 0, events: new Uint8Array(0), alerts: [] };
    expect(await storeRowsBatch(store, [inputsOnly])).toBe(0);
    expect(await storeRowsBatch(store, [])).toBe(0);
    expect(await counts()).toEqual(before);
  });

  it('stores the TabSeparated events an older Vigil left on the stream, beside current ones', async () => {
    const cell = (column: string, type: string) =>
      column === 'event_id'
        ? 'old-2-0'
        : column === 'tenant'
          ? 'acme'
          : type.startsWith('DateTime64')
            ? '2026-11-30 10:00:00.000'
            : type.startsWith('UInt')
              ? '0'
              : type.startsWith('Array')
                ? '[]'
                : type.startsWith('Map')
                  ? "{'Image':'C:\\\\x.exe'}"
                  : '';
    const tsv = EVENT_ROW_COLUMNS.map((c) => cell(c, EVENT_COLUMNS[c])).join('\t') + '\n';
    const legacy: PreparedRows = {
      id: 'old-2',
      eventCount: 1,
      events: Buffer.from(tsv),
      legacyFormat: 'TabSeparated',
      alerts: [],
      incidents: [],
    };
    const before = await counts();
    expect(await storeRowsBatch(store, [legacy, message(30)])).toBe(0);
    expect((await counts()).events - before.events).toBe(11);
    const [row] = await store.query<{ image: string }>(
      "SELECT fields['Image'] AS image FROM events WHERE event_id = 'old-2-0'",
    );
    expect(row?.image).toBe('C:\\x.exe');
  });
});
