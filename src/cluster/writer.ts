import type { JsMsg } from '@nats-io/jetstream';
import type { EventBus } from '../bus/jetstream.js';
import type { IncidentService } from '../correlate/index.js';
import type { Store } from '../store/index.js';
import { serveHistory } from './history.js';
import { decodeRows, storeRows, type PreparedRows } from './rows.js';

export interface WriterStats {
  messages: number;
  events: number;
  alerts: number;
  damaged: number;
  insertMs: number;
}

/**
 * The single writer: the one process that opens the embedded store. It drains the rows stream,
 * stores each message with tokens from its source message (a redelivery is dropped by ClickHouse),
 * acks it, then links its alerts into incidents (which dedupe by alert id).
 */
export class RowsWriter {
  readonly stats: WriterStats = { messages: 0, events: 0, alerts: 0, damaged: 0, insertMs: 0 };
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
    } = {},
  ) {}

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
    const consumer = await this.bus.retrying(() => this.bus.writerConsumer());
    while (!this.stopped) {
      const msgs: JsMsg[] = [];
      try {
        const batch = await consumer.fetch({ max_messages: this.options.fetchMax ?? 64, expires: 1000 });
        for await (const m of batch) msgs.push(m);
      } catch (e) {
        this.options.log?.(`writer fetch: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      if (msgs.length === 0) {
        await this.options.incidents?.flush();
        continue;
      }
      for (const m of msgs) {
        let rows: PreparedRows;
        try {
          rows = decodeRows(m.data);
        } catch (e) {
          this.stats.damaged++;
          this.options.log?.(`rows message ${m.seq} unreadable, dropped: ${(e as Error).message}`);
          m.term();
          continue;
        }
        const started = performance.now();
        await this.storeWithRetry(rows, m);
        this.stats.insertMs += performance.now() - started;
        await m.ackAck().catch(() => false);
        this.stats.messages++;
        this.stats.events += rows.eventCount;
        this.stats.alerts += rows.alerts.length;
        await this.options.incidents?.record(rows.incidents);
      }
    }
  }

  private async storeWithRetry(rows: PreparedRows, m: JsMsg): Promise<void> {
    for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
      try {
        await storeRows(this.store, rows);
        return;
      } catch (e) {
        this.options.log?.(`storing rows ${rows.id} failed, retrying: ${(e as Error).message}`);
        m.working();
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
