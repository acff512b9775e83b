import { createTransport } from 'nodemailer';
import { ActionError, type Action, type Params } from './action.js';
import { summaryText } from './message.js';

const ADDRESS = /^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/;

function addresses(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

/** An SMTP reply code or a connection failure: 4xx and broken connections may pass later, 5xx will not. */
function smtpError(e: unknown): ActionError {
  const err = e as { code?: string; responseCode?: number; message?: string };
  const message = (err.message ?? String(e)).split('\n')[0]!.slice(0, 300);
  if (typeof err.responseCode === 'number')
    return new ActionError(`SMTP ${err.responseCode}: ${message}`, err.responseCode < 500);
  const transient = ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'ECONNREFUSED', 'EDNS'].includes(err.code ?? '');
  return new ActionError(`SMTP: ${message}`, transient);
}

/** Mail through an SMTP server (nodemailer). The password is an env:NAME reference. */
export function emailAction(options: { timeoutMs?: number } = {}): Action {
  const timeout = options.timeoutMs ?? 15_000;
  return {
    name: 'notify.email',
    description: 'Send an email through an SMTP server',
    params: {
      smtp_host: { type: 'string', required: true, description: 'SMTP server host name or address' },
      smtp_port: {
        type: 'number',
        min: 1,
        max: 65535,
        description: 'SMTP port (default 587; 465 with tls: implicit)',
      },
      tls: {
        type: 'enum',
        values: ['starttls', 'implicit', 'none'],
        description:
          'starttls (default: required), implicit (SMTPS), or none (plain text: only for a relay on this machine)',
      },
      user: { type: 'string', description: 'SMTP user name' },
      password: { type: 'secret', description: 'SMTP password, env:NAME' },
      from: { type: 'string', required: true, description: 'sender address' },
      to: { type: 'list', required: true, description: 'recipient addresses' },
      subject: { type: 'text', description: 'subject (default: the severity and title)' },
      text: { type: 'text', description: 'body (default: a summary of the incident)' },
    },
    irreversible: 'a mail that was sent cannot be unsent',
    check(p: Params) {
      if (p.from !== undefined && !ADDRESS.test(String(p.from)))
        return `from: "${String(p.from)}" is not an email address`;
      const bad = addresses(p.to).find((a) => !ADDRESS.test(a));
      if (bad !== undefined) return `to: "${bad}" is not an email address`;
      if ((p.user === undefined) !== (p.password === undefined)) return 'user and password go together';
      return null;
    },
    plan: (p) =>
      `mail ${addresses(p.to).join(', ')} through ${String(p.smtp_host)}:${String(p.smtp_port ?? (p.tls === 'implicit' ? 465 : 587))}`,
    async run(p, ctx) {
      const tls = (p.tls as string | undefined) ?? 'starttls';
      const transport = createTransport({
        host: String(p.smtp_host),
        port: Number(p.smtp_port ?? (tls === 'implicit' ? 465 : 587)),
        secure: tls === 'implicit',
        requireTLS: tls === 'starttls',
        ignoreTLS: tls === 'none',
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
        ...(p.user !== undefined
          ? { auth: { user: String(p.user), pass: ctx.secret(String(p.password)) } }
          : {}),
      });
      // nodemailer takes no AbortSignal: closing the transport ends the session.
      const abort = () => transport.close();
      ctx.signal.addEventListener('abort', abort, { once: true });
      try {
        const info = await transport.sendMail({
          from: String(p.from),
          to: addresses(p.to),
          subject:
            p.subject === undefined
              ? `[Vigil ${ctx.subject.severity}] ${ctx.subject.title}`
              : String(p.subject),
          text: p.text === undefined ? summaryText(ctx.subject, ctx.playbook.title) : String(p.text),
          headers: { 'X-Vigil-Run': ctx.runId, 'X-Vigil-Delivery': ctx.stepKey },
        });
        return {
          output: {
            messageId: info.messageId,
            accepted: info.accepted.map(String),
            rejected: info.rejected.map(String),
          },
          undo: null,
        };
      } catch (e) {
        if (ctx.signal.aborted) throw new ActionError('SMTP session ended: aborted', false);
        throw smtpError(e);
      } finally {
        ctx.signal.removeEventListener('abort', abort);
        transport.close();
      }
    },
  };
}
