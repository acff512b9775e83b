import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../ingest/types.js';
import { decodeBatch, decodeBatchLines, encodeBatch, makeBatch } from './batch.js';

describe('ingest log records', () => {
  const records = [{ a: 1 }, { b: 'x\ny' }, JSON.parse('{"__proto__": {"c": 2}}')] as JsonObject[];

  it('decode to their lines, unparsed, or to their records', () => {
    const payload = encodeBatch(makeBatch('t1', 'k', 'http:ndjson', records, 5));
    const lines = decodeBatchLines(payload);
    expect(lines).toEqual({
      tenant: 't1',
      key: 'k',
      received: 5,
      via: 'http:ndjson',
      lines: ['{"a":1}', '{"b":"x\\ny"}', '{"__proto__":{"c":2}}'],
    });
    const parsed = decodeBatch(payload);
    expect(parsed.lines).toEqual(lines.lines);
    expect(parsed.records.map((r) => JSON.stringify(r))).toEqual(lines.lines);
    expect(({} as { c?: number }).c).toBeUndefined();
  });

  it('are the same whether built from the lines or from the bytes they came in', () => {
    const lines = ['{"a":"é"}', '{"b":2}'];
    const parsed = lines.map((l) => JSON.parse(l) as JsonObject);
    const fromText = encodeBatch(makeBatch('t', 'k', 'x', parsed, 7, lines));
    const fromBytes = encodeBatch(makeBatch('t', 'k', 'x', parsed, 7, lines, Buffer.from(lines.join('\n'))));
    expect(fromBytes.equals(fromText)).toBe(true);
    // Bytes without the matching lines are ignored.
    const unmatched = encodeBatch(makeBatch('t', 'k', 'x', parsed, 7, undefined, Buffer.from('junk')));
    expect(decodeBatchLines(unmatched).lines).toEqual(lines);
  });

  it('decode each line as the whole text would, broken UTF-8 included', () => {
    const parts = [
      Buffer.from('{"a":"é"}'),
      Buffer.from([0x7b, 0xe2, 0x82]), // a sequence cut by the newline
      Buffer.from([0xff, 0xc3, 0xa9, 0x7d]),
      Buffer.from(''),
      Buffer.from('😀'),
    ];
    const header = Buffer.from(
      JSON.stringify({ v: 1, tenant: 't', key: null, received: 1, via: 'x', count: 5 }),
    );
    const payload = Buffer.concat([header, ...parts.flatMap((p) => [Buffer.from('\n'), p])]);
    const whole = payload.toString('utf8').split('\n').slice(1);
    expect(decodeBatchLines(payload).lines).toEqual(whole);
    const more = Buffer.concat([payload, Buffer.from('\n{}\n{}')]);
    expect(() => decodeBatchLines(more)).toThrow(/holds more than the 5 records its header counts/);
  });

  it('refuse a record whose line count or version is wrong', () => {
    const payload = encodeBatch(makeBatch('t1', null, 'x', records, 5));
    const cut = payload.subarray(0, payload.lastIndexOf(10));
    expect(() => decodeBatchLines(cut)).toThrow(/holds 2 of 3 records/);
    expect(() => decodeBatchLines(Buffer.from('{"v":2}\n{}'))).toThrow(/version 2/);
    expect(decodeBatchLines(encodeBatch(makeBatch('t', null, 'x', [], 1))).lines).toEqual([]);
  });

  it('leave bad JSON in a line to whoever parses it', () => {
    const payload = Buffer.from(
      '{"v":1,"tenant":"t","key":null,"received":1,"via":"x","count":1}\n{not json',
    );
    expect(decodeBatchLines(payload).lines).toEqual(['{not json']);
    expect(() => decodeBatch(payload)).toThrow(SyntaxError);
  });
});
