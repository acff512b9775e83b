import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../ingest/types.js';
import { Mappings, MappingError } from './index.js';
import { timeOf } from './mappings.js';

const mappings = Mappings.load();
const fields = (event: unknown) => Object.fromEntries(mappings.flatten(event as JsonObject).fields);

describe('flattening input shapes to the Sigma view', () => {
  it('evtx crate JSON: System by name, attributes as Element_Attribute, data leaves by name', () => {
    const event = {
      Event: {
        '#attributes': { xmlns: 'http://schemas.microsoft.com/win/2004/08/events/event' },
        System: {
          Provider: {
            '#attributes': { Name: 'Service Control Manager', Guid: '555908D1-A6D7-4695-8E1E-26931D2012F4' },
          },
          EventID: { '#attributes': { Qualifiers: 16384 }, '#text': 7045 },
          TimeCreated: { '#attributes': { SystemTime: '2024-05-01T10:00:00.123456Z' } },
          Channel: 'System',
          Computer: 'DC01',
          Correlation: null,
        },
        EventData: { ServiceName: 'evil', ImagePath: 'C:\\x.exe', Data: { '#text': ['a', 'b'] } },
      },
    };
    const f = mappings.flatten(event as JsonObject);
    expect(f.shape).toBe('evtx');
    expect(f.time).toBe(Date.parse('2024-05-01T10:00:00.123Z'));
    expect(Object.fromEntries(f.fields)).toEqual({
      Provider_Name: 'Service Control Manager',
      Provider_Guid: '555908D1-A6D7-4695-8E1E-26931D2012F4',
      EventID_Qualifiers: 16384,
      EventID: 7045,
      TimeCreated_SystemTime: '2024-05-01T10:00:00.123456Z',
      Channel: 'System',
      Computer: 'DC01',
      Correlation: null,
      ServiceName: 'evil',
      ImagePath: 'C:\\x.exe',
      Data: ['a', 'b'],
      _source: 'evtx',
    });
  });

  it('UserData leaves by name, attributes without xmlns', () => {
    const f = fields({
      Event: {
        System: { EventID: 5857, Channel: 'Microsoft-Windows-WMI-Activity/Operational' },
        UserData: {
          Operation_StartedOperational: {
            '#attributes': { xmlns: 'x' },
            ProviderName: 'WmiPerfClass',
            Code: '0x0',
          },
        },
      },
    });
    expect(f).toMatchObject({ ProviderName: 'WmiPerfClass', Code: '0x0', EventID: 5857 });
    expect(Object.keys(f)).not.toContain('Operation_StartedOperational_xmlns');
  });

  it('Winlogbeat 7+ / ECS: winlog.event_data spread, ECS fields where the original is absent', () => {
    const f = fields({
      '@timestamp': '2024-05-01T10:00:00Z',
      winlog: {
        channel: 'Security',
        event_id: 4688,
        computer_name: 'WS1',
        event_data: { NewProcessName: 'C:\\a.exe', CommandLine: 'a' },
      },
      process: { executable: 'C:\\b.exe', command_line: 'b' },
      host: { name: 'ws1.example' },
    });
    expect(f).toMatchObject({
      Channel: 'Security',
      EventID: 4688,
      Computer: 'WS1',
      NewProcessName: 'C:\\a.exe',
      CommandLine: 'a',
      Image: 'C:\\b.exe',
      _source: 'ecs',
    });
  });

  it('Winlogbeat 6 and NXLog flat JSON', () => {
    expect(
      fields({
        event_id: 4104,
        log_name: 'Microsoft-Windows-PowerShell/Operational',
        computer_name: 'WS1',
        event_data: { ScriptBlockText: 'iex' },
      }),
    ).toMatchObject({
      EventID: 4104,
      Channel: 'Microsoft-Windows-PowerShell/Operational',
      Computer: 'WS1',
      ScriptBlockText: 'iex',
      _source: 'winlogbeat6',
    });
    const flat = mappings.flatten({
      EventID: 1,
      Channel: 'Microsoft-Windows-Sysmon/Operational',
      Hostname: 'WS1',
      SourceName: 'Microsoft-Windows-Sysmon',
      EventTime: '2020-09-21 19:30:13',
      Image: 'C:\\a.exe',
    });
    expect(Object.fromEntries(flat.fields)).toMatchObject({
      Computer: 'WS1',
      Provider_Name: 'Microsoft-Windows-Sysmon',
      Image: 'C:\\a.exe',
      _source: 'flat',
    });
    expect(flat.time).toBe(Date.UTC(2020, 8, 21, 19, 30, 13));
  });

  it('auditd records as they are', () => {
    expect(fields({ type: 'EXECVE', msg: 'audit(1.2:3)', a0: 'docker', a1: 'run' })).toMatchObject({
      type: 'EXECVE',
      a0: 'docker',
      _source: 'auditd',
    });
  });

  it('unknown shapes are spread as they are, without _source', () => {
    const f = fields({ eventName: 'ConsoleLogin', userIdentity: { type: 'Root' } });
    expect(f).toEqual({ eventName: 'ConsoleLogin' });
  });

  it('keeps hostile keys as plain keys', () => {
    const f = mappings.flatten(
      JSON.parse('{"EventID":1,"Channel":"x","__proto__":{"polluted":true},"constructor":"c"}') as JsonObject,
    );
    expect(f.fields.get('constructor')).toBe('c');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('logsource variants', () => {
  it('process creation: Sysmon 1, and Security 4688 with its own field names', () => {
    const v = mappings.variants({ product: 'windows', category: 'process_creation' });
    expect(v.map((x) => x.name)).toEqual(['sysmon', 'security-4688']);
    expect(v[1]!.conditions).toEqual([
      { field: 'Channel', values: ['Security'] },
      { field: 'EventID', values: [4688] },
    ]);
    expect(v[1]!.fields).toMatchObject({ Image: 'NewProcessName', ParentImage: 'ParentProcessName' });
  });

  it('services map to channels; unknown logsources have no variant', () => {
    expect(mappings.variants({ product: 'windows', service: 'security' })[0]!.conditions).toEqual([
      { field: 'Channel', values: ['Security'] },
    ]);
    expect(mappings.variants({ product: 'aws', service: 'cloudtrail' })).toEqual([]);
  });
});

describe('mapping files are checked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-mappings-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a malformed file with its line', () => {
    mkdirSync(join(dir, 'sources'));
    mkdirSync(join(dir, 'logsources'));
    writeFileSync(join(dir, 'sources', 'a.yml'), 'name: a\nkind: generic\ndetect: [x]\n');
    writeFileSync(
      join(dir, 'logsources', 'b.yml'),
      'logsources:\n  - logsource: { product: x }\n    variants: nope\n',
    );
    let error: unknown;
    try {
      Mappings.load(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MappingError);
    expect((error as MappingError).describe()).toMatch(/b\.yml:3: a logsource needs a list of `variants`/);
  });
});

describe('timeOf', () => {
  it('reads ISO UTC timestamps exactly as Date.parse does, fast path or not', () => {
    for (const text of [
      '2019-03-19T23:34:25.5506669Z',
      '2019-03-19T23:34:25.9999999Z',
      '2019-03-19T23:34:25.5Z',
      '2019-03-19T23:34:25Z',
      '2019-03-19T23:34:25.55Z',
      '2019-03-19 23:34:25.123Z',
      '2019-03-19T23:34:25.Z',
      '2019-03-19T23:34:2xZ',
      '2019-02-31T00:00:00Z',
      '2019-03-19T24:00:00Z',
      '0001-01-01T00:00:00Z',
      '2019-13-01T00:00:00Z',
      '2019-03-19T23:61:00Z',
    ]) {
      const expected = Date.parse(text);
      expect(timeOf(text), text).toBe(Number.isNaN(expected) ? null : expected);
    }
    expect(timeOf('2020-09-21 19:30:13')).toBe(Date.parse('2020-09-21T19:30:13Z'));
    expect(timeOf('not a time')).toBeNull();
  });

  /** The NXLog reading as it was before its fast path: regexes, then Date.parse. */
  function slowTimeOf(v: string): number | null {
    let text = v;
    if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(text))
      text = text.replace(' ', 'T') + (/[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? '' : 'Z');
    const t = Date.parse(text);
    return Number.isNaN(t) ? null : t;
  }

  it('reads NXLog times without a zone (UTC) exactly as Date.parse does', () => {
    for (const text of [
      '2020-09-21 19:30:13',
      '2020-09-21 19:30:13.5',
      '2020-09-21 19:30:13.123456789',
      '2020-09-21 19:30:13.1234567890',
      '2020-09-21 19:30:13.',
      '2020-02-31 10:00:00',
      '2020-02-32 10:00:00',
      '2020-09-21 24:00:00',
      '2020-09-21 24:30:00',
      '2020-09-21T24:00:00Z',
      '2020-09-21T24:00:00.000Z',
      '2020-09-21T24:00:00.0001Z',
      '0100-01-01 24:00:00.1Z',
      '2020-09-21T24:30:00Z',
      '2020-09-21 23:60:00',
      '2020-09-21 23:59:60',
      '2020-09-21 19:30',
      '2020-09-21 19:30:13+02:00',
      '2020-09-21 19:30:13 +0200',
      '2020-09-21 19:30:13z',
      '0099-01-01 00:00:00',
      '2020-00-10 00:00:00',
      '2020-09-21T19:30:13',
      '2020-9-21 19:30:13',
      '２０２０-09-21 19:30:13',
    ])
      expect(timeOf(text), text).toBe(slowTimeOf(text));
  });

  it('agrees with the slow reading on generated times, valid or not', () => {
    const two = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
    // Hour 24 and zeros are the edges; plain uniform draws reach them too rarely.
    const hour = fc.oneof(two, fc.constantFrom('23', '24', '00'));
    const minuteOrSecond = fc.oneof(two, fc.constant('00'));
    const spaced = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
        two,
        two,
        fc.constantFrom(' ', 'T'),
        hour,
        minuteOrSecond,
        minuteOrSecond,
        fc.option(fc.oneof(fc.stringMatching(/^[0-9]{0,11}$/), fc.stringMatching(/^0{1,9}$/))),
        fc.constantFrom('', '', '', 'Z', 'Z', 'z', '+01:00', ' ', 'x'),
      )
      .map(
        ([y, mo, d, sep, h, mi, s, frac, tail]) =>
          `${y}-${mo}-${d}${sep}${h}:${mi}:${s}${frac === null ? '' : `.${frac}`}${tail}`,
      );
    fc.assert(
      fc.property(spaced, (text) => {
        expect(timeOf(text)).toBe(slowTimeOf(text));
      }),
      { numRuns: 20000 },
    );
  });
});

describe('flattening hostile records', () => {
  it('keeps __proto__ and other odd keys as ordinary fields, and does not pollute prototypes', () => {
    const event = JSON.parse(
      '{"EventID": 1, "Channel": "c", "__proto__": "p", "constructor": 2, "toString": [1, {"x": 1}, null]}',
    ) as JsonObject;
    const f = mappings.flatten(event);
    expect(f.fields.get('__proto__')).toBe('p');
    expect(f.fields.get('constructor')).toBe(2);
    expect(f.fields.get('toString')).toEqual([1, null]);
    expect(({} as Record<string, unknown>).p).toBeUndefined();
  });

  it('spreads a second object after the first without losing repeated names', () => {
    const f = mappings.flatten({
      winlog: { event_data: { A: 1, B: 'x' }, user_data: { A: 2, C: [true, 'y'] } },
    } as unknown as JsonObject);
    expect(f.shape).toBe('ecs');
    expect([...f.fields]).toEqual([
      ['A', [1, 2]],
      ['B', 'x'],
      ['C', [true, 'y']],
      ['_source', 'ecs'],
    ]);
  });

  it('survives deep nesting and huge arrays', () => {
    const deep: Record<string, unknown> = {};
    let cur = deep;
    for (let i = 0; i < 5000; i++) cur = cur.a = {};
    const big = Array.from({ length: 100_000 }, (_, i) => (i % 2 === 0 ? i : { i }));
    const f = mappings.flatten({ EventID: 1, Channel: 'c', deep, big } as unknown as JsonObject);
    expect(f.fields.has('deep')).toBe(false);
    expect((f.fields.get('big') as unknown[]).length).toBe(50_000);
    const evtx = { Event: { System: { EventID: 1 }, EventData: { deep } } } as unknown as JsonObject;
    expect(mappings.flatten(evtx).fields.get('EventID')).toBe(1);
  });
});

describe('ECS documents and Zeek logs', () => {
  it('reads ECS with dotted keys, nested objects, or a mix', () => {
    const dotted = {
      '@timestamp': '2026-11-30T12:31:47.000Z',
      'host.name': 'ci-01',
      'event.module': 'syslog',
      message: 'x',
    };
    const nested = {
      '@timestamp': '2026-11-30T12:31:47.000Z',
      host: { name: 'ci-01' },
      event: { module: 'syslog' },
    };
    const mixed = {
      '@timestamp': '2026-11-30T12:31:47.000Z',
      host: { name: 'ci-01' },
      'event.module': 'syslog',
    };
    for (const e of [dotted, nested, mixed]) {
      const f = mappings.flatten(e as JsonObject);
      expect(f.shape).toBe('ecs-events');
      expect(f.time).toBe(Date.UTC(2026, 10, 30, 12, 31, 47));
      expect(f.fields.get('Computer')).toBe('ci-01');
      expect(f.fields.get('event.module')).toBe('syslog');
    }
    expect(mappings.flatten({ 'event.module.x': 1 } as JsonObject).shape).toBeNull();
  });

  it('reads Zeek JSON with its own field names, and runs zeek rules only on the log they name', () => {
    const conn = { ts: 1796042000.672, uid: 'C1', 'id.orig_h': '10.0.0.5', 'id.resp_p': 3389, _path: 'conn' };
    const f = mappings.flatten(conn as JsonObject);
    expect(f.shape).toBe('zeek');
    expect(f.time).toBe(1796042000672);
    expect(f.fields.get('id.resp_p')).toBe(3389);
    const rdp = mappings.variants({ product: 'zeek', service: 'rdp' });
    expect(rdp.map((v) => v.conditions)).toEqual([
      [{ field: '_path', values: ['rdp'] }],
      [{ field: 'event.dataset', values: ['zeek.rdp'] }],
    ]);
  });
});
