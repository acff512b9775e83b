import { createHash } from 'node:crypto';
import { Rng } from './prng.js';

export type HostRole = 'dc' | 'server' | 'workstation' | 'ci' | 'linux-server';

export interface Host {
  /** As the host's events name it: Windows' Computer (FQDN), the Linux hostname. */
  readonly name: string;
  /** NetBIOS or short name. */
  readonly short: string;
  readonly ip: string;
  readonly os: 'windows' | 'linux';
  readonly role: HostRole;
  /** Writes Security 4688 with command lines, besides Sysmon. */
  readonly audits4688: boolean;
  /** First block of its Sysmon GUIDs. */
  readonly machineId: string;
  readonly sysmonPid: number;
  readonly syslogFormat: 'rfc5424' | 'rfc3164';
}

export interface Account {
  readonly name: string;
  /** NetBIOS domain for Windows accounts; '' for Linux ones. */
  readonly domain: string;
  readonly sid: string;
  readonly uid: number;
}

const ORGS = [
  'acme',
  'northwind',
  'globex',
  'initech',
  'tailspin',
  'wingtip',
  'litware',
  'fabrikam',
  'vandelay',
];
const FIRST = [
  'alice', 'bruno', 'chloe', 'daniel', 'elena', 'farid', 'grace', 'hugo', 'ines', 'jonas', 'kenji', 'lea',
  'marta', 'nadia', 'oscar', 'priya', 'quentin', 'rosa', 'samir', 'tomas', 'ursula', 'victor', 'wen', 'yara',
  'zoe', 'amir', 'bianca', 'carlos', 'dmitri', 'emma', 'felix', 'hana', 'ivan', 'julia', 'karim', 'lucas',
  'mei', 'nils', 'olga', 'pablo', 'sofia', 'theo', 'lina', 'marc', 'anna', 'paul', 'sara', 'omar',
]; // prettier-ignore
const LAST = [
  'martin', 'bernard', 'dubois', 'lefevre', 'moreau', 'chen', 'wang', 'lin', 'huang', 'tanaka', 'sato',
  'muller', 'schmidt', 'rossi', 'ferrari', 'garcia', 'lopez', 'silva', 'santos', 'novak', 'kowalski',
  'nielsen', 'jensen', 'smith', 'jones', 'brown', 'taylor', 'wilson', 'evans', 'walker', 'khan', 'ali',
  'ivanova', 'petrov', 'haddad', 'nguyen', 'tran', 'kim', 'park', 'lee', 'costa', 'meyer', 'weber',
]; // prettier-ignore
const SERVERS = [
  'FS01',
  'SQL01',
  'APP01',
  'WEB01',
  'BKP01',
  'PRN01',
  'EXCH01',
  'FS02',
  'SQL02',
  'APP02',
  'RDS01',
];
const LINUX = [
  'ci-01',
  'ci-02',
  'web-01',
  'db-01',
  'mon-01',
  'git-01',
  'web-02',
  'ci-03',
  'db-02',
  'proxy-01',
];
/** How the seed's organisation names its workstations. */
const WORKSTATION_NAMES: readonly ((i: number, r: Rng, org: string) => string)[] = [
  (i) => `WS${String(i + 1).padStart(3, '0')}`,
  (i) => `LT-${String(i + 101)}`,
  (i, _r, org) => `${org.slice(0, 3).toUpperCase()}-PC${String(i + 1).padStart(2, '0')}`,
  (_i, r) => `DESKTOP-${r.upper(7)}`,
];

export interface FleetShape {
  readonly windows: number;
  readonly servers: number;
  readonly workstations: number;
  readonly linux: number;
}

/** How a fleet of `hosts` machines splits: about a fifth Linux, a quarter of Windows servers. */
export function fleetShape(hosts: number): FleetShape {
  const linux = Math.max(2, Math.round(hosts * 0.2));
  const windows = hosts - linux;
  const servers = Math.min(SERVERS.length, Math.max(3, Math.round((windows - 1) * 0.25)));
  return { windows, servers, workstations: windows - 1 - servers, linux };
}

/**
 * The network a scenario plays on: its hosts, accounts and the addresses they use. Stories
 * reserve hosts and accounts first; the background uses only what is left (and, on a story's
 * hosts, only the operating system's own activity), so noise shares nothing rare with a story.
 */
export class World {
  readonly org: string;
  readonly netbios: string;
  readonly dnsDomain: string;
  readonly domainSid: string;
  readonly hosts: Host[] = [];
  readonly dc: Host;
  /** Each workstation's everyday user. */
  readonly primaryUser = new Map<Host, Account>();
  readonly admins: Account[] = [];
  /** Linux login accounts (developers, operators). */
  readonly linuxUsers: Account[] = [];
  readonly reservedHosts = new Set<Host>();
  readonly reservedAccounts = new Set<Account>();
  private readonly usedIps = new Set<string>();
  private readonly usedNames = new Set<string>();
  private readonly site: number;
  private vpnNext: number;
  private rid = 1104;

  constructor(
    readonly seed: number,
    hostCount: number,
  ) {
    const r = Rng.stream(seed, 'world');
    this.org = r.pick(ORGS);
    this.netbios = this.org.toUpperCase().slice(0, 15);
    this.dnsDomain = `${this.org}.internal`;
    this.domainSid = `S-1-5-21-${r.int(1e9, 4e9)}-${r.int(1e9, 4e9)}-${r.int(1e9, 4e9)}`;
    this.site = r.int(1, 200);
    this.vpnNext = r.int(10, 60);
    const shape = fleetShape(hostCount);
    const naming = r.pick(WORKSTATION_NAMES);
    const addWindows = (short: string, role: HostRole, ip: string, audits: boolean): Host => {
      const host: Host = {
        name: `${short}.${this.dnsDomain}`,
        short,
        ip,
        os: 'windows',
        role,
        audits4688: audits,
        machineId: r.hex(8).toUpperCase(),
        sysmonPid: r.int(500, 4000) * 4,
        syslogFormat: 'rfc5424',
      };
      this.hosts.push(host);
      this.usedIps.add(ip);
      return host;
    };
    this.dc = addWindows('DC01', 'dc', `10.${this.site}.1.10`, true);
    for (let i = 0; i < shape.servers; i++)
      addWindows(SERVERS[i]!, 'server', `10.${this.site}.1.${20 + i}`, r.chance(0.6));
    const names = new Set<string>();
    for (let i = 0; i < shape.workstations; i++) {
      let short = naming(i, r, this.org);
      while (names.has(short)) short = `DESKTOP-${r.upper(7)}`;
      names.add(short);
      addWindows(short, 'workstation', `10.${this.site}.${20 + (i >> 7)}.${10 + (i & 127)}`, r.chance(0.15));
    }
    for (let i = 0; i < shape.linux; i++) {
      const name = LINUX[i % LINUX.length]! + (i >= LINUX.length ? `-${i}` : '');
      const ip = `10.${this.site}.2.${10 + i}`;
      this.usedIps.add(ip);
      this.hosts.push({
        name,
        short: name,
        ip,
        os: 'linux',
        role: name.startsWith('ci-') ? 'ci' : 'linux-server',
        audits4688: false,
        machineId: r.hex(8).toUpperCase(),
        sysmonPid: r.int(300, 3000),
        syslogFormat: r.chance(0.5) ? 'rfc5424' : 'rfc3164',
      });
    }
    const style = r.int(0, 1);
    const person = (): [string, string] => {
      for (;;) {
        const first = r.pick(FIRST);
        const last = r.pick(LAST);
        const name = style === 0 ? `${first}.${last}` : `${first[0]}${last}`;
        if (!this.usedNames.has(name)) {
          this.usedNames.add(name);
          return [name, `${first[0]}${last}`];
        }
      }
    };
    for (const h of this.hosts)
      if (h.role === 'workstation') this.primaryUser.set(h, this.account(person()[0]));
    for (let i = 0; i < 5; i++) this.admins.push(this.account(`adm-${person()[1]}`));
    let uid = 1001;
    for (let i = 0; i < 6; i++) this.linuxUsers.push({ name: person()[1], domain: '', sid: '', uid: uid++ });
  }

  private account(name: string): Account {
    const rid = this.rid++;
    return { name, domain: this.netbios, sid: `${this.domainSid}-${rid}`, uid: rid };
  }

  get windowsHosts(): Host[] {
    return this.hosts.filter((h) => h.os === 'windows');
  }

  get linuxHosts(): Host[] {
    return this.hosts.filter((h) => h.os === 'linux');
  }

  /** Takes a host for a story; null when none of that kind is left. */
  reserveHost(r: Rng, roles: readonly HostRole[]): Host | null {
    const free = this.hosts.filter((h) => roles.includes(h.role) && !this.reservedHosts.has(h));
    if (free.length === 0) return null;
    const h = r.pick(free);
    this.reservedHosts.add(h);
    return h;
  }

  reserveAccount(a: Account): Account {
    this.reservedAccounts.add(a);
    return a;
  }

  /** An administrator account no story or earlier caller holds. */
  reserveAdmin(r: Rng): Account | null {
    const free = this.admins.filter((a) => !this.reservedAccounts.has(a));
    return free.length === 0 ? null : this.reserveAccount(r.pick(free));
  }

  reserveLinuxUser(r: Rng): Account | null {
    const free = this.linuxUsers.filter((a) => !this.reservedAccounts.has(a));
    return free.length === 0 ? null : this.reserveAccount(r.pick(free));
  }

  /** An address no one else in the scenario uses, in one of the given /16s (or /8s). */
  freshIp(r: Rng, prefixes: readonly string[]): string {
    for (;;) {
      const p = r.pick(prefixes);
      const parts = p.split('.').length;
      let ip = p;
      for (let i = parts; i < 4; i++) ip += `.${i === 3 ? r.int(2, 250) : r.int(0, 255)}`;
      if (!this.usedIps.has(ip)) {
        this.usedIps.add(ip);
        return ip;
      }
    }
  }

  /** A remote-access (VPN pool) address for one story's intruder. */
  vpnAddress(): string {
    const ip = `10.${this.site}.250.${this.vpnNext++}`;
    this.usedIps.add(ip);
    return ip;
  }

  /** A domain name no one else in the scenario uses. */
  freshDomain(r: Rng, make: (r: Rng) => string): string {
    for (;;) {
      const d = make(r);
      if (!this.usedNames.has(d)) {
        this.usedNames.add(d);
        return d;
      }
    }
  }

  /** Sysmon's Hashes for a program every host shares (the same build fleet-wide, by file name). */
  fleetHashes(image: string): string {
    const name = image.slice(Math.max(image.lastIndexOf('\\'), image.lastIndexOf('/')) + 1);
    return hashesOf(`${this.seed}|fleet|${name.toLowerCase()}`);
  }
}

/** Sysmon's `MD5=..,SHA256=..,IMPHASH=..` for a file, derived from a label. */
export function hashesOf(label: string): string {
  const sha256 = createHash('sha256').update(label).digest('hex').toUpperCase();
  const md5 = createHash('md5').update(label).digest('hex').toUpperCase();
  const imphash = createHash('md5').update(`imports|${label}`).digest('hex').toUpperCase();
  return `MD5=${md5},SHA256=${sha256},IMPHASH=${imphash}`;
}

/** The SHA256 inside a Sysmon Hashes string. */
export function sha256Of(hashes: string): string {
  return /SHA256=([0-9A-F]{64})/.exec(hashes)?.[1] ?? '';
}
