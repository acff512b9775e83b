import { describe, expect, it } from 'vitest';
import { ColumnMapper } from '../normalize/columns.js';
import { Mappings } from '../normalize/mappings.js';
import type { FieldValue } from '../normalize/flat-event.js';
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

  it('keeps each entity once, in order, however many an event lists', () => {
    const to = Array.from({ length: 80 }, (_, i) => `User${i % 30}@Corp.example`);
    const refs = Array.from({ length: 40 }, (_, i) => `<r${i % 7}@x>`);
    const got = entitiesOf(
      new Map<string, FieldValue>([
        ['vigil.email.references', refs],
        ['url.domain', ['a.example.', 'A.example', 'b.example', null as never, '']],
      ]),
      { email_to: to, email_from: 'Boss@Corp.example', host: 'H1' },
    ).map((e) => `${e.role} ${entityKey(e)}`);
    expect(got.filter((e) => e.includes('recipient:'))).toEqual(
      Array.from({ length: 30 }, (_, i) => `self recipient:user${i}@corp.example`),
    );
    expect(got.filter((e) => e.includes('message:'))).toEqual(
      Array.from({ length: 7 }, (_, i) => `self message:<r${i}@x>`),
    );
    expect(got.filter((e) => e.includes('domain:'))).toEqual([
      'self domain:corp.example',
      'self domain:a.example',
      'self domain:b.example',
    ]);
    expect(new Set(got).size).toBe(got.length);
  });

  it('reads GUIDs with or without braces, and pids in hex; odd values name nothing', () => {
    const one = (fields: [string, FieldValue][], c: Record<string, string | number>) =>
      entitiesOf(new Map(fields), c).map((e) => `${e.role} ${entityKey(e)}`);
    expect(one([['ParentProcessGuid', '{ABC}']], { process_guid: 'DEF}' })).toEqual([
      'self process:def',
      'parent process:abc',
    ]);
    expect(
      one([['ParentProcessGuid', '{}']], { process_guid: '{00000000-0000-0000-0000-000000000000}' }),
    ).toEqual([]);
    expect(
      one(
        [
          ['Channel', 'Microsoft-Windows-POWERSHELL/Operational'],
          ['Execution_ProcessID', '0x1F'],
        ],
        { host: 'H' },
      ),
    ).toContain('self process:h|31');
    expect(
      one(
        [
          ['Channel', 'Security'],
          ['Execution_ProcessID', '12'],
          ['NewProcessId', 5],
          ['ProcessId', '0x'],
        ],
        { host: 'H', user_name: 'SyStEm' },
      ),
    ).toEqual(['self host:h']);
    expect(one([['__proto__', 'x']], { host: 'Local Service', user_name: 'x'.repeat(2000) })).toEqual([]);
  });

  it('names a container started with docker run --name, whatever the case of the program', () => {
    const got = entitiesOf(new Map(), {
      host: 'ci',
      process_executable: '/usr/bin/Docker',
      process_command_line: 'docker run -d --name Web-1 nginx',
    }).map((e) => `${e.role} ${entityKey(e)}`);
    expect(got).toContain('self container:ci|name:web-1');
    const hub = entitiesOf(new Map(), {
      host: 'h',
      process_pid: 4,
      process_executable: 'C:\\Windows\\System32\\svchost.exe',
      parent_executable: 'C:\\Windows\\explorer.exe',
      parent_pid: 9,
    }).map((e) => `${e.role} ${entityKey(e)}`);
    expect(hub).toEqual(['self host:h', 'hub-parent process:h|9']);
  });
});
