import type { Rng } from '../prng.js';
import type { Timeline } from '../timeline.js';
import { rfc822, type MailMessage } from './message.js';
import type { MailOffice } from './office.js';

/**
 * The organization's mail server journaling each message it receives to Vigil: the event's `raw`
 * is the message as received (RFC 822), which Vigil analyzes itself; the record holds only what
 * the journal envelope says (when, which message, from and to whom), never a verdict.
 */
export class MailSensor {
  constructor(
    private readonly timeline: Timeline,
    readonly r: Rng,
    readonly label: string | null,
    readonly office: MailOffice,
  ) {}

  /** A Message-ID as the sending domain's server writes it. */
  messageId(domain: string): string {
    return `<${this.r.hex(12).toUpperCase()}.${this.r.hex(8)}@${domain}>`;
  }

  send(m: MailMessage): void {
    this.timeline.add({
      time: m.time,
      layer: 'email',
      story: this.label,
      record: {
        '@timestamp': new Date(m.time).toISOString(),
        'email.message_id': m.messageId,
        'email.from.address': m.from.address,
        'email.to.address': m.to.map((t) => t.address),
      },
      raw: rfc822(m),
      host: '',
      channel: null,
      eventId: null,
    });
  }
}
