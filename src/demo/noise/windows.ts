import type { Identity, Proc } from '../sensors/windows.js';
import type { Account, Host } from '../world.js';
import type { Destination } from './destinations.js';
import { min, sec, type NoiseContext } from './context.js';

const SYS32 = 'C:\\Windows\\System32';
const DEFENDER = 'C:\\ProgramData\\Microsoft\\Windows Defender\\Platform\\4.18.23110.3-0';

interface App {
  readonly image: (user: string) => string;
  readonly args: string;
  readonly dest: 'browser' | 'office' | 'teams' | 'dev' | null;
  readonly files: ((user: string, r: NoiseContext['r']) => string) | null;
  readonly weight: number;
}

const DOCS = ['report', 'budget', 'minutes', 'proposal', 'invoice', 'roadmap', 'contract', 'summary', 'plan'];
const docName = (r: NoiseContext['r'], ext: string) =>
  `${r.pick(DOCS)}_${r.int(2019, 2025)}_${r.int(1, 99)}.${ext}`;

const APPS: readonly App[] = [
  {
    image: () => 'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
    args: '',
    dest: 'browser',
    files: (u, r) => `C:\\Users\\${u}\\Downloads\\${docName(r, r.pick(['pdf', 'xlsx', 'docx', 'png']))}`,
    weight: 5,
  },
  {
    image: () => 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
    args: ' --profile-directory=Default',
    dest: 'browser',
    files: (u, r) => `C:\\Users\\${u}\\Downloads\\${docName(r, 'pdf')}`,
    weight: 3,
  },
  {
    image: () => 'C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE',
    args: '',
    dest: 'office',
    files: (u, r) =>
      `C:\\Users\\${u}\\AppData\\Local\\Microsoft\\Windows\\INetCache\\Content.Outlook\\${r.upper(8)}\\${docName(r, r.pick(['pdf', 'docx']))}`,
    weight: 4,
  },
  {
    image: () => 'C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE',
    args: ' /n',
    dest: 'office',
    files: (u, r) => `C:\\Users\\${u}\\Documents\\${docName(r, 'docx')}`,
    weight: 3,
  },
  {
    image: () => 'C:\\Program Files\\Microsoft Office\\root\\Office16\\EXCEL.EXE',
    args: '',
    dest: 'office',
    files: (u, r) => `C:\\Users\\${u}\\Documents\\${docName(r, 'xlsx')}`,
    weight: 2,
  },
  {
    image: () =>
      'C:\\Program Files\\WindowsApps\\MSTeams_23335.219.2592.8659_x64__8wekyb3d8bbwe\\ms-teams.exe',
    args: '',
    dest: 'teams',
    files: null,
    weight: 3,
  },
  {
    image: (u) => `C:\\Users\\${u}\\AppData\\Local\\Programs\\Microsoft VS Code\\Code.exe`,
    args: '',
    dest: 'dev',
    files: null,
    weight: 1,
  },
  {
    image: () => 'C:\\Program Files (x86)\\Adobe\\Acrobat Reader DC\\Reader\\AcroRd32.exe',
    args: '',
    dest: null,
    files: null,
    weight: 1,
  },
  {
    image: () => `${SYS32}\\notepad.exe`,
    args: '',
    dest: null,
    files: (u, r) => `C:\\Users\\${u}\\Documents\\notes-${r.int(1, 40)}.txt`,
    weight: 1,
  },
];

const SERVICE_CHILDREN: readonly (readonly [
  string,
  string,
  'SYSTEM' | 'NETWORK SERVICE' | 'LOCAL SERVICE',
])[] = [
  [`${SYS32}\\svchost.exe`, `${SYS32}\\svchost.exe -k netsvcs -p -s BITS`, 'SYSTEM'],
  [`${SYS32}\\svchost.exe`, `${SYS32}\\svchost.exe -k netsvcs -p -s wuauserv`, 'SYSTEM'],
  [`${SYS32}\\svchost.exe`, `${SYS32}\\svchost.exe -k LocalSystemNetworkRestricted -p -s SysMain`, 'SYSTEM'],
  [`${SYS32}\\svchost.exe`, `${SYS32}\\svchost.exe -k NetworkService -p -s DnsCache`, 'NETWORK SERVICE'],
  [`${SYS32}\\sppsvc.exe`, `${SYS32}\\sppsvc.exe`, 'NETWORK SERVICE'],
  [`C:\\Windows\\servicing\\TrustedInstaller.exe`, `C:\\Windows\\servicing\\TrustedInstaller.exe`, 'SYSTEM'],
];

const TASK_CHILDREN: readonly (readonly [string, string])[] = [
  [
    `${SYS32}\\CompatTelRunner.exe`,
    `${SYS32}\\CompatTelRunner.exe -m:appraiser.dll -f:DoScheduledTelemetryRun`,
  ],
  [`${SYS32}\\taskhostw.exe`, 'taskhostw.exe Install $(Arg0)'],
  [`${SYS32}\\wbem\\WmiPrvSE.exe`, `${SYS32}\\wbem\\wmiprvse.exe -secured -Embedding`],
  [
    `${SYS32}\\SearchProtocolHost.exe`,
    `${SYS32}\\SearchProtocolHost.exe Global\\UsGthrFltPipeMssGthrPipe1_ Global\\UsGthrCtrlFltPipeMssGthrPipe1 1 -2147483646 "Software\\Microsoft\\Windows Search" "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT; MS Search 4.0 Robot)" "C:\\ProgramData\\Microsoft\\Search\\Data\\Temp\\usgthrsvc" "DownLevelDaemon"`,
  ],
  [
    `C:\\Windows\\WinSxS\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.19041.3745_none_7e4d7b2a8a0d7c3e\\TiWorker.exe`,
    `C:\\Windows\\winsxs\\amd64_microsoft-windows-servicingstack_31bf3856ad364e35_10.0.19041.3745_none_7e4d7b2a8a0d7c3e\\TiWorker.exe -Embedding`,
  ],
  [`${DEFENDER}\\MpCmdRun.exe`, `"${DEFENDER}\\MpCmdRun.exe" -IdleTask -TaskName WdCacheMaintenance`],
];

const PREFETCHED = [
  'CHROME.EXE',
  'SVCHOST.EXE',
  'OUTLOOK.EXE',
  'TEAMS.EXE',
  'CONHOST.EXE',
  'DLLHOST.EXE',
  'TASKHOSTW.EXE',
];

interface UserDesk {
  readonly account: Account;
  readonly who: Identity;
  readonly explorer: Proc;
  readonly apps: Map<App, Proc>;
}

/**
 * One Windows host's ordinary day: the operating system's services on every host; on a
 * workstation no story holds, its user logging on (with the logon script) and working.
 */
export class WindowsDesk {
  private readonly sys: Identity;
  private readonly services: Proc;
  private readonly svchost: Proc;
  private readonly netsvc: Proc;
  private readonly msmpeng: Proc;
  private readonly taskhost: Proc;
  private user: UserDesk | null = null;

  constructor(
    private readonly ctx: NoiseContext,
    readonly host: Host,
    private readonly account: Account | null,
  ) {
    const { win } = ctx;
    const boot = ctx.start - 2 * 86_400_000;
    this.sys = win.builtin(host, 'SYSTEM');
    this.services = win.running(
      host,
      `${SYS32}\\services.exe`,
      `C:\\Windows\\system32\\services.exe`,
      this.sys,
      boot,
    );
    this.svchost = win.running(
      host,
      `${SYS32}\\svchost.exe`,
      `${SYS32}\\svchost.exe -k netsvcs -p`,
      this.sys,
      boot,
    );
    this.taskhost = win.running(
      host,
      `${SYS32}\\svchost.exe`,
      `${SYS32}\\svchost.exe -k netsvcs -p -s Schedule`,
      this.sys,
      boot,
    );
    this.netsvc = win.running(
      host,
      `${SYS32}\\svchost.exe`,
      `${SYS32}\\svchost.exe -k NetworkService -p -s Dnscache`,
      win.builtin(host, 'NETWORK SERVICE'),
      boot,
    );
    this.msmpeng = win.running(
      host,
      `${DEFENDER}\\MsMpEng.exe`,
      `"${DEFENDER}\\MsMpEng.exe"`,
      this.sys,
      boot,
    );
  }

  /** A server's routine: a scheduled task runs and Defender checks in, a steady baseline. */
  heartbeat(t: number): void {
    const { win, r, dest } = this.ctx;
    const [image, cmd] = r.pick(TASK_CHILDREN);
    win.spawn(t, this.taskhost, image, cmd, { who: this.sys });
    const d = r.pick(dest.defender);
    win.connect(t + r.int(1, 60) * sec, this.msmpeng, { ip: r.pick(d.ips), port: d.port });
  }

  get hasUser(): boolean {
    return this.account !== null;
  }

  private reach(t: number, proc: Proc, d: Destination, viaNetwork: boolean): void {
    const { win, flat, r } = this.ctx;
    const ip = r.pick(d.ips);
    if (r.chance(0.5)) win.dns(t, proc, d.domain, d.ips);
    else win.connect(t + r.int(20, 400), proc, { ip, port: d.port });
    if (viaNetwork && r.chance(0.3))
      flat.conn(
        t + 500,
        this.host,
        { ip, port: d.port },
        { out: r.int(800, 40_000), in: r.int(2_000, 900_000) },
      );
  }

  /** What the operating system does by itself. */
  os(t: number): void {
    const { win, r, dest } = this.ctx;
    const host = this.host;
    switch (
      r.weighted<number>([
        [3, 0],
        [3, 1],
        [2, 2],
        [2, 3],
        [1, 4],
        [1, 5],
      ])
    ) {
      case 0: {
        const [image, cmd, who] = r.pick(SERVICE_CHILDREN);
        win.spawn(t, this.services, image, cmd, { who: win.builtin(host, who) });
        break;
      }
      case 1: {
        const [image, cmd] = r.pick(TASK_CHILDREN);
        win.spawn(t, this.taskhost, image, cmd, { who: this.sys });
        break;
      }
      case 2:
        this.reach(t, this.netsvc, r.pick(dest.windows), true);
        break;
      case 3:
        this.reach(
          t,
          r.chance(0.5) ? this.msmpeng : this.svchost,
          r.pick(r.chance(0.5) ? dest.defender : dest.windows),
          false,
        );
        break;
      case 4:
        if (r.chance(0.6))
          win.file(
            t,
            this.svchost,
            `C:\\Windows\\Prefetch\\${r.pick(PREFETCHED)}-${r.hex(8).toUpperCase()}.pf`,
          );
        else
          win.file(
            t,
            this.msmpeng,
            `C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\History\\Service\\DetectionHistory\\${r.int(0, 9)}\\${r.hex(32).toUpperCase()}`,
          );
        break;
      default:
        if (r.chance(0.3))
          win.registry(
            t,
            this.services,
            `HKLM\\System\\CurrentControlSet\\Services\\${r.pick(['BITS', 'wuauserv', 'TrustedInstaller', 'sppsvc', 'UsoSvc'])}\\Start`,
            `DWORD (0x0000000${r.pick([2, 3])})`,
          );
        else if (r.chance(0.5))
          win.registry(
            t,
            this.msmpeng,
            'HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates\\SignaturesLastUpdated',
            `Binary Data`,
          );
        else
          win.registry(
            t,
            this.svchost,
            `HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\WindowsUpdate\\Orchestrator\\UScheduler\\${r.int(10000, 99999)}\\LastRunTime`,
            `QWORD (0x${r.hex(8)}-0x${r.hex(8)})`,
          );
    }
  }

  /** The user logs on: logon event, userinit, the domain's logon script (reg.exe), explorer. */
  private logOn(t: number): UserDesk {
    const { win, world } = this.ctx;
    const account = this.account!;
    const who = win.session(this.host, account, t);
    win.logon(t, this.host, who, { type: 2, ip: '127.0.0.1', workstation: this.host.short });
    const winlogon = win.running(
      this.host,
      `${SYS32}\\winlogon.exe`,
      'winlogon.exe',
      this.sys,
      t - 86_400_000,
    );
    const userinit = win.spawn(t + 2 * sec, winlogon, `${SYS32}\\userinit.exe`, `${SYS32}\\userinit.exe`, {
      who,
    });
    const script = win.spawn(
      t + 3 * sec,
      userinit,
      `${SYS32}\\cmd.exe`,
      `C:\\Windows\\system32\\cmd.exe /c "\\\\${world.dnsDomain}\\NETLOGON\\netlogon.bat"`,
      { who },
    );
    win.spawn(
      t + 4 * sec,
      script,
      `${SYS32}\\reg.exe`,
      `reg  add "HKCU\\Software\\${world.netbios}\\Inventory" /v LastLogon /t REG_SZ /d "${new Date(t).toISOString().slice(0, 10)}" /f`,
      { who },
    );
    const explorer = win.spawn(
      t + 8 * sec,
      userinit,
      'C:\\Windows\\explorer.exe',
      'C:\\Windows\\Explorer.EXE',
      { who },
    );
    return { account, who, explorer, apps: new Map() };
  }

  private app(t: number, u: UserDesk): [App, Proc] {
    const { win, r } = this.ctx;
    const app = r.weighted(APPS.map((a) => [a.weight, a] as const));
    let proc = u.apps.get(app);
    if (proc === undefined || r.chance(0.04)) {
      const image = app.image(u.account.name);
      proc = win.spawn(t - r.int(2, 120) * sec, u.explorer, image, `"${image}"${app.args}`, {
        who: u.who,
        cwd: `C:\\Users\\${u.account.name}\\`,
      });
      u.apps.set(app, proc);
    }
    return [app, proc];
  }

  /** The workstation's user at work. */
  work(t: number): void {
    const { win, r, dest } = this.ctx;
    const u = (this.user ??= this.logOn(t - 5 * min));
    const [app, proc] = this.app(t, u);
    const choice = r.weighted<number>([
      [4, 0],
      [3, 1],
      [1, 2],
    ]);
    if (choice === 0 && app.dest !== null) this.reach(t, proc, r.pick(dest[app.dest]), true);
    else if (choice === 1 && app.files !== null) win.file(t, proc, app.files(u.account.name, r));
    else if (choice === 2)
      win.registry(
        t,
        u.explorer,
        `HKU\\${u.who.sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs\\.${r.pick(['pdf', 'docx', 'xlsx'])}\\${r.int(0, 30)}`,
        'Binary Data',
      );
  }

  /** An administrator adds a Run value for a normal program with reg.exe: a benign alert. */
  adminRunKey(t: number, admin: Account, from: Host): void {
    const { win, r } = this.ctx;
    const who = win.elevated(win.session(this.host, admin, t, true, 2));
    win.logon(t, this.host, who, { type: 10, ip: from.ip, workstation: from.short });
    const explorer = win.running(
      this.host,
      'C:\\Windows\\explorer.exe',
      'C:\\Windows\\Explorer.EXE',
      who,
      t + 10 * sec,
    );
    const cmd = win.spawn(t + 40 * sec, explorer, `${SYS32}\\cmd.exe`, '"C:\\Windows\\system32\\cmd.exe"');
    const [name, path] = r.pick([
      ['GlobalProtect', 'C:\\Program Files\\Palo Alto Networks\\GlobalProtect\\PanGPA.exe'],
      ['Greenshot', 'C:\\Program Files\\Greenshot\\Greenshot.exe'],
      ['ZoomLauncher', 'C:\\Program Files\\Zoom\\bin\\Zoom.exe'],
      ['PrinterTray', 'C:\\Program Files\\Kyocera\\StatusMonitor\\KmStatusMon.exe'],
    ] as const);
    const reg = win.spawn(
      t + 70 * sec,
      cmd,
      `${SYS32}\\reg.exe`,
      `reg  add "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run" /v ${name} /t REG_SZ /d "\\"${path}\\"" /f`,
    );
    win.registry(
      t + 71 * sec,
      reg,
      `HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\${name}`,
      `"${path}"`,
    );
  }
}

/** Logons the domain controller and file servers record for the fleet's users and machines. */
export function domainLogon(
  ctx: NoiseContext,
  t: number,
  server: Host,
  client: Host,
  account: Account,
): void {
  const who = ctx.win.session(server, account, t);
  ctx.win.logon(t, server, who, { type: 3, ip: client.ip, workstation: '-', kerberos: true });
}
