import { RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { EventBus } from './jetstream.js';
import { subjectToken } from './jetstream.js';

/**
 * Partition ownership on JetStream: one subject per partition in a small replicated stream that
 * keeps only the last value per subject (what a JetStream KV bucket is). A worker takes a lease
 * with a compare-and-set publish (expected last subject sequence) and renews it by writing again;
 * whoever sees a lease unchanged for longer than the TTL, timed on its own clock, may take it over.
 * No clocks are compared across machines. The same scheme marks live workers, so each can aim at
 * its fair share.
 */
export const LEASES_STREAM = 'VIGIL_LEASES';
const LEASE = 'vigil.lease.p';
/** The single writer's lease: one active writer, the others stand by. */
export const WRITER_LEASE = 'vigil.lease.writer';
const PRESENCE = 'vigil.lease.w';

export interface LeaseValue {
  /** The worker holding it; empty when released. */
  readonly owner: string;
  /** Writer's clock, for people reading `vigil cluster status`; takeover never uses it. */
  readonly at: number;
}

export interface LeaseView {
  readonly partition: number;
  readonly owner: string;
  readonly seq: number;
  readonly at: number;
}

interface Seen {
  seq: number;
  since: number;
}

export class PartitionLeases {
  /** Last sequence seen per subject, and since when (local clock) it has not moved. */
  private readonly seen = new Map<string, Seen>();
  /** The sequence of our own last write per partition: the expected value of the next CAS. */
  private readonly mine = new Map<number, number>();

  constructor(
    private readonly bus: EventBus,
    readonly workerId: string,
    readonly partitions: number,
    readonly ttlMs: number,
    /** Where the leases live: the partitions' by default; a singleton role uses its own. */
    private readonly subject = LEASE,
  ) {}

  static async ensureStream(bus: EventBus, replicas = 3): Promise<void> {
    const config = {
      name: LEASES_STREAM,
      subjects: ['vigil.lease.>'],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: replicas,
      max_msgs_per_subject: 1,
      // Presence of workers gone for a day is forgotten.
      max_age: 24 * 3600_000 * 1_000_000,
    };
    const exists = await bus.jsm.streams.info(LEASES_STREAM).catch(() => null);
    if (exists === null) await bus.retrying(() => bus.jsm.streams.add(config));
  }

  owned(): number[] {
    return [...this.mine.keys()].sort((a, b) => a - b);
  }

  /** Every partition's lease as stored now. */
  async read(): Promise<LeaseView[]> {
    const out: LeaseView[] = [];
    for (let p = 0; p < this.partitions; p++) {
      const { seq, value } = await this.get(`${this.subject}.${p}`);
      out.push({ partition: p, owner: value?.owner ?? '', seq, at: value?.at ?? 0 });
    }
    return out;
  }

  /** Workers whose presence moved within the TTL (this one included). */
  async liveWorkers(now = Date.now()): Promise<string[]> {
    const info = await this.bus.jsm.streams.info(LEASES_STREAM, { subjects_filter: `${PRESENCE}.>` });
    const live: string[] = [this.workerId];
    for (const subject of Object.keys(info.state.subjects ?? {})) {
      const { seq, value } = await this.get(subject);
      if (value === null || value.owner === '' || value.owner === this.workerId) continue;
      if (!this.stale(subject, seq, now)) live.push(value.owner);
    }
    return live.sort();
  }

  async heartbeat(): Promise<void> {
    const subject = `${PRESENCE}.${subjectToken(this.workerId)}`;
    await this.bus.retrying(() =>
      this.bus.js.publish(subject, JSON.stringify({ owner: this.workerId, at: Date.now() })),
    );
  }

  /**
   * Takes a partition if it is free, released, ours, or its holder stopped renewing (unchanged for
   * the TTL as seen from here). False if another worker holds it or won the race.
   */
  async tryTake(partition: number, now = Date.now()): Promise<boolean> {
    const subject = `${this.subject}.${partition}`;
    const { seq, value } = await this.get(subject);
    const free = value === null || value.owner === '' || value.owner === this.workerId;
    if (!free && !this.stale(subject, seq, now)) return false;
    return this.write(partition, seq, this.workerId);
  }

  /** Renews a lease we hold; false means it was taken from us: stop working on it at once. */
  async renew(partition: number): Promise<boolean> {
    const expected = this.mine.get(partition);
    if (expected === undefined) return false;
    return this.write(partition, expected, this.workerId);
  }

  async release(partition: number): Promise<void> {
    const expected = this.mine.get(partition);
    if (expected === undefined) return;
    await this.write(partition, expected, '');
  }

  private async write(partition: number, expected: number, owner: string): Promise<boolean> {
    const subject = `${this.subject}.${partition}`;
    try {
      const ack = await this.bus.retrying(() =>
        this.bus.js.publish(subject, JSON.stringify({ owner, at: Date.now() } satisfies LeaseValue), {
          expect: { lastSubjectSequence: expected },
        }),
      );
      if (owner === '') this.mine.delete(partition);
      else this.mine.set(partition, ack.seq);
      return true;
    } catch (e) {
      if (!/wrong last sequence/i.test((e as Error).message)) throw e;
      this.mine.delete(partition);
      return false;
    }
  }

  /** Whether a subject's sequence has stood still for the TTL, by this process's clock. */
  private stale(subject: string, seq: number, now: number): boolean {
    const s = this.seen.get(subject);
    if (s === undefined || s.seq !== seq) {
      this.seen.set(subject, { seq, since: now });
      return false;
    }
    return now - s.since >= this.ttlMs;
  }

  private async get(subject: string): Promise<{ seq: number; value: LeaseValue | null }> {
    const m = await this.bus.retrying(() =>
      this.bus.jsm.streams.getMessage(LEASES_STREAM, { last_by_subj: subject }),
    );
    if (m === null) return { seq: 0, value: null };
    try {
      const v = m.json<LeaseValue>();
      return { seq: m.seq, value: typeof v.owner === 'string' ? v : null };
    } catch {
      // A damaged value holds nobody's lease; the next write replaces it.
      return { seq: m.seq, value: null };
    }
  }
}
