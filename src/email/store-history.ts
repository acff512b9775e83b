import { sqlTime } from '../store/rows.js';
import type { Store } from '../store/store.js';
import type { SenderHistory, SenderObservation, SenderRecord } from './history.js';

/**
 * One row per message seen: who sent it (registrable domain), when, and the IBANs it taught
 * (clean mail only, see recordInHistory). Kept apart from `events` so that history survives the
 * events' retention: a supplier's IBAN on record must outlive the invoice that showed it.
 */
export const SENDER_HISTORY_DDL = `CREATE TABLE IF NOT EXISTS email_senders (
  tenant LowCardinality(String),
  domain String,
  time DateTime64(3, 'UTC'),
  ibans Array(String)
) ENGINE = MergeTree
ORDER BY (tenant, domain, time)`;

/** Creates the table; the server runs it at start, like the other migrations. */
export async function migrateSenderHistory(store: Store): Promise<void> {
  await store.exec(SENDER_HISTORY_DDL);
}

const MAX_CACHED = 50_000;
const MAX_IBANS = 64;

interface CachedRecord {
  messages: number;
  firstSeen: Date | null;
  lastSeen: Date | null;
  ibans: string[];
}

/**
 * Sender history in the store, for one tenant: first-seen sender domains and IBANs on record
 * survive restarts. Reads go through a bounded cache that this process keeps current as it
 * records, so a busy sender costs one query, not one per message. Every value is a parameter.
 */
export class StoreSenderHistory implements SenderHistory {
  private count: number | null = null;
  private readonly cache = new Map<string, CachedRecord | null>();

  constructor(
    private readonly store: Store,
    readonly tenant: string,
  ) {}

  async messageCount(): Promise<number> {
    if (this.count === null) {
      const [row] = await this.store.query<{ n: string | number }>(
        'SELECT count() AS n FROM email_senders WHERE tenant = {tenant:String}',
        { tenant: this.tenant },
      );
      this.count ??= Number(row?.n ?? 0);
    }
    return this.count;
  }

  async sender(domain: string): Promise<SenderRecord | null> {
    const key = domain.toLowerCase();
    let r = this.cache.get(key);
    if (r === undefined) {
      r = await this.load(key);
      this.remember(key, r);
    }
    return r === null
      ? null
      : {
          domain: key,
          messages: r.messages,
          firstSeen: r.firstSeen,
          lastSeen: r.lastSeen,
          ibans: [...r.ibans],
        };
  }

  async record(o: SenderObservation): Promise<void> {
    const key = o.domain.toLowerCase();
    const ibans = [...new Set(o.ibans.map((i) => i.replace(/\s/g, '').toUpperCase()))].slice(0, MAX_IBANS);
    const time = Number.isNaN(o.time.getTime()) ? new Date() : o.time;
    await this.store.insert(
      'email_senders',
      Buffer.from(JSON.stringify({ tenant: this.tenant, domain: key, time: sqlTime(time.getTime()), ibans })),
    );
    if (this.count !== null) this.count++;
    const cached = this.cache.get(key);
    if (cached === undefined) return; // read from the store when first asked
    const r = cached ?? { messages: 0, firstSeen: null, lastSeen: null, ibans: [] };
    r.messages++;
    if (r.firstSeen === null || time < r.firstSeen) r.firstSeen = time;
    if (r.lastSeen === null || time > r.lastSeen) r.lastSeen = time;
    for (const i of ibans) if (!r.ibans.includes(i) && r.ibans.length < MAX_IBANS) r.ibans.push(i);
    this.remember(key, r);
  }

  private async load(domain: string): Promise<CachedRecord | null> {
    const [row] = await this.store.query<{
      n: string | number;
      first: string | number;
      last: string | number;
      ibans: string[];
    }>(
      `SELECT count() AS n, toUnixTimestamp64Milli(min(time)) AS first, toUnixTimestamp64Milli(max(time)) AS last,
         arraySlice(groupUniqArrayArray(ibans), 1, ${MAX_IBANS}) AS ibans
       FROM email_senders WHERE tenant = {tenant:String} AND domain = {domain:String}`,
      { tenant: this.tenant, domain },
    );
    const n = Number(row?.n ?? 0);
    if (row === undefined || n === 0) return null;
    return {
      messages: n,
      firstSeen: new Date(Number(row.first)),
      lastSeen: new Date(Number(row.last)),
      ibans: [...row.ibans].sort(),
    };
  }

  /** Most recently used last; the oldest is forgotten past the bound (the store still has it). */
  private remember(key: string, r: CachedRecord | null): void {
    this.cache.delete(key);
    this.cache.set(key, r);
    if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
  }
}
