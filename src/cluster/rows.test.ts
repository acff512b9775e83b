import { describe, expect, it } from 'vitest';
import { decodeRows, encodeRows } from './rows.js';

describe('rows messages', () => {
  const rows = {
    id: 'abc-1f',
    eventCount: 2,
    events: Buffer.from('t\tx\\ny\n'),
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

  it('marks the JSONEachRow events of a message from an older Vigil (v1)', () => {
    const v1 = Buffer.concat([
      Buffer.from(JSON.stringify({ v: 1, id: 'old-1', eventCount: 1, alerts: [], incidents: [] }) + '\n'),
      Buffer.from('{"event_id":"old-1-0"}\n'),
    ]);
    expect(decodeRows(v1).eventsAsJson).toBe(true);
    expect(decodeRows(encodeRows(rows)).eventsAsJson).toBeUndefined();
  });

  it('refuses broken and hostile messages with a clear error', () => {
    expect(() => decodeRows(Buffer.from('no header'))).toThrow(/header line/);
    expect(() => decodeRows(Buffer.from('{"v":3}\n'))).toThrow(/version/);
    expect(() => decodeRows(Buffer.from('{"v":1,"id":""}\n'))).toThrow(/id/);
    expect(() => decodeRows(Buffer.from('{"v":1,"id":"x","eventCount":"2"}\n'))).toThrow(/incomplete/);
    expect(() => decodeRows(Buffer.from('{"v":1,\n'))).toThrow();
    expect(() => decodeRows(new Uint8Array())).toThrow(/header line/);
  });
});
