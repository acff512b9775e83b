import { describe, expect, it } from 'vitest';
import { Detector } from '../detect/hunt/detector.js';
import { ColumnMapper, Mappings } from '../normalize/index.js';
import { readEventRows } from '../store/testing.js';
import { BatchEnricher } from './enrich.js';

/** The event ids of the rows in the bytes, which must hold whole rows and nothing else. */
const eventIds = (bytes: Uint8Array) => readEventRows(bytes).map((r) => r.event_id);

const mappings = Mappings.load();
const enricher = new BatchEnricher(new Detector([], mappings), mappings, ColumnMapper.load());
const at = { segment: 1, offset: 0 };
const event = (n: number) =>
  JSON.stringify({
    Channel: 'Security',
    EventID: 4624,
    Hostname: 'DC01',
    EventTime: '2026-11-20 10:00:00',
    n,
  });

describe('BatchEnricher rows', () => {
  it('are one row per event, and a failed batch leaves none behind', () => {
    const ok = enricher.enrich({ tenant: 't', received: 1, via: 'x', lines: [event(1), event(2)] }, at, 2);
    const bytes = Buffer.from(ok.events);
    expect(ok.eventCount).toBe(2);
    expect(eventIds(ok.events)).toEqual(['1-0-0', '1-0-1']);
    expect(() =>
      enricher.enrich({ tenant: 't', received: 1, via: 'x', lines: [event(3), '{broken'] }, at, 2),
    ).toThrow(SyntaxError);
    const next = enricher.enrich({ tenant: 't', received: 1, via: 'x', lines: [event(4)] }, at, 2);
    expect(eventIds(next.events)).toEqual(['1-0-0']);
    // the first batch's bytes were handed over: later batches do not write into them
    expect(Buffer.from(ok.events)).toEqual(bytes);
  });

  it('gives an empty batch no bytes', () => {
    const empty = enricher.enrich({ tenant: 't', received: 1, via: 'x', lines: [] }, at, 2);
    expect(empty.events.byteLength).toBe(0);
    expect(empty.analytic).toEqual([]);
  });
});
