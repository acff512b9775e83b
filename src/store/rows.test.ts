import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FieldValue } from '../normalize/flat-event.js';
import { EVENT_ROW_COLUMNS, eventRow, writeEventRow, type StoredEvent } from './rows.js';
import { tsvQuoted, tsvText } from './testing.js';
import { TsvBytes } from './tsv-writer.js';

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

const cells = (line: string) => {
  const parts = line.split('\t');
  return Object.fromEntries(EVENT_ROW_COLUMNS.map((c, i) => [c, parts[i]]));
};

describe('event rows (TabSeparated)', () => {
  it('fills every column in order, with defaults for absent ones', () => {
    const line = eventRow(base);
    expect(line.split('\t')).toHaveLength(EVENT_ROW_COLUMNS.length);
    expect(cells(line)).toMatchObject({
      ts: '2026-11-30 10:00:00.123',
      received: '2026-11-30 10:00:01.000',
      tenant: 't',
      event_id: 'e1',
      process_pid: '0',
      host: '',
      email_to: '[]',
      rule_ids: '[]',
      fields: '{}',
      raw: '{}',
    });
  });

  it('never lets a value break the row: tabs, newlines and backslashes are escaped', () => {
    const nasty = 'a\tb\nc\r\\d\u0000e';
    const line = eventRow({
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
    for (const c of ['\n', '\r', '\u0000']) expect(line).not.toContain(c);
    expect(line.split('\t')).toHaveLength(EVENT_ROW_COLUMNS.length);
    const c = cells(line);
    expect(c.tenant).toBe('a\\tb\\nc\\r\\\\d\\0e');
    expect(c.raw).toBe(c.tenant);
    // Inside arrays and maps, strings are quoted and escaped once.
    expect(c.email_to).toBe("['a\\tb\\nc\\r\\\\d\\0e','o\\'k']");
    expect(c.fields).toBe("{'a\\tb\\nc\\r\\\\d\\0e':'a\\tb\\nc\\r\\\\d\\0e'}");
    expect(c.rule_ids).toBe("['r\\'1']");
  });

  it('leaves numbers that do not fit their column at the default, as ClickHouse would wrap them', () => {
    const c = cells(
      eventRow({
        ...base,
        columns: {
          destination_port: 70000,
          source_port: 443,
          process_pid: -1,
          parent_pid: 1.5,
          record_id: '42',
        },
      }),
    );
    expect(c).toMatchObject({
      destination_port: '0',
      source_port: '443',
      process_pid: '0',
      parent_pid: '0',
      record_id: '42',
    });
  });

  it('takes the receive time when the event time is missing or absurd', () => {
    expect(cells(eventRow({ ...base, time: null })).ts).toBe('2026-11-30 10:00:01.000');
    expect(cells(eventRow({ ...base, time: 8e15 })).ts).toBe('2026-11-30 10:00:01.000');
  });

  it('escapes only what needs it', () => {
    const text = 'plain text, "quoted" and \'single\'';
    expect(cells(eventRow({ ...base, raw: text })).raw).toBe(text);
    expect(cells(eventRow({ ...base, raw: 'C:\\Windows' })).raw).toBe('C:\\\\Windows');
  });

  it('writes the bytes the string-built rows had, whatever the event holds', () => {
    // Long texts too: past a few dozen characters the writer takes another path.
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
    const event = fc.record({
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
    });
    fc.assert(
      fc.property(event, (e) => {
        const bytes = new TsvBytes();
        writeEventRow(e as StoredEvent, bytes);
        expect(Buffer.from(bytes.bytes())).toEqual(Buffer.from(`${stringRow(e as StoredEvent)}\n`));
      }),
      { numRuns: 500 },
    );
  });

  it('writes times on both sides of midnight and of 1970 as Date does', () => {
    for (const time of [
      Date.UTC(1969, 11, 31, 23, 59, 59, 999),
      Date.UTC(1970, 0, 1),
      -0.5,
      Date.UTC(1900, 0, 1),
      Date.UTC(2299, 11, 30, 23, 59, 59, 999),
      Date.UTC(2026, 11, 1, 23, 59, 59, 999) + 0.9,
      Date.UTC(2026, 11, 2),
    ])
      expect(cells(eventRow({ ...base, time })).ts).toBe(
        new Date(time).toISOString().slice(0, 23).replace('T', ' '),
      );
  });

  it('caps a huge field value at 32K characters, splitting no character into invalid bytes', () => {
    const huge = `${'x'.repeat(32 * 1024 - 1)}😀tail`;
    for (const v of [huge, ['a', huge], ['b'.repeat(32 * 1024), 'c']]) {
      const e = { ...base, fields: new Map<string, FieldValue>([['F', v]]) };
      const bytes = new TsvBytes();
      writeEventRow(e, bytes);
      expect(Buffer.from(bytes.bytes())).toEqual(Buffer.from(`${stringRow(e)}\n`));
    }
  });
});

// The encoder this replaced, which built each row as a string: the byte writer must agree with it.
const MAX_FIELD_TEXT = 32 * 1024;
const one = (x: unknown) => (x === null ? '' : typeof x === 'string' ? x : String(x));
const strings = (v: unknown) =>
  v === undefined || v === null
    ? '[]'
    : `[${(Array.isArray(v) ? v : [v]).map((x) => tsvQuoted(String(x ?? ''))).join(',')}]`;
const INT_MAX: Record<string, number> = {
  record_id: Number.MAX_SAFE_INTEGER,
  source_port: 0xffff,
  destination_port: 0xffff,
};
const int = (name: string, v: unknown) => {
  const max = INT_MAX[name] ?? 0xffffffff;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,16}$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 && n <= max ? String(n) : '0';
};
const time = (ms: number) => {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
};

function stringRow(e: StoredEvent): string {
  const ints = new Set(['record_id', 'process_pid', 'parent_pid', 'source_port', 'destination_port']);
  const lists = new Set(['email_to', 'rule_ids']);
  const c = e.columns as Record<string, unknown>;
  const row = EVENT_ROW_COLUMNS.map((name) => {
    const v = Object.hasOwn(c, name) ? c[name] : undefined;
    if (ints.has(name)) return int(name, v);
    if (lists.has(name)) return strings(v);
    return v === undefined || v === null ? '' : tsvText(one(v));
  });
  const valid =
    e.time !== null &&
    Number.isFinite(e.time) &&
    e.time >= Date.UTC(1900, 0, 1) &&
    e.time <= Date.UTC(2299, 11, 31);
  const set = (name: string, cell: string) => (row[EVENT_ROW_COLUMNS.indexOf(name as never)] = cell);
  set('ts', time(valid ? e.time! : e.received));
  set('received', time(e.received));
  set('tenant', tsvText(e.tenant));
  set('event_id', tsvText(e.eventId));
  set('source', tsvText(e.source ?? ''));
  set('rule_ids', strings(e.ruleIds));
  const pairs: string[] = [];
  for (const [k, v] of e.fields) {
    if (v === null || k.startsWith('_')) continue;
    if (pairs.length >= 512) break;
    const t = Array.isArray(v) ? v.map(one).join('\n') : one(v);
    pairs.push(`${tsvQuoted(k)}:${tsvQuoted(t.slice(0, MAX_FIELD_TEXT))}`);
  }
  set('fields', `{${pairs.join(',')}}`);
  set('raw', tsvText(e.raw));
  return row.join('\t');
}
