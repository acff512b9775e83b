import { hostname } from 'node:os';
import type { JsMsg } from '@nats-io/jetstream';
import type { EventBus } from '../bus/jetstream.js';
import { PartitionLeases, WRITER_LEASE } from '../bus/leases.js';
import type { IncidentService } from '../correlate/index.js';
import type { Store } from '../store/index.js';
import { serveHistory } from './history.js';
import { decodeRows, storeRowsBatch, type PreparedRows } from './rows.js';

export interface WriterStats {
  messages: number;
  events: number;
  alerts: number;
  damaged: number;
  insertMs: number;
  /** Messages whose rows were already stored (redelivered after a crash): left out. */
  skipped: number;
}

/**
 * The single writer: the one process that opens the embedded store. It drains the rows stream,
 * stores what it fetched with one insert per table (leaving out messages already stored, see
 * storeRowsBatch), acks, then links the alerts into incidents (which dedupe by alert id). This is also the
 * second, cross-host stage: it sees every partition's alerts, so stories that span hosts (one
 * hash on many machines, lateral movement) become one incident whatever worker saw each part.
 *
 * One writer is active at a time, under a lease; others (with a ClickHouse server, where several
 * can run) stand by and take over when its lease goes stale, rebuilding incidents from the store.
 */
export class RowsWriter {
  readonly stats: WriterStats = {
    messages: 0,
    events: 0,
    alerts: 0,
    damaged: 0,
    insertMs: 0,
    skipped: 0,
  };
  private stopped = false;
  private loop: Promise<void> | null = null;
  private history: { stop(): Promise<void> } | null = null;

  constructor(
    private readonly bus: EventBus,
    private readonly store: Store,
    private readonly options: {
      readonly incidents?: IncidentService;
      readonly fetchMax?: number;
      readonly log?: (m: string) => void;
      /** This writer's name in the lease (default host-pid). */
      readonly id?: string;
      /** A lease unchanged this long is taken over (6 s by default). */
      readonly leaseTtlMs?: number;
    } = {},
  ) {}

  /** Whether this writer holds the lease and is writing (else it stands by). */
  active = false;

  /** Stores rows, and answers the workers' history requests (they cannot open this store). */
  start(): void {
    this.history ??= serveHistory(this.bus, this.store, this.options.log);
    this.loop ??= this.run().catch((e: unknown) =>
      this.options.log?.(`writer stopped: ${(e as Error).message}`),
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.history?.stop();
    await this.loop;
    await this.options.incidents?.flush();
  }

  private async run(): Promise<void> {
    const ttl = this.options.leaseTtlMs ?? 6000;
    const lease = new PartitionLeases(
      this.bus,
      this.options.id ?? `${hostname()}-${process.pid}`,
      1,
      ttl,
      WRITER_LEASE,
    );
    while (!this.stopped) {
      if (!(await this.takeLease(lease, ttl))) return;
      const renewing = setInterval(
        () =>
          void lease.renew(0).then(
            (held) => {
              if (!held) this.active = false;
            },
            () => {},
          ),
        Math.max(200, Math.floor(ttl / 3)),
      );
      try {
        await this.write();
      } finally {
        clearInterval(renewing);
        if (this.active) await lease.release(0).catch(() => {});
        else this.options.log?.('writer lease lost: standing by');
        this.active = false;
      }
    }
  }

  /**
   * Waits for the lease; false if stopped first. Each time it is taken, incidents are rebuilt from
   * the store: at start-up, on taking over from another writer with all it wrote, and on taking it
   * back after losing it, since another writer may have stored alerts in between.
   */
  private async takeLease(lease: PartitionLeases, ttl: number): Promise<boolean> {
    let waited = false;
    while (!this.stopped) {
      if (await lease.tryTake(0).catch(() => false)) {
        if (waited) this.options.log?.('writer lease taken over: active');
        await this.options.incidents?.restore();
        this.active = true;
        return true;
      }
      if (!waited) this.options.log?.('another writer is active: standing by');
      waited = true;
      await new Promise((r) => setTimeout(r, Math.max(200, Math.floor(ttl / 3))));
    }
    return false;
  }

  private async write(): Promise<void> {
    const consumer = await this.bus.retrying(() => this.bus.writerConsumer());
    while (!this.stopped && this.active) {
      const msgs: JsMsg[] = [];
      try {
        const batch = await consumer.fetch({ max_messages: this.options.fetchMax ?? 256, expires: 1000 });
        for await (const m of batch) msgs.push(m);
      } catch (e) {
        this.options.log?.(`writer fetch: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      if (msgs.length === 0) {
        await this.options.incidents?.flush();
        continue;
      }
      const rows: PreparedRows[] = [];
      const good: JsMsg[] = [];
      for (const m of msgs) {
        try {
          rows.push(decodeRows(m.data));
          good.push(m);
        } catch (e) {
          this.stats.damaged++;
          this.options.log?.(`rows message ${m.seq} unreadable, dropped: ${(e as Error).message}`);
          m.term();
        }
      }
      const started = performance.now();
      this.stats.skipped += await this.storeWithRetry(rows, good);
      this.stats.insertMs += performance.now() - started;
      await Promise.all(good.map((m) => m.ackAck().catch(() => false)));
      for (const r of rows) {
        this.stats.messages++;
        this.stats.events += r.eventCount;
        this.stats.alerts += r.alerts.length;
      }
      await this.options.incidents?.record(rows.flatMap((r) => r.incidents));
    }
  }

  /** Returns the messages found already stored. */
  private async storeWithRetry(rows: readonly PreparedRows[], msgs: readonly JsMsg[]): Promise<number> {
    for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
      try {
        return await storeRowsBatch(this.store, rows);
      } catch (e) {
        this.options.log?.(`storing ${rows.length} rows messages failed, retrying: ${(e as Error).message}`);
        for (const m of msgs) m.working();
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
