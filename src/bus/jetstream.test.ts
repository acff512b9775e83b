import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../ingest/types.js';
import { makeBatch } from '../pipeline/batch.js';
import { hostKey, parseServers, partitionMapping, splitByHost, subjectToken } from './jetstream.js';

const hostOf = (r: Record<string, unknown>) => String((r.host as { name?: string } | undefined)?.name ?? '');

describe('subjects', () => {
  it('keeps safe tenant names and escapes everything that would break a subject', () => {
    expect(subjectToken('acme-eu_1')).toBe('acme-eu_1');
    expect(subjectToken('a.b')).toBe('a~2eb');
    expect(subjectToken('*>')).toBe('~2a~3e');
    expect(subjectToken('x y')).toBe('x~20y');
    expect(subjectToken('é')).toBe('~c3~a9');
    expect(subjectToken('')).toBe('~');
    for (const t of ['a.b', '*', '>', ' ', '\n', 'ü.*.>'])
      expect(subjectToken(t)).toMatch(/^[A-Za-z0-9_~-]+$/);
  });

  it('keys hosts case-insensitively', () => {
    expect(hostKey('WS-01')).toBe(hostKey('ws-01'));
    expect(hostKey('ws-01')).not.toBe(hostKey('ws-02'));
    expect(hostKey('x')).toMatch(/^[0-9a-f]{16}$/);
  });

  it('builds the mapping the servers need, and refuses absurd partition counts', () => {
    expect(partitionMapping(6)).toEqual([
      'vigil.events.in.*.*',
      'vigil.events.p.{{partition(6,1,2)}}.{{wildcard(1)}}.{{wildcard(2)}}',
    ]);
    for (const bad of [0, -1, 1.5, 5000, Number.NaN])
      expect(() => partitionMapping(bad)).toThrow(/partitions/);
  });

  it('parses server lists and rejects what is not a NATS URL', () => {
    expect(parseServers('127.0.0.1:4222, nats://b:4223')).toEqual(['nats://127.0.0.1:4222', 'nats://b:4223']);
    expect(() => parseServers(' , ')).toThrow(/no NATS server/);
    expect(() => parseServers('http://x:80')).toThrow(/not a NATS server URL/);
    expect(() => parseServers('nats://')).toThrow();
  });
});

describe('splitByHost', () => {
  const records: JsonObject[] = [
    { host: { name: 'a' }, n: 1 },
    { host: { name: 'b' }, n: 2 },
    { host: { name: 'A' }, n: 3 },
    { n: 4 },
  ];

  it('groups records by host in order, keeping each record text, one subject per host', () => {
    const batch = makeBatch('t.1', null, 'test', records, 1000);
    const parts = splitByHost(batch, hostOf);
    expect(parts).toHaveLength(3);
    expect(parts[0]!.batch.records.map((r) => r.n)).toEqual([1, 3]);
    expect(parts[0]!.batch.lines).toEqual([batch.lines[0], batch.lines[2]]);
    expect(parts[0]!.subject).toBe(`vigil.events.in.t~2e1.${hostKey('a')}`);
    expect(parts[2]!.subject).toBe(`vigil.events.in.t~2e1.${hostKey('')}`);
    expect(parts.every((p) => p.batch.tenant === 't.1' && p.batch.received === 1000)).toBe(true);
  });

  it('gives the same message ids to the same batch, and different ones to different batches', () => {
    const ids = (b: ReturnType<typeof makeBatch>) => splitByHost(b, hostOf).map((p) => p.msgId);
    const keyed = ids(makeBatch('t', 'k1', 'test', records, 1000));
    expect(ids(makeBatch('t', 'k1', 'test', records, 2000))).toEqual(keyed); // a client retry
    expect(ids(makeBatch('t', 'k2', 'test', records, 1000))).not.toEqual(keyed);
    expect(ids(makeBatch('u', 'k1', 'test', records, 1000))).not.toEqual(keyed);
    const plain = ids(makeBatch('t', null, 'test', records, 1000));
    expect(ids(makeBatch('t', null, 'test', records, 1000))).toEqual(plain);
    expect(ids(makeBatch('t', null, 'test', records, 1001))).not.toEqual(plain);
    expect(new Set(keyed).size).toBe(keyed.length);
  });
});
