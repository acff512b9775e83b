import { authResults, type Attachment } from '../mail/message.js';
import { frenchIban, spacedIban, type Supplier } from '../mail/office.js';
import type { Rng } from '../prng.js';
import { Clock, need, vpsIp, type Story, type StoryKit } from './kit.js';
import { RULES } from './rules.js';

/**
 * Domains that imitate a supplier's, by the tricks BEC crews register: a letter dropped, a
 * homoglyph, the hyphen gone, another suffix, a word added.
 */
const TRICKS: readonly ((label: string, suffix: string, r: Rng) => string)[] = [
  // ferronnerie-dumas → feronnerie-dumas (a doubled letter dropped, else an inner one)
  (label, suffix, r) => {
    const doubled = [...label].findIndex((c, i) => c !== '-' && c === label[i + 1]);
    const at = doubled >= 0 ? doubled : r.int(2, label.length - 3);
    return `${label.slice(0, at)}${label.slice(at + 1)}.${suffix}`;
  },
  // m → rn, else l → I-like 1, else o → 0
  (label, suffix) => {
    if (label.includes('m')) return `${label.replace('m', 'rn')}.${suffix}`;
    if (label.includes('l')) return `${label.replace('l', '1')}.${suffix}`;
    return `${label.replace('o', '0')}.${suffix}`;
  },
  (label, suffix) => `${label.replace(/-/g, '')}.${suffix}`,
  (label) => `${label}.com`,
  (label, suffix, r) => `${label}-${r.pick(['factures', 'paiement', 'compta'])}.${suffix}`,
];

const SUBJECTS = [
  'Changement de coordonnées bancaires',
  'Mise à jour de nos coordonnées bancaires',
  'Nouveau RIB - changement de banque',
];

function lookalikeOf(s: Supplier, r: Rng): string {
  const dot = s.domain.indexOf('.');
  return r.pick(TRICKS)(s.domain.slice(0, dot), s.domain.slice(dot + 1), r);
}

/** A one-page PDF as suppliers' billing software writes it (enough bytes to hash). */
function invoicePdf(invoice: string, amount: string, r: Rng): Attachment {
  const text = `%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n4 0 obj << /Length 64 >> stream\nBT /F1 12 Tf 72 720 Td (Facture ${invoice} - ${amount} EUR) Tj ET\nendstream endobj\n% ${r.hex(32)}\ntrailer << /Root 1 0 R >>\n%%EOF\n`;
  return { filename: `${invoice}.pdf`, contentType: 'application/pdf', content: Buffer.from(text) };
}

/**
 * Business email compromise against a supplier relationship, as French companies saw it: the real
 * supplier sends an invoice (with its real IBAN); an hour or so later a domain imitating the
 * supplier's, under the same contact's name, announces a change of bank with a new IBAN; accounts
 * payable answers it; then a follow-up "from" the real address (spoofed: SPF and DMARC fail,
 * Reply-To to the lookalike) presses for the payment.
 */
function play(kit: StoryKit) {
  const { r, mail } = kit;
  const office = mail.office;
  const supplier = need(office.reserveSupplier(r), 'suppliers');
  const clock = new Clock(r, kit.start);
  const invoice = `F-${new Date(kit.start).getUTCFullYear()}-${r.int(1000, 9999)}`;
  const amount = `${r.int(3, 48)} ${r.int(100, 999)},${r.int(10, 99)}`;
  const local = supplier.contact.address.split('@')[0]!;

  const genuineId = mail.messageId(supplier.domain);
  mail.send({
    time: clock.t,
    messageId: genuineId,
    from: supplier.contact,
    to: [office.finance],
    subject: `Facture ${invoice}`,
    text: `Bonjour,\n\nVeuillez trouver ci-joint notre facture ${invoice} d'un montant de ${amount} € TTC, payable à 30 jours sur notre compte habituel :\nIBAN : ${spacedIban(supplier.iban)}\n\nCordialement,\n${supplier.contact.name}\n${supplier.company}`,
    attachments: [invoicePdf(invoice, amount, r)],
    relay: { host: `smtp.${supplier.domain}`, ip: supplier.mailIp },
    auth: authResults(supplier.domain, true),
    mailer: 'Microsoft Outlook 16.0',
  });

  const fake = lookalikeOf(supplier, r);
  const attacker = vpsIp(kit);
  const relay = { host: `mail.${fake}`, ip: attacker };
  const newIban = frenchIban(r);
  const subject = r.pick(SUBJECTS);
  const requestId = mail.messageId(fake);
  mail.send({
    time: clock.step(40 * 60, 80 * 60),
    messageId: requestId,
    from: { name: supplier.contact.name, address: `${local}@${fake}` },
    to: [office.finance],
    subject,
    text: `Bonjour,\n\nSuite à un changement de banque, nos coordonnées bancaires ont été modifiées. Merci de noter notre nouveau RIB pour le règlement de la facture ${invoice} et des prochaines échéances :\n\nIBAN : ${spacedIban(newIban)}\n\nMerci de procéder au virement dans les meilleurs délais et de nous confirmer la mise à jour par retour de mail.\n\nCordialement,\n${supplier.contact.name}\n${supplier.company}`,
    relay,
    auth: authResults(fake, true),
  });
  // Accounts payable answers the lookalike: the journal shows the request was taken up (a reply about
  // changed bank details is itself suspicious, and its In-Reply-To puts it in the request's thread).
  mail.send({
    time: clock.step(5 * 60, 15 * 60),
    messageId: mail.messageId(office.domain),
    from: office.finance,
    to: [{ name: supplier.contact.name, address: `${local}@${fake}` }],
    inReplyTo: requestId,
    subject: `RE: ${subject}`,
    text: `Bonjour,\n\nBien reçu, nous mettons à jour vos coordonnées avant le prochain règlement.\n\nCordialement,\n${office.finance.name}`,
    relay: { host: `ex01.${office.domain}`, ip: '10.0.0.25' },
    auth: authResults(office.domain, true),
    mailer: 'Microsoft Outlook 16.0',
  });
  mail.send({
    time: clock.step(10 * 60, 30 * 60),
    messageId: mail.messageId(supplier.domain),
    from: supplier.contact,
    replyTo: `${local}@${fake}`,
    returnPath: `bounce@${fake}`,
    inReplyTo: requestId,
    to: [office.finance],
    subject: `RE: ${subject}`,
    text: `Bonjour,\n\nMerci pour votre retour. Pouvez-vous me confirmer la date du virement de la facture ${invoice} sur notre nouveau compte (IBAN ${spacedIban(newIban)}) ? C'est urgent, notre ancien compte sera clôturé cette semaine.\n\nMerci d'avance,\n${supplier.contact.name}`,
    relay,
    auth: authResults(supplier.domain, false),
  });
  return { hosts: [] };
}

export const bec: Story = {
  name: 'bec',
  title: 'Lookalike supplier domain asks to change bank details, then a spoofed follow-up presses',
  expectedRules: [RULES.emailMalicious, RULES.becBankChange, RULES.emailSuspicious],
  play,
};
