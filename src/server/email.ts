import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  analyzeRaw,
  EmailPolicy,
  loadPeople,
  migrateSenderHistory,
  recordInHistory,
  startJournalListener,
  StoreSenderHistory,
  type EmailAnalysis,
  type JournalListener,
} from '../email/index.js';
import type { JsonObject } from '../ingest/types.js';
import { makeBatch } from '../pipeline/index.js';
import { eventIdOf } from '../pipeline/enrich.js';
import type { Store } from '../store/index.js';
import { checkTenant } from './auth.js';
import type { ServerConfig } from './config.js';
import type { Intake } from './intake.js';

export interface IngestedMail {
  readonly analysis: EmailAnalysis;
  /** The stored event's id (the search API's `event_id`). */
  readonly eventId: string;
  /** The same message (same bytes, same tenant) was accepted before: nothing new was stored. */
  readonly duplicate: boolean;
}

/** The ingest log's via for each way mail arrives. */
export type MailVia = 'http:email' | 'smtp' | 'sample';

/**
 * Mail in `vigil serve`: one EmailPolicy built from the settings (the lookalike index is built
 * once), sender history per tenant in the store, and one path into the intake (the ingest log,
 * or the event stream on an api node) for mail posted to the API, journaled over SMTP, or loaded
 * as sample data. Each message becomes the event analyzeRaw builds, so rules, incidents and
 * search see mail like any other source.
 */
export class EmailService {
  private readonly histories = new Map<string, StoreSenderHistory>();
  private listener: JournalListener | null = null;

  private constructor(
    readonly policy: EmailPolicy,
    private readonly store: Store,
    private readonly intake: Intake,
    private readonly log: (m: string) => void,
  ) {}

  static async open(
    config: ServerConfig,
    store: Store,
    intake: Intake,
    log: (m: string) => void,
  ): Promise<EmailService> {
    const people = config.emailPeople === null ? null : loadPeople(config.emailPeople);
    const policy = new EmailPolicy({
      organization: [...config.emailProtect, ...(people?.organization ?? [])],
      partners: [...config.emailPartners, ...(people?.partners ?? [])],
      people: people?.people ?? [],
    });
    await migrateSenderHistory(store);
    return new EmailService(policy, store, intake, log);
  }

  /** What this tenant's mail has taught: first-seen domains and IBANs on record. */
  history(tenant: string): StoreSenderHistory {
    let h = this.histories.get(tenant);
    if (h === undefined) this.histories.set(tenant, (h = new StoreSenderHistory(this.store, tenant)));
    return h;
  }

  /** Analyzes one raw message and stores its event; resolves once the event is durable. */
  async ingest(
    tenant: string,
    raw: Buffer,
    o: { via: MailVia; source: string; key?: string | null; receivedAt?: Date },
  ): Promise<IngestedMail> {
    const analysis = await analyzeRaw(raw, {
      policy: this.policy,
      history: this.history(tenant),
      source: o.source,
      receivedAt: o.receivedAt ?? new Date(),
    });
    return this.append(tenant, analysis, raw, o.via, o.key ?? null);
  }

  /**
   * Appends the analyzed event, then learns from it. A message is keyed by its bytes unless the
   * client names a key, so a mail server retrying after a lost reply stores it once.
   */
  private async append(
    tenant: string,
    analysis: EmailAnalysis,
    raw: Buffer,
    via: MailVia,
    key: string | null,
    extra: JsonObject = {},
  ): Promise<IngestedMail> {
    const record: JsonObject = { ...analysis.event, ...extra };
    const id = key ?? `email:${createHash('sha256').update(raw).digest('hex')}`;
    const accepted = await this.intake.append(makeBatch(tenant, id, via, [record]));
    // One record is one message on the bus too, so its event id is known on either intake.
    if (accepted.position === null) throw new Error('the mail event was accepted without a position');
    if (!accepted.duplicate) await recordInHistory(this.history(tenant), analysis);
    return { analysis, eventId: eventIdOf(accepted.position, 0), duplicate: accepted.duplicate };
  }

  /** Starts the SMTP journaling listener when `smtp_port` is set. */
  async startListener(config: ServerConfig): Promise<JournalListener | null> {
    if (config.smtpPort === null || config.smtpPort === undefined) return null;
    const tenant = checkTenant(config.emailTenant);
    const tls =
      config.smtpTlsCert === null || config.smtpTlsKey === null
        ? undefined
        : { cert: readFileSync(config.smtpTlsCert), key: readFileSync(config.smtpTlsKey) };
    this.listener = await startJournalListener({
      policy: this.policy,
      history: this.history(tenant),
      host: config.smtpHost,
      port: config.smtpPort,
      ...(tls === undefined ? {} : { tls }),
      requireTls: config.smtpRequireTls,
      maxMessageBytes: config.smtpMaxBytes,
      allowedClients: config.smtpAllow,
      // Learning happens once the event is durable, in append (not twice for a retried message).
      learn: false,
      onMessage: async (analysis, envelope, raw) => {
        await this.append(tenant, analysis, raw, 'smtp', null, {
          ...(envelope.mailFrom === null ? {} : { 'vigil.email.envelope.from': envelope.mailFrom }),
          'vigil.email.envelope.to': envelope.rcptTo.slice(0, 100),
          'vigil.email.envelope.client_ip': envelope.clientAddress,
          'vigil.email.envelope.tls': envelope.secure,
        });
      },
    });
    this.log(
      `email: SMTP journaling on ${this.listener.host}:${this.listener.port} (tenant ${tenant}; STARTTLS ${tls === undefined ? 'off' : config.smtpRequireTls ? 'required' : 'offered'})`,
    );
    return this.listener;
  }

  async close(): Promise<void> {
    await this.listener?.close();
    this.listener = null;
  }
}
