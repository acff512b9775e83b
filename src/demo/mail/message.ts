import { createHash } from 'node:crypto';
import type { Mailbox } from './office.js';

export interface Attachment {
  readonly filename: string;
  readonly contentType: string;
  readonly content: Buffer;
}

/** One message as the organization's mail server receives it. */
export interface MailMessage {
  readonly time: number;
  readonly messageId: string;
  readonly from: Mailbox;
  readonly to: readonly Mailbox[];
  readonly replyTo?: string;
  readonly returnPath?: string;
  readonly inReplyTo?: string;
  readonly subject: string;
  readonly text: string;
  /** An HTML alternative (newsletters). */
  readonly html?: string;
  readonly attachments?: readonly Attachment[];
  /** The hop into the organization: the sending server's name and address. */
  readonly relay: { readonly host: string; readonly ip: string };
  /** What the organization's MX concluded (spf=…; dkim=…; dmarc=…). */
  readonly auth: string;
  readonly mailer?: string;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** RFC 5322 date in UTC: `Fri, 20 Nov 2026 09:14:00 +0000`. */
export function mailDate(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/** The mbox separator line's date: `Fri Nov 20 09:14:00 2026`. */
export function mboxDate(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** A header value with non-ASCII text as an RFC 2047 encoded word. */
function word(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

const mailbox = (m: Mailbox) => (m.name === '' ? m.address : `${word(m.name)} <${m.address}>`);
const base64Lines = (b: Buffer) => (b.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
const crlf = (text: string) => text.replace(/\r?\n/g, '\r\n');

function textPart(type: 'plain' | 'html', text: string): string {
  return `Content-Type: text/${type}; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(Buffer.from(text, 'utf8'))}`;
}

/**
 * The message as bytes on the wire (CRLF lines): the receiving MX's Received and
 * Authentication-Results on top, then the sender's headers and a MIME body. Boundaries derive from
 * the Message-ID, so the same message is always the same bytes.
 */
export function rfc822(m: MailMessage): string {
  const at = mailDate(m.time);
  const mx = m.to[0]?.address.split('@')[1] ?? 'localhost';
  const id = createHash('sha256').update(m.messageId).digest('hex').slice(0, 16);
  const headers = [
    `Return-Path: <${m.returnPath ?? m.from.address}>`,
    `Received: from ${m.relay.host} (${m.relay.host} [${m.relay.ip}]) by mx1.${mx} with ESMTPS id ${id.slice(0, 10).toUpperCase()} for <${m.to[0]?.address ?? ''}>; ${mailDate(m.time + 2000)}`,
    `Authentication-Results: mx1.${mx}; ${m.auth}`,
    `From: ${mailbox(m.from)}`,
    `To: ${m.to.map(mailbox).join(', ')}`,
    ...(m.replyTo === undefined ? [] : [`Reply-To: ${m.replyTo}`]),
    `Subject: ${word(m.subject)}`,
    `Date: ${at}`,
    `Message-ID: ${m.messageId}`,
    ...(m.inReplyTo === undefined ? [] : [`In-Reply-To: ${m.inReplyTo}`, `References: ${m.inReplyTo}`]),
    ...(m.mailer === undefined ? [] : [`X-Mailer: ${m.mailer}`]),
    'MIME-Version: 1.0',
  ];
  const body =
    m.html === undefined
      ? textPart('plain', m.text)
      : `Content-Type: multipart/alternative; boundary="alt-${id}"\r\n\r\n--alt-${id}\r\n${textPart('plain', m.text)}\r\n--alt-${id}\r\n${textPart('html', m.html)}\r\n--alt-${id}--`;
  const attachments = m.attachments ?? [];
  if (attachments.length === 0) return `${headers.join('\r\n')}\r\n${crlf(body)}\r\n`;
  const parts = [
    body,
    ...attachments.map(
      (a) =>
        `Content-Type: ${a.contentType}; name="${a.filename}"\r\nContent-Disposition: attachment; filename="${a.filename}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(a.content)}`,
    ),
  ];
  return `${headers.join('\r\n')}\r\nContent-Type: multipart/mixed; boundary="mix-${id}"\r\n\r\n${parts.map((p) => `--mix-${id}\r\n${crlf(p)}\r\n`).join('')}--mix-${id}--\r\n`;
}

/** SPF, DKIM and DMARC as the MX found them for a domain. */
export function authResults(domain: string, pass: boolean): string {
  return pass
    ? `spf=pass smtp.mailfrom=${domain}; dkim=pass header.d=${domain}; dmarc=pass header.from=${domain}`
    : `spf=fail smtp.mailfrom=${domain}; dkim=none; dmarc=fail (p=quarantine) header.from=${domain}`;
}
