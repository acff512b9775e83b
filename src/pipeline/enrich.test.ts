import { describe, expect, it } from 'vitest';
import { Detector } from '../detect/hunt/detector.js';
import { ColumnMapper, Mappings } from '../normalize/index.js';
import { BatchEnricher } from './enrich.js';

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
  it('are one newline-terminated row per event, and a failed batch leaves none behind', () => {
    const ok = enricher.enrich({ tenant: 't', received: 1, via: 'x', lines: [event(1), event(2)] }, at, 2);
    const text = Buffer.from(ok.events).toString();
    expect(ok.eventCount).toBe(2);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.split('\n')).toHaveLength(3);
    expect(() =>
      enricher.enrich({ tenant: 't', received: 1, via: 'x', lines: [event(3), '{broken'] }, at, 2),
    ).toThrow(SyntaxError);
    const next = enricher.enrich({ tenant: 't', received: 1, via: 'x', lines: [event(4)] }, at, 2);
    expect(Buffer.from(next.events).toString().split('\n')).toHaveLength(2);
    // the first batch's bytes were handed over: later batches do not write into them
    expect(Buffer.from(ok.events).toString()).toBe(text);
  });

  it('gives an empty batch no bytes', () => {
    const empty = enricher.enrich({ tenant: 't', received: 1, via: 'x', lines: [] }, at, 2);
    expect(empty.events.byteLength).toBe(0);
    expect(empty.analytic).toEqual([]);
  });
});
