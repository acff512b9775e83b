import { describe, expect, it } from 'vitest';
import { EVENT_ROW_COLUMNS, eventRow, tsvText, type StoredEvent } from './rows.js';

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
    expect(tsvText('plain text, "quoted" and \'single\'')).toBe('plain text, "quoted" and \'single\'');
    expect(tsvText('C:\\Windows')).toBe('C:\\\\Windows');
  });
});
