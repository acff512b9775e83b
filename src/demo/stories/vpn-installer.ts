import { NO_META } from '../catalog.js';
import { c2Domain, Clock, need, SYS32, uniqueHashes, vpsIp, type Story, type StoryKit } from './kit.js';
import { RULES, SIGMA } from './rules.js';

const INSTALLERS = [
  'Windscribe_installer.exe',
  'Windscribe-setup-2.7.14.exe',
  'windscribe_vpn_setup.exe',
  'WindscribeInstaller_x64.exe',
];
const FOLDERS = ['Windscribe', 'WindscribeService', 'Microsoft\\Network\\Connections\\Cache', 'VPNHelper'];

/**
 * A user installs a VPN client from an unofficial site. The trojanised installer drops the real
 * installer, a backdoor (lscm.exe) and a VBS launcher (win.vbs); wscript starts the unsigned
 * backdoor from AppData, which looks around and calls out to its server.
 */
function play(kit: StoryKit) {
  const { r, world, win, flat } = kit;
  const host = need(world.reserveHost(r, ['workstation']), 'workstations');
  const account = world.reserveAccount(world.primaryUser.get(host)!);
  const u = account.name;
  const clock = new Clock(r, kit.start);
  const who = win.session(host, account, kit.start - r.int(30, 240) * 60_000);
  const explorer = win.running(
    host,
    'C:\\Windows\\explorer.exe',
    'C:\\Windows\\Explorer.EXE',
    who,
    kit.start - 3_600_000,
  );

  const name = r.pick(INSTALLERS);
  const downloaded = `C:\\Users\\${u}\\Downloads\\${name}`;
  const installer = win.spawn(clock.t, explorer, downloaded, `"${downloaded}"`, {
    who: win.elevated(who),
    hashes: uniqueHashes(kit, 'installer'),
    meta: {
      FileVersion: '2.7.14',
      Description: 'Windscribe Setup',
      Product: 'Windscribe',
      Company: '-',
      OriginalFileName: '-',
    },
    cwd: `C:\\Users\\${u}\\Downloads\\`,
  });
  const temp = `C:\\Users\\${u}\\AppData\\Local\\Temp\\is-${r.upper(5)}.tmp`;
  const drop = `C:\\Users\\${u}\\AppData\\Roaming\\${r.pick(FOLDERS)}`;
  win.file(clock.step(2, 5), installer, `${temp}\\Windscribe.exe`);
  win.file(clock.step(1, 3), installer, `${drop}\\lscm.exe`);
  win.file(clock.step(0, 2), installer, `${drop}\\win.vbs`);
  const wscript = win.spawn(
    clock.step(1, 4),
    installer,
    `${SYS32}\\wscript.exe`,
    `"${SYS32}\\WScript.exe" "${drop}\\win.vbs"`,
  );
  win.spawn(
    clock.step(1, 3),
    installer,
    `${temp}\\Windscribe.exe`,
    `"${temp}\\Windscribe.exe" /SILENT /NORESTART`,
    {
      hashes: uniqueHashes(kit, 'real installer'),
      meta: {
        FileVersion: '2.7.14',
        Description: 'Windscribe',
        Product: 'Windscribe',
        Company: 'Windscribe Limited',
        OriginalFileName: 'Windscribe.exe',
      },
    },
  );
  const backdoor = win.spawn(clock.step(2, 8), wscript, `${drop}\\lscm.exe`, `"${drop}\\lscm.exe"`, {
    hashes: uniqueHashes(kit, 'lscm.exe'),
    meta: NO_META,
    cwd: `${drop}\\`,
  });

  const domain = c2Domain(kit);
  const ip = vpsIp(kit);
  win.dns(clock.step(3, 20), backdoor, domain, [ip]);
  const port = r.pick([443, 8443, 4443]);
  for (let i = r.int(3, 6); i > 0; i--) {
    const at = clock.step(30, 300);
    win.connect(at, backdoor, { ip, port });
    flat.conn(at + 400, host, { ip, port }, { out: r.int(300, 4000), in: r.int(200, 3000) });
  }
  const shell = win.spawn(
    clock.step(20, 120),
    backdoor,
    `${SYS32}\\cmd.exe`,
    `C:\\Windows\\system32\\cmd.exe /c systeminfo & tasklist /v`,
  );
  win.spawn(clock.step(0, 1), shell, `${SYS32}\\systeminfo.exe`, 'systeminfo');
  win.spawn(clock.step(2, 6), shell, `${SYS32}\\tasklist.exe`, 'tasklist  /v');
  const at = clock.step(20, 90);
  win.connect(at, backdoor, { ip, port });
  flat.conn(at + 400, host, { ip, port }, { out: r.int(20_000, 90_000), in: r.int(300, 2000) });
  return { hosts: [host] };
}

export const vpnInstaller: Story = {
  name: 'vpn-installer',
  title: 'Backdoored VPN installer drops lscm.exe and starts it through win.vbs',
  expectedRules: [
    RULES.installerSpawnsScriptHost,
    RULES.scriptHostRunsUserWritableExe,
    SIGMA.wscriptRunsVbs,
    SIGMA.exeWritesExe,
    SIGMA.systeminfo,
    SIGMA.tasklist,
  ],
  play,
};
