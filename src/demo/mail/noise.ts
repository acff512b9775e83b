import type { Account } from '../world.js';
import { authResults } from './message.js';
import { spacedIban, type Mailbox } from './office.js';
import type { MailSensor } from './sensor.js';

const MIN = 60_000;

const INTERNAL = [
  [
    'Réunion de service',
    'Bonjour,\n\nLa réunion de service de jeudi est déplacée à 14 h, salle B.\n\nBonne journée,',
  ],
  [
    'Planning des congés',
    'Bonjour,\n\nMerci de saisir vos congés d’été dans le planning partagé avant la fin du mois.\n\nMerci,',
  ],
  [
    'Compte rendu',
    'Bonjour,\n\nVoici le compte rendu de notre point d’hier. N’hésitez pas à compléter.\n\nÀ bientôt,',
  ],
  [
    'Déjeuner vendredi',
    'Salut,\n\nOn déjeune ensemble vendredi ? Le restaurant d’en face a rouvert.\n\nÀ plus,',
  ],
  [
    'Mise à jour du tableau de bord',
    'Bonjour,\n\nJ’ai mis à jour les chiffres du trimestre dans le tableau de bord.\n\nCordialement,',
  ],
] as const;
const NEWS = [
  'Nos offres du mois',
  'Les rendez-vous de la semaine',
  'Ce qui change au 1er janvier',
  'Le programme du salon',
] as const;

/**
 * Ordinary mail through the day: suppliers' invoices (each with its own IBAN, as always) to the
 * accounts-payable mailbox, colleagues writing to each other, newsletters with their links. None
 * of it comes from a supplier or goes to an account that a story holds.
 */
export function addMailNoise(
  mail: MailSensor,
  employees: readonly Account[],
  start: number,
  end: number,
  count: number,
): void {
  const { r, office } = mail;
  const suppliers = office.suppliers.filter((s) => !office.reservedSuppliers.has(s));
  const people: Mailbox[] = employees.map((a) => ({ name: '', address: office.addressOf(a) }));
  if (people.length < 2) return;
  const span = end - start - 10 * MIN;
  for (let i = 0; i < count; i++) {
    const at = start + Math.floor((span * i) / count) + r.int(0, 5 * MIN);
    const kind = r.weighted<number>([
      [suppliers.length > 0 ? 3 : 0, 0],
      [5, 1],
      [2, 2],
    ]);
    if (kind === 0) {
      const s = r.pick(suppliers);
      const invoice = `F-${new Date(at).getUTCFullYear()}-${r.int(1000, 9999)}`;
      mail.send({
        time: at,
        messageId: mail.messageId(s.domain),
        from: s.contact,
        to: [office.finance],
        subject: `Facture ${invoice}`,
        text: `Bonjour,\n\nVeuillez trouver ci-joint notre facture ${invoice} d'un montant de ${r.int(200, 9000)},${r.int(10, 99)} € TTC, payable à 30 jours sur notre compte habituel :\nIBAN : ${spacedIban(s.iban)}\n\nCordialement,\n${s.contact.name}\n${s.company}`,
        attachments: [
          {
            filename: `${invoice}.pdf`,
            contentType: 'application/pdf',
            content: Buffer.from(`%PDF-1.4\n% ${s.company} ${invoice} ${r.hex(24)}\n%%EOF\n`),
          },
        ],
        relay: { host: `smtp.${s.domain}`, ip: s.mailIp },
        auth: authResults(s.domain, true),
        mailer: 'Microsoft Outlook 16.0',
      });
    } else if (kind === 1) {
      const [from, to] = r.shuffle(people);
      const [subject, text] = r.pick(INTERNAL);
      mail.send({
        time: at,
        messageId: mail.messageId(office.domain),
        from: from!,
        to: [to!],
        subject,
        text,
        relay: { host: `ex01.${office.domain}`, ip: '10.0.0.25' },
        auth: authResults(office.domain, true),
        mailer: 'Microsoft Outlook 16.0',
      });
    } else {
      const n = r.pick(office.newsletters);
      const subject = r.pick(NEWS);
      const link = `https://${n.domain}/${r.lower(8)}`;
      mail.send({
        time: at,
        messageId: mail.messageId(n.domain),
        from: { name: n.name, address: `news@${n.domain}` },
        to: [r.pick(people)],
        subject,
        text: `${subject}\n\nLire en ligne : ${link}\n\nPour vous désabonner, répondez à ce message.`,
        html: `<html><body><h1>${subject}</h1><p><a href="${link}">Lire la suite</a></p><p>Pour vous désabonner, répondez à ce message.</p></body></html>`,
        relay: { host: `out.${n.domain}`, ip: n.mailIp },
        auth: authResults(n.domain, true),
      });
    }
  }
}
