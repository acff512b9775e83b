import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FieldValue } from '../normalize/flat-event.js';
import { ChdbStore } from './chdb.js';
import { EVENT_ROW_COLUMNS, eventRows, insertEvents, writeEventRow, type StoredEvent } from './rows.js';
import { RowBinaryBytes } from './row-binary.js';
import { migrate } from './schema.js';
import { readEventRows, type RowValue } from './testing.js';

const base: StoredEvent = {
  tenant: 't',
  eventId: 'e1',
  time: Date.UTC(2026, 10, 30, 10, 0, 0, 123),
  received: Date.UTC(2026, 10, 30, 10, 0, 1),
  source: 'flat',
  fields: new Map(),
  columns: {},
  raw: '{}',
  ruleIds: [],
};

const cells = (e: StoredEvent) => {
  const rows = readEventRows(eventRows([e]));
  expect(rows).toHaveLength(1);
  return rows[0]!;
};

describe('event rows (RowBinary)', () => {
  it('fills every column in order, with defaults for absent ones', () => {
    expect(cells(base)).toMatchObject({
      ts: base.time,
      received: base.received,
      tenant: 't',
      event_id: 'e1',
      source: 'flat',
      process_pid: 0,
      host: '',
      email_to: [],
      rule_ids: [],
      fields: [],
      raw: '{}',
    });
  });

  it('keeps any text as it is: tabs, newlines, quotes, backslashes and NULs', () => {
    const nasty = "a\tb\nc\r\\d\u0000e'f";
    const c = cells({
      ...base,
      tenant: nasty,
      raw: nasty,
      columns: { host: nasty, email_to: [nasty, "o'k"] },
      fields: new Map<string, string | number | null>([
        [nasty, nasty],
        ['_hidden', 'x'],
        ['Empty', null],
      ]),
      ruleIds: ["r'1"],
    });
    expect(c).toMatchObject({ tenant: nasty, raw: nasty, host: nasty, rule_ids: ["r'1"] });
    expect(c.email_to).toEqual([nasty, "o'k"]);
    expect(c.fields).toEqual([[nasty, nasty]]);
  });

  it('leaves numbers that do not fit their column at the default, as ClickHouse would wrap them', () => {
    expect(
      cells({
        ...base,
        columns: {
          destination_port: 70000,
          source_port: 443,
          process_pid: -1,
          parent_pid: 1.5,
          record_id: '42',
        },
      }),
    ).toMatchObject({ destination_port: 0, source_port: 443, process_pid: 0, parent_pid: 0, record_id: 42 });
  });

  it('takes the receive time when the event time is missing or absurd, and whole milliseconds', () => {
    expect(cells({ ...base, time: null }).ts).toBe(base.received);
    expect(cells({ ...base, time: 8e15 }).ts).toBe(base.received);
    expect(cells({ ...base, time: Date.UTC(1969, 11, 31, 23, 59, 59, 998) + 0.5 }).ts).toBe(-1);
    expect(cells({ ...base, time: 1_000.9 }).ts).toBe(1_000);
  });

  it('caps a huge field value at 32K characters, splitting no character into invalid bytes', () => {
    const huge = `${'x'.repeat(32 * 1024 - 1)}😀tail`;
    for (const v of [huge, ['a', huge], ['b'.repeat(32 * 1024), 'c']]) {
      const e = { ...base, fields: new Map<string, FieldValue>([['F', v]]) };
      expect(cells(e).fields).toEqual(expected(e).fields);
    }
    expect((cells({ ...base, fields: new Map([['F', huge]]) }).fields as string[][])[0]![1]).toHaveLength(
      32 * 1024,
    );
  });

  it('holds whatever the event holds, as the plain reading of the event says', () => {
    const piece = fc.oneof(
      fc.string(),
      fc.constantFrom('\t', '\n', '\r', '\\', '\0', "'", 'é€😀', '\ud800', '\udc00'),
    );
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.array(piece, { maxLength: 40 }).map((p) => p.join('')),
    );
    const scalar = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
    const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 4 }));
    fc.assert(
      fc.property(fc.array(storedEvent(text, value), { minLength: 1, maxLength: 3 }), (events) => {
        const out = new RowBinaryBytes();
        for (const e of events) writeEventRow(e, out);
        expect(readEventRows(out.bytes())).toEqual(events.map(expected));
      }),
      { numRuns: 500 },
    );
  });

  it('is read by ClickHouse as written, hostile text and all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rows-'));
    const store = new ChdbStore(join(dir, 'store'));
    try {
      await migrate(store, { retentionDays: 0 });
      const texts = ['plain', "a\tb\nc\r\\d\u0000e'f", 'é€😀', '\ud800 lone', 'x'.repeat(5000), ''];
      const events = texts.map((t, i): StoredEvent => ({
        ...base,
        eventId: `e${i}`,
        raw: t,
        columns: { host: t, process_command_line: t, process_pid: 4000 + i, email_to: [t, 'b'] },
        fields: new Map<string, FieldValue>([
          ['Text', t],
          ['List', [t, 1, null]],
        ]),
        ruleIds: i % 2 === 0 ? [] : ['r1', t],
      }));
      await insertEvents(store, [eventRows(events.slice(0, 3)), eventRows(events.slice(3))], 'rows-test');
      const back = await store.query<Record<string, unknown>>(
        `SELECT event_id, toString(toUnixTimestamp64Milli(ts)) AS ts, host, process_command_line, process_pid,
                email_to, rule_ids, fields['Text'] AS text, fields['List'] AS list, raw
         FROM events ORDER BY event_id`,
      );
      expect(back).toEqual(
        events.map((e) => {
          const x = expected(e);
          const f = new Map(x.fields as [string, string][]);
          return {
            event_id: x.event_id,
            ts: String(x.ts),
            host: x.host,
            process_command_line: x.process_command_line,
            process_pid: x.process_pid,
            email_to: x.email_to,
            rule_ids: x.rule_ids,
            text: f.get('Text'),
            list: f.get('List'),
            raw: x.raw,
          };
        }),
      );
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

function storedEvent(text: fc.Arbitrary<string>, value: fc.Arbitrary<FieldValue>): fc.Arbitrary<StoredEvent> {
  return fc.record({
    tenant: text,
    eventId: text,
    time: fc.oneof(fc.constant(null), fc.integer({ min: -1e15, max: 1e16 }), fc.double()),
    received: fc.integer({ min: 0, max: 4e12 }),
    source: fc.oneof(fc.constant(null), text),
    fields: fc.array(fc.tuple(text, value), { maxLength: 8 }).map((kv) => new Map<string, FieldValue>(kv)),
    columns: fc.dictionary(
      fc.oneof(fc.constantFrom(...EVENT_ROW_COLUMNS), text),
      fc.oneof(
        value,
        fc.constant(undefined),
        fc.integer({ min: -1, max: 2 ** 54 }),
        fc.stringMatching(/^\d{1,18}$/),
      ),
    ),
    raw: text,
    ruleIds: fc.array(text, { maxLength: 3 }),
  }) as fc.Arbitrary<StoredEvent>;
}

// What each cell should hold, worked out the plain way. Text is as Buffer.from reads it back
// (a lone surrogate is U+FFFD).
const MAX_FIELD_TEXT = 32 * 1024;
const utf8 = (s: string) => Buffer.from(s).toString();
const one = (x: unknown) => (x === null ? '' : typeof x === 'string' ? x : String(x));
const INT_MAX: Record<string, number> = {
  record_id: Number.MAX_SAFE_INTEGER,
  source_port: 0xffff,
  destination_port: 0xffff,
  process_pid: 0xffffffff,
  parent_pid: 0xffffffff,
};

function expected(e: StoredEvent): Record<string, RowValue> {
  const c = e.columns as Record<string, unknown>;
  const row: Record<string, RowValue> = {};
  for (const name of EVENT_ROW_COLUMNS) {
    const v = Object.hasOwn(c, name) ? c[name] : undefined;
    const max = INT_MAX[name];
    if (max !== undefined) {
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : NaN;
      row[name] = Number.isInteger(n) && n >= 0 && n <= max ? n : 0;
    } else if (name === 'email_to')
      row[name] =
        v === undefined || v === null ? [] : (Array.isArray(v) ? v : [v]).map((x) => utf8(String(x ?? '')));
    else row[name] = v === undefined || v === null ? '' : utf8(one(v));
  }
  const valid =
    e.time !== null &&
    Number.isFinite(e.time) &&
    e.time >= Date.UTC(1900, 0, 1) &&
    e.time <= Date.UTC(2299, 11, 31);
  row.ts = new Date(valid ? e.time! : e.received).getTime();
  row.received = e.received;
  row.tenant = utf8(e.tenant);
  row.event_id = utf8(e.eventId);
  row.source = utf8(e.source ?? '');
  row.rule_ids = e.ruleIds.map(utf8);
  const pairs: [string, string][] = [];
  for (const [k, v] of e.fields) {
    if (v === null || k.startsWith('_')) continue;
    if (pairs.length >= 512) break;
    const t = Array.isArray(v) ? v.map(one).join('\n') : one(v);
    pairs.push([utf8(k), utf8(t.slice(0, MAX_FIELD_TEXT))]);
  }
  row.fields = pairs;
  row.raw = utf8(e.raw);
  return row;
}
