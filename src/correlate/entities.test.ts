import { describe, expect, it } from 'vitest';
import { ColumnMapper } from '../normalize/columns.js';
import { Mappings } from '../normalize/mappings.js';
import { entitiesOf, entityKey } from './entities.js';

const mappings = Mappings.load();
const columns = ColumnMapper.load();

function entities(event: object) {
  const { fields } = mappings.flatten(event as never);
  return entitiesOf(fields, columns.map(fields)).map((e) => `${e.role} ${entityKey(e)}`);
}

const sysmon = (id: number, data: Record<string, unknown>) => ({
  Event: {
    System: { Channel: 'Microsoft-Windows-Sysmon/Operational', EventID: id, Computer: 'WS01.corp.example' },
    EventData: data,
  },
});

describe('entitiesOf', () => {
  it('names the process, its parent, the user, the file and its hashes', () => {
    const got = entities(
      sysmon(1, {
        ProcessGuid: '{6A3F1C2B-0001-0000-0010-000000000A01}',
        ParentProcessGuid: '{6A3F1C2B-0001-0000-0010-000000000900}',
        ProcessId: 4242,
        Image: 'C:\\Users\\alice\\AppData\\Roaming\\lscm.exe',
        User: 'CORP\\alice',
        Hashes: 'SHA1=AAAA,MD5=BBBB,SHA256=CCCC',
      }),
    );
    expect(got).toEqual(
      expect.arrayContaining([
        'self host:ws01.corp.example',
        'self user:alice',
        'self process:6a3f1c2b-0001-0000-0010-000000000a01',
        'parent process:6a3f1c2b-0001-0000-0010-000000000900',
        'self file:c:\\users\\alice\\appdata\\roaming\\lscm.exe',
        'self hash:cccc',
        'self hash:aaaa',
        'self hash:bbbb',
      ]),
    );
  });

  it('names network peers and domains, and skips values that name nothing', () => {
    const got = entities(
      sysmon(3, {
        ProcessGuid: '{00000000-0000-0000-0000-000000000000}',
        User: 'NT AUTHORITY\\SYSTEM',
        SourceIp: '127.0.0.1',
        DestinationIp: '198.51.100.7',
        DestinationHostname: 'Tunnel.NGROK.io.',
      }),
    );
    expect(got).toContain('self ip:198.51.100.7');
    expect(got).toContain('self domain:tunnel.ngrok.io');
    expect(got.some((e) => e.includes('127.0.0.1') || e.includes('system') || e.includes('process:'))).toBe(
      false,
    );
  });

  it('falls back to host and pid without a GUID, and survives hostile values', () => {
    const got = entities({
      Event: {
        System: { Channel: 'Security', EventID: 4688, Computer: 'DC01' },
        EventData: {
          NewProcessId: '0x1a2c',
          ProcessId: '0x0400',
          NewProcessName: 'x'.repeat(5000),
          TargetUserName: '',
        },
      },
    });
    expect(got).toContain('self process:dc01|6700');
    expect(got).toContain('parent process:dc01|1024');
    expect(got.some((e) => e.startsWith('self file:'))).toBe(false);
    expect(entitiesOf(new Map(), {})).toEqual([]);
  });
});
