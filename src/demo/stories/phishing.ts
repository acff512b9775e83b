import { createHash } from 'node:crypto';
import { buildZip } from '../../email/testing.js';
import { NO_META } from '../catalog.js';
import { authResults } from '../mail/message.js';
import { c2Domain, Clock, need, SYS32, vpsIp, type Story, type StoryKit } from './kit.js';
import { RULES } from './rules.js';

const SENDERS = [
  ['Service Facturation', 'facturation', ['factures-express', 'e-facture-pro', 'facturation-enligne']],
  ['Service Livraison', 'livraison', ['suivi-colis-express', 'livraison-info', 'colis-suivi-pro']],
  [
    'Direction Administrative',
    'administration',
    ['docs-partage-pro', 'espace-documents', 'partage-fichiers-pro'],
  ],
] as const;
const TLDS = ['com', 'net', 'info', 'fr'];

/** A Windows program's bytes: an MZ header and code only this story has (so only it has the hash). */
function payload(kit: StoryKit): Buffer {
  const head = Buffer.alloc(64);
  head.write('MZ', 0, 'latin1');
  head.writeUInt32LE(64, 0x3c);
  const pe = Buffer.from('PE\0\0', 'latin1');
  return Buffer.concat([
    head,
    pe,
    Buffer.from(kit.r.hex(4096), 'hex'),
    Buffer.from(`${kit.world.seed}|${kit.id}`),
  ]);
}

/** Sysmon's Hashes for bytes that exist: the endpoint reports the real SHA256 of what runs. */
function sysmonHashes(data: Buffer): string {
  const h = (algo: string) => createHash(algo).update(data).digest('hex').toUpperCase();
  return `MD5=${h('md5')},SHA256=${h('sha256')},IMPHASH=${h('md5').split('').reverse().join('')}`;
}

/**
 * A phishing mail carries an "invoice" in a zip; the executable inside poses as a PDF
 * (Facture_….pdf.exe). The recipient opens the zip in Explorer and runs it: Windows extracts it to
 * Temp1_<zip>, Sysmon reports the program with the very hash of the file in the mail, and the
 * payload calls home and looks around.
 */
function play(kit: StoryKit) {
  const { r, world, win, flat, mail } = kit;
  const host = need(world.reserveHost(r, ['workstation']), 'workstations');
  const account = world.reserveAccount(world.primaryUser.get(host)!);
  const u = account.name;
  const clock = new Clock(r, kit.start);
  const [name, local, bases] = r.pick(SENDERS);
  const domain = world.freshDomain(r, (x) => `${x.pick(bases)}${x.int(1, 99)}.${x.pick(TLDS)}`);
  const n = `${new Date(kit.start).getUTCFullYear()}-${r.int(10000, 99999)}`;
  const exeName = `Facture_${n}.pdf.exe`;
  const zipName = `Facture_${n}.zip`;
  const exe = payload(kit);
  const zip = buildZip([{ name: exeName, data: exe }]);
  const to = { name: '', address: mail.office.addressOf(account) };
  mail.send({
    time: clock.t,
    messageId: mail.messageId(domain),
    from: { name, address: `${local}@${domain}` },
    to: [to],
    subject: `Votre facture n° ${n}`,
    text: `Bonjour,\n\nVeuillez trouver ci-joint votre facture n° ${n} ainsi que le bordereau de livraison. Le document est compressé pour l'envoi.\n\nCordialement,\n${name}`,
    attachments: [{ filename: zipName, contentType: 'application/zip', content: zip }],
    relay: { host: `mail.${domain}`, ip: vpsIp(kit) },
    auth: authResults(domain, true),
  });

  const who = win.session(host, account, kit.start - r.int(30, 240) * 60_000);
  const explorer = win.running(
    host,
    'C:\\Windows\\explorer.exe',
    'C:\\Windows\\Explorer.EXE',
    who,
    kit.start - 3_600_000,
  );
  const folder = `C:\\Users\\${u}\\AppData\\Local\\Temp\\Temp1_${zipName}`;
  const image = `${folder}\\${exeName}`;
  win.file(clock.step(5 * 60, 40 * 60), explorer, image);
  const run = win.spawn(clock.step(1, 3), explorer, image, `"${image}"`, {
    hashes: sysmonHashes(exe),
    meta: NO_META,
    cwd: `${folder}\\`,
  });
  const c2 = c2Domain(kit);
  const ip = vpsIp(kit);
  win.dns(clock.step(2, 10), run, c2, [ip]);
  for (let i = r.int(2, 4); i > 0; i--) {
    const at = clock.step(20, 240);
    win.connect(at, run, { ip, port: 443 });
    flat.conn(at + 300, host, { ip, port: 443 }, { out: r.int(300, 3000), in: r.int(200, 5000) });
  }
  // A look at the network it landed in, with tools no other story uses.
  const shell = win.spawn(
    clock.step(30, 120),
    run,
    `${SYS32}\\cmd.exe`,
    'C:\\Windows\\system32\\cmd.exe /c arp -a & quser',
  );
  win.spawn(clock.step(0, 1), shell, `${SYS32}\\ARP.EXE`, 'arp  -a');
  win.spawn(clock.step(0, 2), shell, `${SYS32}\\quser.exe`, 'quser');
  return { hosts: [host] };
}

export const phishing: Story = {
  name: 'phishing',
  title: 'Phishing mail with an invoice zip; the executable inside runs on a workstation',
  expectedRules: [RULES.emailMalicious, RULES.emailAttachment, RULES.archiveProgram],
  play,
};
