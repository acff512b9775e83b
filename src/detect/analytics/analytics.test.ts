import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ColumnMapper } from '../../normalize/columns.js';
import type { FieldValue } from '../../normalize/flat-event.js';
import { Mappings } from '../../normalize/mappings.js';
import {
  Analytics,
  ANALYTIC_IDS,
  INSTALLER_CHAIN_ID,
  RANDOM_SYSTEM_BINARY_ID,
  VENDOR_IMPERSONATION_ID,
} from './index.js';
import type { AnalyticEvent } from './types.js';

const mappings = Mappings.load();
const columns = ColumnMapper.load();

/** An event as the pipeline sees it: evtx-crate JSON flattened by the source mappings. */
function evtx(channel: string, id: number, time: string, data: Record<string, unknown>): AnalyticEvent {
  const record = {
    Event: {
      System: {
        Channel: channel,
        EventID: id,
        Computer: 'WS07.corp.example',
        TimeCreated: { '#attributes': { SystemTime: time } },
      },
      EventData: data,
    },
  };
  const flat = mappings.flatten(record as never);
  return { time: flat.time ?? 0, fields: flat.fields, columns: columns.map(flat.fields) };
}

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
const RUN = 'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run';

describe('Analytics', () => {
  it('runs every analytic over flattened EVTX events: the ngrok and VPN-installer stories', () => {
    const analytics = new Analytics();
    const events = [
      evtx(SYSMON, 1, '2026-03-02T09:00:00.000Z', {
        ProcessGuid: '{11111111-0000-0000-0000-000000000001}',
        ProcessId: 4100,
        Image: 'C:\\Windows\\System32\\reg.exe',
        CommandLine: `reg.exe ADD ${RUN} /v "Symantek Update" /t REG_SZ /d C:\\Windows\\System32\\xqzvkjrtw.exe /f`,
        ParentImage: 'C:\\Windows\\System32\\cmd.exe',
      }),
      evtx(SYSMON, 1, '2026-03-02T09:01:00.000Z', {
        ProcessGuid: '{11111111-0000-0000-0000-000000000002}',
        ProcessId: 4200,
        Image: 'C:\\Windows\\System32\\xqzvkjrtw.exe',
        CommandLine: 'xqzvkjrtw.exe',
        ParentImage: 'C:\\Windows\\explorer.exe',
      }),
      evtx(SYSMON, 1, '2026-03-02T09:10:00.000Z', {
        ProcessGuid: '{11111111-0000-0000-0000-000000000010}',
        ParentProcessGuid: '{11111111-0000-0000-0000-000000000009}',
        Image: 'C:\\Users\\bob\\Downloads\\Windscribe.exe.setup.exe',
        CommandLine: 'Windscribe.exe.setup.exe',
      }),
      evtx(SYSMON, 1, '2026-03-02T09:10:05.000Z', {
        ProcessGuid: '{11111111-0000-0000-0000-000000000011}',
        ParentProcessGuid: '{11111111-0000-0000-0000-000000000010}',
        Image: 'C:\\Windows\\System32\\wscript.exe',
        CommandLine: 'wscript.exe C:\\Users\\bob\\AppData\\Roaming\\win.vbs',
      }),
      evtx(SYSMON, 1, '2026-03-02T09:10:06.000Z', {
        ProcessGuid: '{11111111-0000-0000-0000-000000000012}',
        ParentProcessGuid: '{11111111-0000-0000-0000-000000000011}',
        Image: 'C:\\Users\\bob\\AppData\\Roaming\\lscm.exe',
        CommandLine: 'lscm.exe',
      }),
      evtx(SYSMON, 7, '2026-03-02T09:10:06.500Z', {
        Image: 'C:\\Users\\bob\\AppData\\Roaming\\lscm.exe',
        ImageLoaded: 'C:\\Users\\bob\\AppData\\Roaming\\lscm.exe',
        Signed: 'false',
        SignatureStatus: 'Unavailable',
      }),
    ];
    const found = events.flatMap((e) => analytics.observe(e));
    found.push(...analytics.advance(Date.parse('2026-03-02T10:00:00Z')));
    expect(found.map((f) => [f.analytic, f.level, f.host])).toEqual([
      [VENDOR_IMPERSONATION_ID, 'high', 'WS07.corp.example'],
      [RANDOM_SYSTEM_BINARY_ID, 'high', 'WS07.corp.example'],
      [INSTALLER_CHAIN_ID, 'high', 'WS07.corp.example'],
    ]);
    expect(found[0]?.time).toBe(Date.parse('2026-03-02T09:00:00Z'));
    expect(found[0]?.event).toBe(events[0]);
  });

  it('runs only the enabled analytics and rejects unknown ids', () => {
    const only = new Analytics({ enabled: [INSTALLER_CHAIN_ID] });
    expect(only.ids).toEqual([INSTALLER_CHAIN_ID]);
    expect(new Analytics().ids).toEqual(ANALYTIC_IDS);
    expect(() => new Analytics({ enabled: ['vigil.analytics.nope'] })).toThrow(
      /unknown analytic vigil\.analytics\.nope/,
    );
  });

  it('never throws, whatever the fields hold', () => {
    const analytics = new Analytics();
    const scalar = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom(
        'C:\\Windows\\System32\\reg.exe',
        'reg add HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v Sym4ntec /d x',
        'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Kaspersk',
        SYSMON,
        'Security',
        'System',
      ),
    );
    const value: fc.Arbitrary<FieldValue> = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }));
    const names = fc.constantFrom(
      'Channel',
      'EventID',
      'Computer',
      'Image',
      'CommandLine',
      'ParentImage',
      'TargetObject',
      'TargetFilename',
      'Details',
      'ProcessGuid',
      'ParentProcessGuid',
      'ProcessId',
      'NewProcessId',
      'ServiceName',
      'TaskName',
      'TaskContent',
      'Signed',
      'ImageLoaded',
      '__proto__',
    );
    fc.assert(
      fc.property(fc.dictionary(names, value), fc.oneof(fc.integer(), fc.double()), (fields, time) => {
        const map = new Map(Object.entries(fields));
        const e: AnalyticEvent = { time, fields: map, columns: columns.map(map) };
        analytics.observe(e);
        analytics.advance(time);
      }),
      { numRuns: 2_000, seed: 42 },
    );
  });
});
