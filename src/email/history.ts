import { readFileSync } from 'node:fs';
import { VigilError } from '../core/errors.js';
import { isValidIban } from './iban.js';

/** What is known about mail from one sender domain. */
export interface SenderRecord {
  readonly domain: string;
  readonly messages: number;
  readonly firstSeen: Date | null;
  readonly lastSeen: Date | null;
  /** IBANs this sender has sent before, normalized (no spaces, upper case). */
  readonly ibans: readonly string[];
}

export interface SenderObservation {
  /** Registrable domain of the sender. */
  readonly domain: string;
  readonly time: Date;
  readonly ibans: readonly string[];
}

/**
 * Mail seen before, by sender domain: for "first mail from this domain" and "an IBAN this sender
 * never used". The store-backed implementation answers from stored email events; this interface
 * is all the analyzer needs.
 */
export interface SenderHistory {
  /** Messages the history holds; with none, nothing can be judged first-seen. */
  messageCount(): Promise<number>;
  sender(domain: string): Promise<SenderRecord | null>;
  record(observation: SenderObservation): Promise<void>;
}

interface MutableRecord {
  messages: number;
  firstSeen: Date | null;
  lastSeen: Date | null;
  ibans: Set<string>;
}

/** A bounded in-memory history: the oldest-touched domain is forgotten past `maxDomains`. */
export class InMemorySenderHistory implements SenderHistory {
  private readonly domains = new Map<string, MutableRecord>();
  private total = 0;

  constructor(
    private readonly maxDomains = 100_000,
    private readonly maxIbansPerDomain = 64,
  ) {}

  async messageCount(): Promise<number> {
    return this.total;
  }

  async sender(domain: string): Promise<SenderRecord | null> {
    const r = this.domains.get(domain.toLowerCase());
    if (r === undefined) return null;
    return {
      domain: domain.toLowerCase(),
      messages: r.messages,
      firstSeen: r.firstSeen,
      lastSeen: r.lastSeen,
      ibans: [...r.ibans],
    };
  }

  async record(o: SenderObservation): Promise<void> {
    this.add(o.domain, 1, o.time, o.time, o.ibans);
  }

  private add(
    domain: string,
    messages: number,
    first: Date | null,
    last: Date | null,
    ibans: readonly string[],
  ): void {
    const key = domain.toLowerCase();
    let r = this.domains.get(key);
    if (r === undefined) {
      r = { messages: 0, firstSeen: null, lastSeen: null, ibans: new Set() };
      if (this.domains.size >= this.maxDomains) {
        const oldest = this.domains.keys().next().value;
        if (oldest !== undefined) this.domains.delete(oldest);
      }
    } else this.domains.delete(key); // re-inserted below: Map order is recency
    this.domains.set(key, r);
    r.messages += messages;
    this.total += messages;
    if (first !== null && (r.firstSeen === null || first < r.firstSeen)) r.firstSeen = first;
    if (last !== null && (r.lastSeen === null || last > r.lastSeen)) r.lastSeen = last;
    for (const iban of ibans)
      if (r.ibans.size < this.maxIbansPerDomain) r.ibans.add(iban.replace(/\s/g, '').toUpperCase());
  }

  /**
   * A history from JSON: `{"senders": [{"domain": "supplier.fr", "messages": 40,
   * "ibans": ["FR76..."]}]}`. Every IBAN must pass its check: a typo on record would make every
   * genuine mail look like a bank change.
   */
  static fromJson(text: string, file = '<history>'): InMemorySenderHistory {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new VigilError('email.history', `not JSON: ${(e as Error).message}`, { file });
    }
    const senders = (doc as { senders?: unknown } | null)?.senders;
    if (!Array.isArray(senders))
      throw new VigilError('email.history', 'expected {"senders": [...]}', { file });
    const h = new InMemorySenderHistory();
    senders.forEach((s: unknown, i: number) => {
      const rec = (s ?? {}) as Record<string, unknown>;
      if (typeof rec.domain !== 'string' || rec.domain === '')
        throw new VigilError('email.history', `senders[${i}] needs a domain`, { file });
      const ibans = rec.ibans === undefined ? [] : rec.ibans;
      if (!Array.isArray(ibans) || ibans.some((x) => typeof x !== 'string' || !isValidIban(x)))
        throw new VigilError('email.history', `senders[${i}].ibans must be valid IBANs`, { file });
      const messages = rec.messages === undefined ? 1 : rec.messages;
      if (typeof messages !== 'number' || !Number.isInteger(messages) || messages < 1)
        throw new VigilError('email.history', `senders[${i}].messages must be a whole number >= 1`, { file });
      const date = (v: unknown) =>
        typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v) : null;
      h.add(rec.domain, messages, date(rec.firstSeen), date(rec.lastSeen), ibans as string[]);
    });
    return h;
  }

  static load(path: string): InMemorySenderHistory {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new VigilError('email.history', `cannot read: ${(e as Error).message}`, { file: path });
    }
    return InMemorySenderHistory.fromJson(text, path);
  }
}
