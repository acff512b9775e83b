import { describe, expect, it } from 'vitest';
import { decodeRows, encodeRows } from './rows.js';

describe('rows messages', () => {
  const rows = {
    id: 'abc-1f',
    eventCount: 2,
    events: Buffer.from([1, 0x74, 2, 0x0a, 0x09, 0]),
    alerts: ['{"alert_id":"1"}'],
    incidents: [{ tenant: 't', facts: { sightings: ['h\u001fuser:x'], lineage: [] }, alerts: [] }],
  };

  it('round-trips', () => {
    const back = decodeRows(encodeRows(rows));
    expect({ ...back, events: Buffer.from(back.events).toString() }).toEqual({
      ...rows,
      events: rows.events.toString(),
    });
  });

  it('marks the events of a message from an older Vigil with their format: JSONEachRow (v1), TabSeparated (v2)', () => {
    const old = (v: number, events: string) =>
      Buffer.concat([
        Buffer.from(JSON.stringify({ v, id: 'old-1', eventCount: 1, alerts: [], incidents: [] }) + '\n'),
        Buffer.from(events),
      ]);
    expect(decodeRows(old(1, '{"event_id":"old-1-0"}\n')).legacyFormat).toBe('JSONEachRow');
    expect(decodeRows(old(2, 't\told-1-0\n')).legacyFormat).toBe('TabSeparated');
    expect(decodeRows(encodeRows(rows)).legacyFormat).toBeUndefined();
  });

  it('refuses broken and hostile messages with a clear error', () => {
    expect(() => decodeRows(Buffer.from('no header'))).toThrow(/header line/);
    expect(() => decodeRows(Buffer.from('{"v":4}\n'))).toThrow(/version/);
    expect(() => decodeRows(Buffer.from('{"v":1,"id":""}\n'))).toThrow(/id/);
    expect(() => decodeRows(Buffer.from('{"v":1,"id":"x","eventCount":"2"}\n'))).toThrow(/incomplete/);
    expect(() => decodeRows(Buffer.from('{"v":1,\n'))).toThrow();
    expect(() => decodeRows(new Uint8Array())).toThrow(/header line/);
  });
});
