import type { JsonObject } from '../../ingest/types.js';
import { peMeta, type PeMeta } from '../catalog.js';
import type { Rng } from '../prng.js';
import type { Timeline } from '../timeline.js';
import type { Account, Host, World } from '../world.js';
import { evtxRecord, utcTime, type SystemHeader } from './evtx.js';

export const SYSMON_CHANNEL = 'Microsoft-Windows-Sysmon/Operational';
const SYSMON_GUID = '5770385F-C22A-43E0-BF4C-06F5698FFBD9';
const SECURITY_GUID = '54849625-5478-4994-A5BA-3E3B0328C30D';
const SYSMON_VERSIONS: Readonly<Record<number, number>> = { 1: 5, 3: 5, 11: 2, 13: 2, 22: 5 };

export type Integrity = 'Low' | 'Medium' | 'High' | 'System';

/** Who a process runs as: one logon session. */
export interface Identity {
  /** `DOMAIN\name` as Sysmon writes it. */
  readonly user: string;
  readonly name: string;
  readonly domain: string;
  readonly sid: string;
  readonly logonId: string;
  readonly logonGuid: string;
  readonly session: number;
  readonly integrity: Integrity;
}

export interface Proc {
  readonly host: Host;
  readonly guid: string;
  readonly pid: number;
  readonly image: string;
  readonly cmd: string;
  readonly who: Identity;
  readonly hashes: string;
  readonly cwd: string;
}

export interface SpawnOptions {
  readonly who?: Identity;
  readonly hashes?: string;
  readonly meta?: PeMeta;
  readonly cwd?: string;
}

/** What every labelled view of the Windows sensors shares: PIDs and GUIDs in use per host. */
export class WindowsState {
  readonly pids = new Map<Host, Set<number>>();
  readonly guids = new Set<string>();
  readonly builtins = new Map<string, Identity>();
  readonly running = new Map<string, Proc>();

  constructor(
    readonly world: World,
    readonly timeline: Timeline,
    private readonly now: number,
  ) {}

  /** When the host last booted: a few days before the scenario. */
  bootTime(host: Host): number {
    return this.now - 3 * 86_400_000 - (Number.parseInt(host.machineId, 16) % 86_400_000);
  }
}

const LOGON_IDS: Readonly<Record<string, string>> = {
  SYSTEM: '0x3e7',
  'LOCAL SERVICE': '0x3e5',
  'NETWORK SERVICE': '0x3e4',
};
const BUILTIN_SIDS: Readonly<Record<string, string>> = {
  SYSTEM: 'S-1-5-18',
  'LOCAL SERVICE': 'S-1-5-19',
  'NETWORK SERVICE': 'S-1-5-20',
};

const hex = (n: number) => `0x${n.toString(16)}`;

/** The logon GUID Sysmon derives from the machine, the logon time and the logon id. */
function logonGuidOf(host: Host, at: number, logonId: string): string {
  const secs = Math.floor(at / 1000)
    .toString(16)
    .padStart(8, '0')
    .toUpperCase();
  const id = Number.parseInt(logonId, 16) >>> 0;
  const le = [id & 255, (id >>> 8) & 255, (id >>> 16) & 255, id >>> 24]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('')
    .toUpperCase();
  return `${host.machineId}-${secs.slice(4)}-${secs.slice(0, 4)}-0000-0020${le}`;
}

/**
 * Sysmon and the Security log on Windows hosts, for one label (a story, or null for noise). Each
 * call writes the events a real sensor would, with consistent GUIDs, PIDs and parents.
 */
export class WindowsSensor {
  constructor(
    private readonly state: WindowsState,
    private readonly r: Rng,
    readonly label: string | null,
  ) {}

  private get world(): World {
    return this.state.world;
  }

  /** A built-in account's session (SYSTEM, LOCAL SERVICE, NETWORK SERVICE), the same all day. */
  builtin(host: Host, name: 'SYSTEM' | 'LOCAL SERVICE' | 'NETWORK SERVICE'): Identity {
    const key = `${host.name}|${name}`;
    let who = this.state.builtins.get(key);
    if (who === undefined) {
      const logonId = LOGON_IDS[name]!;
      who = {
        user: `NT AUTHORITY\\${name}`,
        name,
        domain: 'NT AUTHORITY',
        sid: BUILTIN_SIDS[name]!,
        logonId,
        logonGuid: logonGuidOf(host, this.state.bootTime(host), logonId),
        session: 0,
        integrity: 'System',
      };
      this.state.builtins.set(key, who);
    }
    return who;
  }

  /** A new logon session of an account on a host. */
  session(host: Host, account: Account, at: number, elevated = false, session = 1): Identity {
    const logonId = hex(this.r.int(0x100000, 0x7fffffff));
    return {
      user: `${account.domain}\\${account.name}`,
      name: account.name,
      domain: account.domain,
      sid: account.sid,
      logonId,
      logonGuid: logonGuidOf(host, at, logonId),
      session,
      integrity: elevated ? 'High' : 'Medium',
    };
  }

  /** The same session, with an elevated (UAC) token. */
  elevated(who: Identity): Identity {
    return { ...who, integrity: 'High' };
  }

  private newPid(host: Host): number {
    let used = this.state.pids.get(host);
    if (used === undefined) this.state.pids.set(host, (used = new Set()));
    for (;;) {
      const pid = this.r.int(100, 16000) * 4;
      if (!used.has(pid)) {
        used.add(pid);
        return pid;
      }
    }
  }

  private newGuid(host: Host, at: number): string {
    const secs = Math.floor(at / 1000)
      .toString(16)
      .padStart(8, '0')
      .toUpperCase();
    for (;;) {
      const g = `${host.machineId}-${secs.slice(4)}-${secs.slice(0, 4)}-0000-0010${this.r.hex(8).toUpperCase()}`;
      if (!this.state.guids.has(g)) {
        this.state.guids.add(g);
        return g;
      }
    }
  }

  /**
   * A process that was already running (no event of its own); asking again for the same program,
   * command line and session on a host gives the same process.
   */
  running(host: Host, image: string, cmd: string, who: Identity, startedAt: number): Proc {
    const key = [host.name, image, cmd, who.user, who.logonId].join('|');
    const known = this.state.running.get(key);
    if (known !== undefined) return known;
    const proc: Proc = {
      host,
      guid: this.newGuid(host, startedAt),
      pid: this.newPid(host),
      image,
      cmd,
      who,
      hashes: this.world.fleetHashes(image),
      cwd: 'C:\\Windows\\system32\\',
    };
    this.state.running.set(key, proc);
    return proc;
  }

  private header(host: Host, eventId: number): SystemHeader {
    return {
      provider: 'Microsoft-Windows-Sysmon',
      providerGuid: SYSMON_GUID,
      eventId,
      version: SYSMON_VERSIONS[eventId] ?? 2,
      level: 4,
      task: eventId,
      keywords: '0x8000000000000000',
      channel: SYSMON_CHANNEL,
      computer: host.name,
      processId: host.sysmonPid,
      threadId: this.r.int(1000, 9000) * 4,
      userId: 'S-1-5-18',
    };
  }

  private emit(host: Host, at: number, s: SystemHeader, data: JsonObject, section?: 'UserData'): void {
    this.state.timeline.add({
      time: at,
      layer: 'windows',
      story: this.label,
      record: evtxRecord(at, s, data, section),
      host: host.name,
      channel: s.channel,
      eventId: s.eventId,
    });
  }

  private sysmon(host: Host, at: number, eventId: number, data: JsonObject): void {
    this.emit(host, at, this.header(host, eventId), { RuleName: '-', UtcTime: utcTime(at), ...data });
  }

  /** Starts a process: Sysmon 1, and Security 4688 where the host audits process creation. */
  spawn(at: number, parent: Proc, image: string, cmd: string, o: SpawnOptions = {}): Proc {
    const host = parent.host;
    const who = o.who ?? parent.who;
    const proc: Proc = {
      host,
      guid: this.newGuid(host, at),
      pid: this.newPid(host),
      image,
      cmd,
      who,
      hashes: o.hashes ?? this.world.fleetHashes(image),
      cwd: o.cwd ?? parent.cwd,
    };
    const meta = o.meta ?? peMeta(image);
    this.sysmon(host, at, 1, {
      ProcessGuid: proc.guid,
      ProcessId: proc.pid,
      Image: image,
      FileVersion: meta.FileVersion,
      Description: meta.Description,
      Product: meta.Product,
      Company: meta.Company,
      OriginalFileName: meta.OriginalFileName,
      CommandLine: cmd,
      CurrentDirectory: proc.cwd,
      User: who.user,
      LogonGuid: who.logonGuid,
      LogonId: who.logonId,
      TerminalSessionId: who.session,
      IntegrityLevel: who.integrity,
      Hashes: proc.hashes,
      ParentProcessGuid: parent.guid,
      ParentProcessId: parent.pid,
      ParentImage: parent.image,
      ParentCommandLine: parent.cmd,
      ParentUser: parent.who.user,
    });
    if (host.audits4688) this.security4688(at, proc, parent);
    return proc;
  }

  private security(host: Host, at: number, eventId: number, data: JsonObject): void {
    this.emit(
      host,
      at,
      {
        provider: 'Microsoft-Windows-Security-Auditing',
        providerGuid: SECURITY_GUID,
        eventId,
        version: 2,
        level: 0,
        task: eventId === 4624 ? 12544 : 13312,
        keywords: '0x8020000000000000',
        channel: 'Security',
        computer: host.name,
        processId: 4 * (150 + (host.sysmonPid % 50)),
        threadId: this.r.int(100, 3000) * 4,
        userId: null,
      },
      data,
    );
  }

  private security4688(at: number, proc: Proc, parent: Proc): void {
    const who = proc.who;
    const label = { Low: 'S-1-16-4096', Medium: 'S-1-16-8192', High: 'S-1-16-12288', System: 'S-1-16-16384' };
    this.security(proc.host, at, 4688, {
      SubjectUserSid: parent.who.sid,
      SubjectUserName: who.session === 0 && who.domain === 'NT AUTHORITY' ? `${proc.host.short}$` : who.name,
      SubjectDomainName: who.domain === 'NT AUTHORITY' ? this.world.netbios : who.domain,
      SubjectLogonId: who.logonId,
      NewProcessId: hex(proc.pid),
      NewProcessName: proc.image,
      TokenElevationType: who.integrity === 'Medium' ? '%%1938' : who.session === 0 ? '%%1936' : '%%1937',
      ProcessId: hex(parent.pid),
      CommandLine: proc.cmd,
      TargetUserSid: 'S-1-0-0',
      TargetUserName: '-',
      TargetDomainName: '-',
      TargetLogonId: '0x0',
      ParentProcessName: parent.image,
      MandatoryLabel: label[who.integrity],
    });
  }

  /** Sysmon 11: the process creates a file. */
  file(at: number, proc: Proc, path: string): void {
    this.sysmon(proc.host, at, 11, {
      ProcessGuid: proc.guid,
      ProcessId: proc.pid,
      Image: proc.image,
      TargetFilename: path,
      CreationUtcTime: utcTime(at),
      User: proc.who.user,
    });
  }

  /** Sysmon 11 for a file written over SMB: the kernel (System, PID 4) creates it. */
  fileBySystem(at: number, host: Host, path: string): void {
    this.sysmon(host, at, 11, {
      ProcessGuid: logonGuidOf(host, this.state.bootTime(host), '0x3eb').replace('-0020', '-0010'),
      ProcessId: 4,
      Image: 'System',
      TargetFilename: path,
      CreationUtcTime: utcTime(at),
      User: 'NT AUTHORITY\\SYSTEM',
    });
  }

  /** Sysmon 3: an outbound TCP connection. */
  connect(at: number, proc: Proc, dst: { ip: string; port: number; hostname?: string }): void {
    const portName: Readonly<Record<number, string>> = {
      443: 'https',
      80: 'http',
      445: 'microsoft-ds',
      587: 'submission',
      53: 'domain',
      389: 'ldap',
      88: 'kerberos',
    };
    this.sysmon(proc.host, at, 3, {
      ProcessGuid: proc.guid,
      ProcessId: proc.pid,
      Image: proc.image,
      User: proc.who.user,
      Protocol: 'tcp',
      Initiated: true,
      SourceIsIpv6: false,
      SourceIp: proc.host.ip,
      SourceHostname: proc.host.name,
      SourcePort: this.r.int(49152, 65535),
      SourcePortName: '-',
      DestinationIsIpv6: false,
      DestinationIp: dst.ip,
      DestinationHostname: dst.hostname ?? '-',
      DestinationPort: dst.port,
      DestinationPortName: portName[dst.port] ?? '-',
    });
  }

  /** Sysmon 22: a DNS lookup and its A records. */
  dns(at: number, proc: Proc, name: string, answers: readonly string[]): void {
    this.sysmon(proc.host, at, 22, {
      ProcessGuid: proc.guid,
      ProcessId: proc.pid,
      QueryName: name,
      QueryStatus: '0',
      QueryResults: answers.map((a) => `::ffff:${a};`).join(''),
      Image: proc.image,
      User: proc.who.user,
    });
  }

  /** Sysmon 13: a registry value is set. */
  registry(at: number, proc: Proc, key: string, details: string): void {
    this.sysmon(proc.host, at, 13, {
      EventType: 'SetValue',
      ProcessGuid: proc.guid,
      ProcessId: proc.pid,
      Image: proc.image,
      TargetObject: key,
      Details: details,
      User: proc.who.user,
    });
  }

  /** Security 4624: a successful logon on `host`. */
  logon(
    at: number,
    host: Host,
    who: Identity,
    o: { type: 2 | 3 | 5 | 7 | 10 | 11; ip: string; workstation: string; kerberos?: boolean },
  ): void {
    const network = o.type === 3;
    const kerberos = o.kerberos ?? o.type !== 10;
    this.security(host, at, 4624, {
      SubjectUserSid: network ? 'S-1-0-0' : 'S-1-5-18',
      SubjectUserName: network ? '-' : `${host.short}$`,
      SubjectDomainName: network ? '-' : this.world.netbios,
      SubjectLogonId: network ? '0x0' : '0x3e7',
      TargetUserSid: who.sid,
      TargetUserName: who.name,
      TargetDomainName: who.domain,
      TargetLogonId: who.logonId,
      LogonType: o.type,
      LogonProcessName: kerberos ? 'Kerberos' : o.type === 10 || o.type === 2 ? 'User32 ' : 'NtLmSsp ',
      AuthenticationPackageName: kerberos ? 'Kerberos' : 'Negotiate',
      WorkstationName: o.workstation,
      LogonGuid: kerberos ? `{${who.logonGuid}}` : '{00000000-0000-0000-0000-000000000000}',
      TransmittedServices: '-',
      LmPackageName: '-',
      KeyLength: 0,
      ProcessId: network ? '0x0' : hex(4 * (150 + (host.sysmonPid % 50))),
      ProcessName: network ? '-' : 'C:\\Windows\\System32\\svchost.exe',
      IpAddress: o.ip,
      IpPort: o.ip === '-' ? '-' : String(this.r.int(49152, 65535)),
      ImpersonationLevel: '%%1833',
      RestrictedAdminMode: o.type === 10 ? '%%1843' : '-',
      TargetOutboundUserName: '-',
      TargetOutboundDomainName: '-',
      VirtualAccount: '%%1843',
      TargetLinkedLogonId: '0x0',
      ElevatedToken: who.integrity === 'Medium' ? '%%1843' : '%%1842',
    });
  }

  /** TerminalServices-LocalSessionManager 21: a Remote Desktop session logon, with its source. */
  rdpSession(at: number, host: Host, who: Identity, address: string): void {
    this.emit(
      host,
      at,
      {
        provider: 'Microsoft-Windows-TerminalServices-LocalSessionManager',
        providerGuid: '5D896912-022D-40AA-A3A8-4FA5515C76D7',
        eventId: 21,
        version: 0,
        level: 4,
        task: 0,
        keywords: '0x1000000000000000',
        channel: 'Microsoft-Windows-TerminalServices-LocalSessionManager/Operational',
        computer: host.name,
        processId: 4 * (200 + (host.sysmonPid % 40)),
        threadId: this.r.int(100, 3000) * 4,
        userId: 'S-1-5-18',
      },
      {
        EventXML: {
          '#attributes': { xmlns: 'Event_NS' },
          User: who.user,
          SessionID: who.session,
          Address: address,
        },
      },
      'UserData',
    );
  }
}
