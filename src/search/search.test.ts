import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSampleEvents } from '../demo/sample-events.js';
import { Detector } from '../detect/hunt/detector.js';
import { loadRules } from '../detect/sigma/load.js';
import { ColumnMapper, Mappings } from '../normalize/index.js';
import { ingestForTest } from '../pipeline/testing.js';
import { ChdbStore } from '../store/chdb.js';
import { migrate, type Store } from '../store/index.js';
import { classifyIoc, exportEvents, searchEvents, SearchRequestError, sweepIocs } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-search-'));
const now = Date.now();
const range = { from: now - 2 * 8.64e7, to: now + 3.6e6 };
const md5 = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const sha256 = '5e3b1c0f4a9d2e7b8c6a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c';
let store: Store;

beforeAll(async () => {
  store = new ChdbStore(join(dir, 'store'));
  await migrate(store, { retentionDays: 0 });
  const mappings = Mappings.load();
  const rules = await loadRules([resolve(import.meta.dirname, '../../rules')]);
  const tools = { detector: new Detector(rules.rules, mappings), mappings, columns: ColumnMapper.load() };
  await ingestForTest(store, tools, 'acme', generateSampleEvents({ now, seed: 3, background: 1500 }));
  await ingestForTest(
    store,
    tools,
    'other',
    generateSampleEvents({ now, seed: 4, background: 200 }).slice(0, 50),
  );
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('classifyIoc', () => {
  it('tells hashes, IPs, domains, URLs and file names apart', () => {
    expect(classifyIoc(md5.toUpperCase())).toEqual({ type: 'hash', value: md5 });
    expect(classifyIoc(' 10.1.2.3 ')).toEqual({ type: 'ip', value: '10.1.2.3' });
    expect(classifyIoc('[2001:DB8::1]')).toEqual({ type: 'ip', value: '2001:db8::1' });
    expect(classifyIoc('Evil[.]Example.com.')).toEqual({ type: 'domain', value: 'evil.example.com' });
    expect(classifyIoc('hxxps://bad.example.net/x?y=1')).toEqual({
      type: 'domain',
      value: 'bad.example.net',
    });
    expect(classifyIoc('Invoice.PDF.exe')).toEqual({ type: 'file', value: 'invoice.pdf.exe' });
    expect(classifyIoc('file:payload.com')).toEqual({ type: 'file', value: 'payload.com' });
    expect(classifyIoc('domain:payload.com')).toEqual({ type: 'domain', value: 'payload.com' });
  });

  it('says why an input is not an IOC', () => {
    for (const bad of [
      '',
      'hello world',
      'hash:1234',
      'ip:999.1.1.1',
      'file:C:\\x\\y.exe',
      '1.2.3',
      'a'.repeat(3000),
    ])
      expect(() => classifyIoc(bad), bad).toThrow(SearchRequestError);
  });
});

describe('search over stored events', () => {
  it('finds events by field, with a total, a histogram and facets', async () => {
    const r = await searchEvents(store, 'acme', {
      query: 'process_executable:*\\\\qz7xk2vw9.exe',
      ...range,
      limit: 2,
      offset: 0,
      raw: true,
    });
    expect(r.total).toBe(3); // started, its DNS query, its connection
    expect(r.events).toHaveLength(2);
    expect(r.facets!.host).toEqual([{ value: 'WS07', n: 3 }]);
    expect(r.histogram!.buckets.reduce((n, b) => n + b.n, 0)).toBe(3);
    expect((r.events[0]!.raw as Record<string, unknown>).Hostname).toBe('WS07');
  });

  it('reports a syntax error with its position', async () => {
    const e = await searchEvents(store, 'acme', {
      query: 'host:(a OR',
      ...range,
      limit: 1,
      offset: 0,
      raw: false,
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SearchRequestError);
    expect((e as SearchRequestError).position).toBeTypeOf('number');
  });

  it('exports every match once, oldest first, across pages', async () => {
    const all: Record<string, unknown>[] = [];
    for await (const e of exportEvents(
      store,
      'acme',
      { query: 'event_code:1', ...range, raw: false, max: 1e6 },
      97,
    ))
      all.push(e);
    const { total } = await searchEvents(store, 'acme', {
      query: 'event_code:1',
      ...range,
      limit: 0,
      offset: 0,
      raw: false,
    });
    expect(all.length).toBe(total);
    expect(new Set(all.map((e) => e.event_id)).size).toBe(all.length);
    const keys = all.map((e) => `${String(e.ts)}|${String(e.event_id)}`);
    expect([...keys].sort()).toEqual(keys);
    const capped = [];
    for await (const e of exportEvents(store, 'acme', { query: '', ...range, raw: false, max: 150 }, 97))
      capped.push(e);
    expect(capped).toHaveLength(150);
  });
});

describe('IOC sweep', () => {
  it('shows which hosts saw each IOC and when', async () => {
    const r = await sweepIocs(
      store,
      'acme',
      [
        md5,
        sha256.toUpperCase(),
        '142.250.102.108',
        'gmail[.]com',
        'qz7xk2vw9.exe',
        'never.example.org',
        'not an ioc',
      ],
      range,
    );
    const by = new Map(r.iocs.map((i) => [i.value, i]));
    expect(by.get(md5)).toMatchObject({ type: 'hash', events: 1, hosts: [{ host: 'WS07', events: 1 }] });
    expect(by.get(sha256)).toMatchObject({ type: 'hash', events: 1 });
    expect(by.get('142.250.102.108')).toMatchObject({ type: 'ip', events: 1, hosts: [{ host: 'WS07' }] });
    expect(by.get('gmail.com')).toMatchObject({ type: 'domain', hosts: [{ host: 'WS07', events: 2 }] });
    const file = by.get('qz7xk2vw9.exe')!;
    expect(file.type).toBe('file');
    expect(file.events).toBe(5); // dropped, started, its DNS query and connection, and reg.exe's parent
    expect(file.first! <= file.last!).toBe(true);
    expect(by.get('never.example.org')).toMatchObject({ events: 0, hosts: [], first: null });
    expect(r.rejected).toEqual([
      { input: 'not an ioc', reason: 'not a hash, IP address, domain, URL or file name' },
    ]);
    expect(r.iocs[0]!.events).toBeGreaterThanOrEqual(r.iocs.at(-1)!.events);
  });

  it('sees only the tenant it runs for', async () => {
    const r = await sweepIocs(store, 'nobody', [md5, 'qz7xk2vw9.exe', 'gmail.com'], range);
    expect(r.iocs.every((i) => i.events === 0)).toBe(true);
  });

  it('takes values that look like SQL as plain values', async () => {
    const r = await sweepIocs(store, 'acme', ["file:x.exe' OR 1=1 --", "domain:a.b') OR ('1'='1"], range);
    expect(r.iocs.map((i) => i.events)).toEqual([0]);
    expect(r.rejected).toHaveLength(1);
  });
});
