import type { JsonObject } from '../../ingest/types.js';
import { parseSyslog, syslogToEvent } from '../../ingest/syslog-format/index.js';
import type { Rng } from '../prng.js';
import type { Timeline } from '../timeline.js';
import type { Host } from '../world.js';
import { evtxRecord, utcTime } from './evtx.js';

export const LINUX_SYSMON_CHANNEL = 'Linux-Sysmon/Operational';

export interface LinuxProc {
  readonly host: Host;
  readonly guid: string;
  readonly pid: number;
  readonly image: string;
  readonly cmd: string;
  readonly user: string;
  readonly uid: number;
  readonly cwd: string;
}

/** PIDs and GUIDs in use, shared by every labelled view. */
export class LinuxState {
  readonly pids = new Map<Host, number>();
  readonly guids = new Set<string>();

  constructor(readonly timeline: Timeline) {}
}

const FACILITY: Readonly<Record<string, number>> = {
  kern: 0,
  user: 1,
  daemon: 3,
  auth: 4,
  authpriv: 10,
  cron: 9,
};
const SEVERITY: Readonly<Record<string, number>> = { err: 3, warning: 4, notice: 5, info: 6, debug: 7 };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An RFC 5424 or RFC 3164 line, as the host's rsyslog is set up to write. */
export function syslogLine(
  host: Host,
  at: number,
  m: { facility: string; severity: string; app: string; pid: number | null; message: string },
): string {
  const pri = (FACILITY[m.facility] ?? 1) * 8 + (SEVERITY[m.severity] ?? 6);
  if (host.syslogFormat === 'rfc5424') {
    const time = new Date(at).toISOString().replace('Z', '+00:00');
    return `<${pri}>1 ${time} ${host.name} ${m.app} ${m.pid ?? '-'} - - ${m.message}`;
  }
  const d = new Date(at);
  const day = String(d.getUTCDate()).padStart(2, ' ');
  const clock = d.toISOString().slice(11, 19);
  const tag = m.pid === null ? m.app : `${m.app}[${m.pid}]`;
  return `<${pri}>${MONTHS[d.getUTCMonth()]} ${day} ${clock} ${host.name} ${tag}: ${m.message}`;
}

/**
 * Linux telemetry for one label: Sysmon for Linux process events (rendered like Windows events,
 * which Vigil's mappings read) and syslog, as lines and as the events Vigil's syslog listener
 * makes of them.
 */
export class LinuxSensor {
  constructor(
    private readonly state: LinuxState,
    private readonly r: Rng,
    readonly label: string | null,
  ) {}

  private newPid(host: Host): number {
    const next =
      (this.state.pids.get(host) ?? 1000 + (Number.parseInt(host.machineId, 16) % 20000)) + this.r.int(1, 40);
    this.state.pids.set(host, next);
    return next;
  }

  private newGuid(host: Host, at: number): string {
    const secs = Math.floor(at / 1000)
      .toString(16)
      .padStart(8, '0')
      .toUpperCase();
    for (;;) {
      const g = `${host.machineId}-${secs.slice(4)}-${secs.slice(0, 4)}-${this.r.hex(4).toUpperCase()}-${this.r.hex(8).toUpperCase()}0000`;
      if (!this.state.guids.has(g)) {
        this.state.guids.add(g);
        return g;
      }
    }
  }

  /** A process that was running before the scenario began. */
  running(host: Host, image: string, cmd: string, user: string, uid: number, startedAt: number): LinuxProc {
    return {
      host,
      guid: this.newGuid(host, startedAt),
      pid: this.newPid(host),
      image,
      cmd,
      user,
      uid,
      cwd: '/',
    };
  }

  /** Sysmon for Linux event 1: a process starts. */
  exec(
    at: number,
    parent: LinuxProc,
    image: string,
    cmd: string,
    o: { user?: string; uid?: number; cwd?: string } = {},
  ): LinuxProc {
    const host = parent.host;
    const proc: LinuxProc = {
      host,
      guid: this.newGuid(host, at),
      pid: this.newPid(host),
      image,
      cmd,
      user: o.user ?? parent.user,
      uid: o.uid ?? parent.uid,
      cwd: o.cwd ?? parent.cwd,
    };
    const data: JsonObject = {
      RuleName: '-',
      UtcTime: utcTime(at),
      ProcessGuid: proc.guid,
      ProcessId: proc.pid,
      Image: image,
      FileVersion: '-',
      Description: '-',
      Product: '-',
      Company: '-',
      OriginalFileName: '-',
      CommandLine: cmd,
      CurrentDirectory: proc.cwd,
      User: proc.user,
      LogonGuid: `${host.machineId}-0000-0000-${proc.uid.toString(16).padStart(4, '0').toUpperCase()}-000000000000`,
      LogonId: proc.uid,
      TerminalSessionId: proc.uid === 0 ? 4294967295 : 3,
      IntegrityLevel: 'no level',
      Hashes: '-',
      ParentProcessGuid: parent.guid,
      ParentProcessId: parent.pid,
      ParentImage: parent.image,
      ParentCommandLine: parent.cmd,
      ParentUser: parent.user,
    };
    const record = evtxRecord(
      at,
      {
        provider: 'Linux-Sysmon',
        providerGuid: 'FF032593-A8D3-4F13-B0D6-01FC615A0F97',
        eventId: 1,
        version: 5,
        level: 4,
        task: 1,
        keywords: '0x8000000000000000',
        channel: LINUX_SYSMON_CHANNEL,
        computer: host.name,
        processId: host.sysmonPid,
        threadId: host.sysmonPid,
        userId: '0',
      },
      data,
    );
    this.state.timeline.add({
      time: at,
      layer: 'linux',
      story: this.label,
      record,
      host: host.name,
      channel: LINUX_SYSMON_CHANNEL,
      eventId: 1,
    });
    return proc;
  }

  /** One syslog message from the host. */
  syslog(
    at: number,
    host: Host,
    m: { facility: string; severity?: string; app: string; pid: number | null; message: string },
  ): void {
    // RFC 3164 keeps whole seconds: the event's time is what its line says.
    if (host.syslogFormat === 'rfc3164') at -= at % 1000;
    const line = syslogLine(host, at, { severity: 'info', ...m });
    const parsed = parseSyslog(line, { receivedAt: at + 200 });
    if (!parsed.ok) throw new Error(`generated an unreadable syslog line: ${parsed.error}`);
    this.state.timeline.add({
      time: at,
      layer: 'syslog',
      story: this.label,
      record: syslogToEvent(parsed.value) as JsonObject,
      raw: line,
      host: host.name,
      channel: null,
      eventId: null,
    });
  }

  /** A PID for a daemon's syslog tag (sshd, CRON) that is not a process we report. */
  pid(host: Host): number {
    return this.newPid(host);
  }
}
