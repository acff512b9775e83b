import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { analyzeRaw, recordInHistory, type AnalysisContext, type EmailAnalysis } from './analyze.js';
import type { SenderHistory } from './history.js';
import type { EmailPolicy } from './policy.js';

/**
 * The journaling listener: the mail server sends (BCCs) a copy of every message to Vigil over
 * SMTP. Each message is analyzed and handed to `onMessage`; the server answers 250 only once
 * that callback has finished, so a message is acknowledged only after it was stored (durability
 * is the callback's to give), and a failed callback answers 451 so the server retries.
 */
export interface JournalEnvelope {
  readonly mailFrom: string | null;
  readonly rcptTo: readonly string[];
  readonly clientAddress: string;
  readonly clientHostname: string;
  /** True when the message came over TLS (STARTTLS). */
  readonly secure: boolean;
  readonly receivedAt: Date;
}

export interface JournalListenerOptions {
  readonly policy: EmailPolicy;
  readonly onMessage: (
    analysis: EmailAnalysis,
    envelope: JournalEnvelope,
    raw: Buffer,
  ) => Promise<void> | void;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** PEM key and certificate: STARTTLS is offered only with them. */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
  /** Refuse MAIL FROM until the client has switched to TLS (530). */
  readonly requireTls?: boolean;
  /** Messages larger than this are refused with 552 (advertised as SIZE). Default 50 MiB. */
  readonly maxMessageBytes?: number;
  /** Client addresses allowed to connect; others get 554. Empty or absent: any. */
  readonly allowedClients?: readonly string[];
  readonly history?: SenderHistory;
  /** Record each analyzed message in `history` (sender domains; IBANs of clean mail). */
  readonly learn?: boolean;
  readonly limits?: AnalysisContext['limits'];
  /** The name the server greets with. */
  readonly name?: string;
}

export interface JournalListener {
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

const DEFAULT_MAX = 50 << 20;

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

export async function startJournalListener(o: JournalListenerOptions): Promise<JournalListener> {
  const maxBytes = o.maxMessageBytes ?? DEFAULT_MAX;
  const allowed = new Set((o.allowedClients ?? []).map(normalizeIp));
  const server = new SMTPServer({
    secure: false,
    name: o.name ?? 'vigil-journal',
    banner: 'Vigil journaling listener',
    ...(o.tls === undefined ? {} : { key: o.tls.key, cert: o.tls.cert }),
    size: maxBytes,
    rejectOversized: true,
    authOptional: true,
    disabledCommands: o.tls === undefined ? ['AUTH', 'STARTTLS'] : ['AUTH'],
    logger: false,
    onConnect(session: SMTPServerSession, callback: (err?: Error | null) => void) {
      if (allowed.size > 0 && !allowed.has(normalizeIp(session.remoteAddress)))
        return callback(smtpError('Error: this client may not send journal mail', 554));
      callback();
    },
    onMailFrom(_address, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      if (o.requireTls === true && !session.secure)
        return callback(smtpError('Error: must issue a STARTTLS command first', 530));
      callback();
    },
    onData(
      stream: SMTPServerDataStream,
      session: SMTPServerSession,
      callback: (err?: Error | null, message?: string) => void,
    ) {
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        // Past the limit the rest is read and dropped: the server answers 552 (rejectOversized).
        if (size + chunk.length <= maxBytes) chunks.push(chunk);
        size += chunk.length;
      });
      stream.on('end', () => {
        if (stream.sizeExceeded || size > maxBytes)
          return callback(smtpError(`Error: message exceeds fixed maximum message size ${maxBytes}`, 552));
        const raw = Buffer.concat(chunks);
        const envelope: JournalEnvelope = {
          mailFrom: session.envelope.mailFrom === false ? null : session.envelope.mailFrom.address,
          rcptTo: session.envelope.rcptTo.map((r) => r.address),
          clientAddress: normalizeIp(session.remoteAddress),
          clientHostname: session.clientHostname,
          secure: session.secure,
          receivedAt: new Date(),
        };
        void handle(raw, envelope).then(
          (id) => callback(null, `OK: analyzed as ${id}`),
          (e: unknown) =>
            callback(
              smtpError(`Error: could not store the message, try again later (${(e as Error).message})`, 451),
            ),
        );
      });
    },
  });

  const handle = async (raw: Buffer, envelope: JournalEnvelope): Promise<string> => {
    const analysis = await analyzeRaw(raw, {
      policy: o.policy,
      ...(o.history === undefined ? {} : { history: o.history }),
      ...(o.limits === undefined ? {} : { limits: o.limits }),
      source: `smtp:${envelope.clientAddress}`,
      receivedAt: envelope.receivedAt,
    });
    await o.onMessage(analysis, envelope, raw);
    if (o.learn === true && o.history !== undefined) await recordInHistory(o.history, analysis);
    return analysis.verdict;
  };

  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Errors on single connections (a client that drops mid-TLS) must not end the listener.
  server.on('error', () => {});
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    host,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
