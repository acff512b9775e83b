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

  it('names a mail’s parties, its domains, and its attachments as file hashes', () => {
    const zip = 'a'.repeat(64);
    const exe = 'b'.repeat(64);
    const mail = {
      '@timestamp': '2026-11-20T10:00:00.000Z',
      'event.module': 'vigil',
      'event.dataset': 'email',
      'email.message_id': '<m1@lookalike.test>',
      'vigil.email.references': ['<Req-1@Lookalike.test>', '<req-0@lookalike.test>'],
      'email.from.address': 'Jean.Dupont@Ferronerie-Dumas.fr',
      'email.reply_to.address': ['jd.dumas@gmail.com', 'billing@pay-ferronnerie.fr'],
      'email.to.address': ['compta@client.fr'],
      'email.attachments.file.hash.sha256': [zip.toUpperCase()],
      'email.attachments.file.hash.md5': ['c'.repeat(32)],
      'vigil.email.archive_files.hash.sha256': [exe],
      'url.domain': ['pay.example.net.', 'cdn.example.org'],
    };
    const got = entities(mail);
    expect(got).toEqual(
      expect.arrayContaining([
        'self message:<m1@lookalike.test>',
        // the thread it answers, as written (Message-IDs are case-sensitive)
        'self message:<Req-1@Lookalike.test>',
        'self message:<req-0@lookalike.test>',
        'self sender:jean.dupont@ferronerie-dumas.fr',
        'self recipient:compta@client.fr',
        `self attachment:${zip}`,
        `self hash:${zip}`,
        `self hash:${exe}`,
        `self hash:${'c'.repeat(32)}`,
        'self domain:ferronerie-dumas.fr',
        'self domain:pay-ferronnerie.fr',
        'self domain:pay.example.net',
        'self domain:cdn.example.org',
      ]),
    );
    // A free mailbox's domain names no one in particular; a mail has no host.
    expect(got.some((e) => e.includes('gmail.com') && e.includes('domain:'))).toBe(false);
    expect(got.some((e) => e.includes(' host:'))).toBe(false);
  });

  it('links a mail to a Sysmon process whose image has the attachment’s hash', () => {
    const exe = 'd'.repeat(64);
    const mail = entities({
      'event.module': 'vigil',
      'event.dataset': 'email',
      'email.from.address': 'x@sender.test',
      'email.attachments.file.hash.sha256': ['e'.repeat(64), 'f'.repeat(64)],
      'vigil.email.archive_files.hash.sha256': [exe],
    });
    const run = entities(
      sysmon(1, {
        ProcessGuid: '{6A3F1C2B-0001-0000-0010-000000000B01}',
        Image: 'C:\\Users\\bob\\AppData\\Local\\Temp\\Temp1_facture.zip\\facture.exe',
        Hashes: `SHA256=${exe.toUpperCase()}`,
      }),
    );
    expect(mail).toContain(`self hash:${exe}`);
    expect(run).toContain(`self hash:${exe}`);
    // Two attachments: no single file, so the hash column stays empty (both are still entities).
    const { fields } = mappings.flatten({
      'event.module': 'vigil',
      'email.attachments.file.hash.sha256': ['e'.repeat(64), 'f'.repeat(64)],
    } as never);
    expect(columns.map(fields).hash_sha256).toBeUndefined();
    const one = mappings.flatten({
      'event.module': 'vigil',
      'email.attachments.file.hash.sha256': ['E'.repeat(64)],
      'url.original': ['https://Pay.example.net/x', 'https://b.example.org/'],
      'url.domain': ['Pay.example.net', 'b.example.org'],
    } as never).fields;
    expect(columns.map(one)).toMatchObject({
      hash_sha256: 'e'.repeat(64),
      url: 'https://Pay.example.net/x',
      domain: 'pay.example.net',
    });
    expect(mail).toContain(`self hash:${'f'.repeat(64)}`);
  });
});
