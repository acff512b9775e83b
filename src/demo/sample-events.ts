import { seededRandom as random } from '../core/random.js';
import type { JsonObject } from '../ingest/types.js';

/**
 * Generated sample telemetry for a first look at Vigil: a day of ordinary Sysmon and Security
 * events on a small network, and one attack story on one laptop (a backdoored VPN installer, a
 * random-named dropper in System32, Run-key persistence named like a security vendor, a keylogger
 * mailing out through Gmail, an ngrok tunnel, then ransomware). Deterministic for a given seed.
 */
export interface SampleOptions {
  readonly now: number;
  readonly seed?: number;
  /** Ordinary events before the attack (default 20,000). */
  readonly background?: number;
}

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
const HOSTS = Array.from({ length: 24 }, (_, i) => `WS${String(i + 1).padStart(2, '0')}`).concat([
  'DC01',
  'FS01',
]);
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];
const PROGRAMS: readonly [string, string][] = [
  ['C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'chrome.exe --type=renderer'],
  ['C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE', 'OUTLOOK.EXE'],
  ['C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE', 'WINWORD.EXE /n'],
  ['C:\\Windows\\System32\\svchost.exe', 'svchost.exe -k netsvcs -p'],
  ['C:\\Windows\\System32\\RuntimeBroker.exe', 'RuntimeBroker.exe -Embedding'],
  ['C:\\Windows\\System32\\notepad.exe', 'notepad.exe'],
  ['C:\\Windows\\System32\\conhost.exe', 'conhost.exe 0xffffffff -ForceV1'],
  ['C:\\Program Files\\Microsoft VS Code\\Code.exe', 'Code.exe'],
  ['C:\\Windows\\System32\\taskhostw.exe', 'taskhostw.exe'],
];
const DOMAINS = [
  'www.office.com',
  'login.microsoftonline.com',
  'www.google.com',
  'github.com',
  'intranet.corp.example',
  'teams.microsoft.com',
];

const hex = (r: () => number, n: number) =>
  Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const stamp = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

export function generateSampleEvents(o: SampleOptions): JsonObject[] {
  const r = random(o.seed ?? 1);
  const count = o.background ?? 20_000;
  const start = o.now - 24 * 3600_000;
  const events: JsonObject[] = [];
  let record = 1;
  const base = (host: string, at: number, id: number, channel = SYSMON): JsonObject => ({
    Channel: channel,
    Hostname: host,
    EventTime: stamp(at),
    EventID: id,
    RecordNumber: record++,
  });
  for (let i = 0; i < count; i++) {
    const at = start + Math.floor((i / count) * 23 * 3600_000 + r() * 60_000);
    const host = pick(r, HOSTS);
    const user = pick(r, USERS);
    const kind = r();
    if (kind < 0.45) {
      const [image, cmd] = pick(r, PROGRAMS);
      events.push({
        ...base(host, at, 1),
        Image: image,
        CommandLine: cmd,
        ParentImage: 'C:\\Windows\\explorer.exe',
        User: `CORP\\${user}`,
        ProcessId: 1000 + Math.floor(r() * 60000),
        Hashes: `SHA256=${hex(r, 64)},MD5=${hex(r, 32)}`,
      });
    } else if (kind < 0.7) {
      events.push({ ...base(host, at, 22), Image: pick(r, PROGRAMS)[0], QueryName: pick(r, DOMAINS) });
    } else if (kind < 0.9) {
      events.push({
        ...base(host, at, 3),
        Image: pick(r, PROGRAMS)[0],
        DestinationHostname: pick(r, DOMAINS),
        DestinationIp: `52.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}`,
        DestinationPort: 443,
        SourceIp: `10.0.0.${HOSTS.indexOf(host) + 10}`,
      });
    } else {
      events.push({
        ...base('DC01', at, 4624, 'Security'),
        TargetUserName: user,
        TargetDomainName: 'CORP',
        LogonType: 3,
        IpAddress: `10.0.0.${HOSTS.indexOf(host) + 10}`,
        WorkstationName: host,
      });
    }
  }

  // The attack story, in the last hour, on one laptop.
  const victim = 'WS07';
  const user = 'bob';
  let t = o.now - 50 * 60_000;
  const step = (e: JsonObject) => {
    t += 45_000 + Math.floor(r() * 60_000);
    events.push({ ...base(victim, t, e.EventID as number), ...e, User: `CORP\\${user}` });
  };
  const installer = `C:\\Users\\${user}\\Downloads\\VPN-Client_setup.exe`;
  const dropper = 'C:\\Windows\\System32\\qz7xk2vw9.exe';
  const dropperHash =
    'SHA256=5e3b1c0f4a9d2e7b8c6a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c,MD5=0f1e2d3c4b5a69788796a5b4c3d2e1f0';
  step({
    EventID: 1,
    Image: installer,
    CommandLine: `"${installer}"`,
    ParentImage: 'C:\\Windows\\explorer.exe',
  });
  step({
    EventID: 1,
    Image: 'C:\\Windows\\System32\\wscript.exe',
    CommandLine: `wscript.exe C:\\Users\\${user}\\AppData\\Local\\Temp\\win.vbs`,
    ParentImage: installer,
  });
  step({
    EventID: 1,
    Image: `C:\\Users\\${user}\\AppData\\Roaming\\VPNClient\\lscm.exe`,
    CommandLine: 'lscm.exe',
    ParentImage: 'C:\\Windows\\System32\\wscript.exe',
  });
  step({
    EventID: 11,
    Image: `C:\\Users\\${user}\\AppData\\Roaming\\VPNClient\\lscm.exe`,
    TargetFilename: dropper,
  });
  step({
    EventID: 1,
    Image: dropper,
    CommandLine: 'qz7xk2vw9.exe',
    ParentImage: `C:\\Users\\${user}\\AppData\\Roaming\\VPNClient\\lscm.exe`,
    Hashes: dropperHash,
  });
  step({
    EventID: 1,
    Image: 'C:\\Windows\\System32\\reg.exe',
    CommandLine: `reg.exe ADD HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run /v TrendMicr0Update /t REG_SZ /d ${dropper} /f`,
    ParentImage: dropper,
  });
  step({ EventID: 22, Image: dropper, QueryName: 'smtp.gmail.com' });
  step({
    EventID: 3,
    Image: dropper,
    DestinationHostname: 'smtp.gmail.com',
    DestinationPort: 587,
    DestinationIp: '142.250.102.108',
    SourceIp: '10.0.0.16',
  });
  step({ EventID: 22, Image: 'C:\\Users\\Public\\ngrok.exe', QueryName: 'tunnel.us.ngrok.com' });
  step({
    EventID: 1,
    Image: 'C:\\Windows\\System32\\vssadmin.exe',
    CommandLine: 'vssadmin.exe Delete Shadows /all /quiet',
    ParentImage: 'C:\\Users\\Public\\rk.exe',
  });
  for (const folder of ['Documents', 'Desktop', 'Pictures'])
    step({
      EventID: 11,
      Image: 'C:\\Users\\Public\\rk.exe',
      TargetFilename: `C:\\Users\\${user}\\${folder}\\RyukReadMe.txt`,
    });
  events.sort((a, b) => String(a.EventTime).localeCompare(String(b.EventTime)));
  return events;
}
