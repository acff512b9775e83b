import type { JsMsg } from '@nats-io/jetstream';
import { EVENTS_STREAM, ROWS_SUBJECT, type EventBus } from '../bus/jetstream.js';
import { PartitionLeases } from '../bus/leases.js';
import type { Detector } from '../detect/hunt/detector.js';
import type { TenantSuppression } from '../detect/suppressions.js';
import type { ColumnMapper } from '../normalize/columns.js';
import type { Mappings } from '../normalize/mappings.js';
import { decodeBatch } from '../pipeline/batch.js';
import type { Store } from '../store/index.js';
import { readHistory, type HistorySource } from './history.js';
import { PartitionPipeline, replayWindow } from './partition-pipeline.js';
import { encodeRows, storeRows, type PreparedRows } from './rows.js';

/** Where a worker's rows go once prepared. */
export interface RowsSink {
  /** Resolves once the rows are durable (stored, or acked by JetStream). */
  write(rows: readonly PreparedRows[], partition: number): Promise<void>;
}

/** To the single writer, through the rows stream (the embedded store allows one process). */
export function writerSink(bus: EventBus): RowsSink {
  return {
    async write(rows, partition) {
      await Promise.all(
        rows.map((r) => bus.publish(`${ROWS_SUBJECT}.${partition}`, encodeRows(r), `r-${r.id}`)),
      );
    },
  };
}

/**
 * Straight into a shared ClickHouse server: every worker inserts its own rows. What incident
 * building needs still goes through the rows stream to the writer, the one stage that sees every
 * partition's alerts and so links stories across hosts.
 */
export function storeSink(store: Store, bus: EventBus): RowsSink {
  return {
    async write(rows, partition) {
      for (const r of rows) await storeRows(store, r);
      await Promise.all(
        rows.map((r) =>
          bus.publish(
            `${ROWS_SUBJECT}.${partition}`,
            encodeRows({ ...r, eventCount: 0, events: new Uint8Array(0), alerts: [] }),
            `i-${r.id}`,
          ),
        ),
      );
    },
  };
}

export interface WorkerTools {
  readonly detector: Detector;
  readonly mappings: Mappings;
  readonly columns: ColumnMapper;
}

export interface WorkerOptions {
  readonly id: string;
  /** Must match the servers' partition mapping. */
  readonly partitions: number;
  /** A lease unchanged this long is taken over. */
  readonly leaseTtlMs?: number;
  /** Messages per fetch. */
  readonly fetchMax?: number;
  /** Where a partition's recent events are read back when this worker takes it over. */
  readonly history?: HistorySource;
  /**
   * The longest replay, whatever the rules' timespans (24 h by default); also how far back in
   * receive time a takeover looks for the partition's events.
   */
  readonly replayWindowMs?: number;
  /** The most events replayed per partition taken over (200,000 by default): the newest. */
  readonly replayMaxEvents?: number;
  readonly log?: (m: string) => void;
}

export interface WorkerStats {
  messages: number;
  events: number;
  alerts: number;
  redelivered: number;
  /** Event messages that could not be decoded: terminated, and logged. */
  damaged: number;
  /** Milliseconds in normalize → detect → correlate, and waiting for the sink. */
  prepareMs: number;
  sinkMs: number;
  /** Stored events replayed to rebuild state on taking partitions over, and the time it took. */
  replayed: number;
  replayMs: number;
}

/**
 * `vigil worker`: owns a fair share of the partitions (leases), consumes each through its durable
 * pull consumer, runs the pipeline stages, hands the rows to the sink and acks the event messages
 * only once the sink has them durably. A dead worker's leases go stale and others take its
 * partitions; what it had fetched but not acked is redelivered after the consumer's ack wait.
 */
export class ClusterWorker {
  readonly stats: WorkerStats = {
    messages: 0,
    events: 0,
    alerts: 0,
    redelivered: 0,
    damaged: 0,
    prepareMs: 0,
    sinkMs: 0,
    replayed: 0,
    replayMs: 0,
  };
  private readonly leases: PartitionLeases;
  private readonly loops = new Map<number, { stop: boolean; done: Promise<void> }>();
  private stopping = false;
  private timer: NodeJS.Timeout | null = null;
  private balancing: Promise<void> = Promise.resolve();
  private epoch = 0;
  private readonly ttl: number;
  /** In force for the next batch of every partition; changed from the control stream (control.ts). */
  private detector: Detector;
  private suppressions: readonly TenantSuppression[] = [];

  constructor(
    private readonly bus: EventBus,
    private readonly tools: WorkerTools,
    private readonly sink: RowsSink,
    private readonly options: WorkerOptions,
  ) {
    this.ttl = options.leaseTtlMs ?? 6000;
    this.leases = new PartitionLeases(bus, options.id, options.partitions, this.ttl);
    this.detector = tools.detector;
  }

  /** A rule set changed on an api node: each partition prepares its next batch with it. */
  useRules(detector: Detector): void {
    this.detector = detector;
  }

  /** The analysts' exceptions of every tenant, from each partition's next batch on. */
  setSuppressions(list: readonly TenantSuppression[]): void {
    this.suppressions = list;
  }

  get id(): string {
    return this.options.id;
  }

  /** Partitions this worker consumes now. */
  owned(): number[] {
    return [...this.loops.keys()].sort((a, b) => a - b);
  }

  async start(): Promise<void> {
    // Event ids are `<stream epoch>-<sequence>-<index>`: unique for this stream's life, and the
    // same on every delivery of a message.
    const info = await this.bus.jsm.streams.info(EVENTS_STREAM);
    this.epoch = Math.floor(Date.parse(info.created) / 1000);
    await PartitionLeases.ensureStream(this.bus);
    await this.balance();
    this.timer = setInterval(
      () => {
        this.balancing = this.balancing.then(() =>
          this.balance().catch((e: unknown) => this.log(`partition balance: ${(e as Error).message}`)),
        );
      },
      Math.max(200, Math.floor(this.ttl / 3)),
    );
  }

  /** Graceful drain: finish the messages in hand, ack them, release the leases. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer !== null) clearInterval(this.timer);
    await this.balancing;
    for (const p of this.owned()) await this.deactivate(p);
    for (const p of this.leases.owned()) await this.leases.release(p).catch(() => {});
  }

  private log(m: string): void {
    this.options.log?.(`[worker ${this.options.id}] ${m}`);
  }

  /** Renews what it holds, gives up extra partitions, takes free or stale ones up to a fair share. */
  private async balance(): Promise<void> {
    if (this.stopping) return;
    await this.leases.heartbeat();
    for (const p of this.leases.owned()) {
      if (!(await this.leases.renew(p))) {
        this.log(`lost partition ${p}`);
        await this.deactivate(p);
      }
    }
    const live = await this.leases.liveWorkers();
    const target = Math.ceil(this.options.partitions / live.length);
    const held = this.leases.owned();
    for (const p of held.slice(target)) {
      await this.deactivate(p);
      await this.leases.release(p);
      this.log(`released partition ${p} (fair share ${target} of ${this.options.partitions})`);
    }
    // Each worker starts its search at its own place, so workers starting together spread out.
    const start = live.indexOf(this.options.id) * target;
    for (let i = 0; i < this.options.partitions && this.leases.owned().length < target; i++) {
      const p = (start + i) % this.options.partitions;
      if (this.loops.has(p) || this.stopping) continue;
      if (await this.leases.tryTake(p)) {
        this.log(`took partition ${p}`);
        this.activate(p);
      }
    }
  }

  private activate(partition: number): void {
    const state = { stop: false, done: Promise.resolve() };
    state.done = this.consume(partition, state).catch((e: unknown) =>
      this.log(`partition ${partition} stopped: ${(e as Error).message}`),
    );
    this.loops.set(partition, state);
  }

  private async deactivate(partition: number): Promise<void> {
    const state = this.loops.get(partition);
    if (state === undefined) return;
    state.stop = true;
    await state.done;
    this.loops.delete(partition);
  }

  private async consume(partition: number, state: { stop: boolean }): Promise<void> {
    const consumer = await this.bus.retrying(() => this.bus.partitionConsumer(partition));
    const pipeline = new PartitionPipeline(this.detector, this.tools.mappings, this.tools.columns);
    await this.rebuild(partition, pipeline);
    while (!state.stop) {
      const msgs: JsMsg[] = [];
      try {
        const batch = await consumer.fetch({ max_messages: this.options.fetchMax ?? 64, expires: 1000 });
        for await (const m of batch) msgs.push(m);
      } catch (e) {
        // The stream's leader is moving, or this node went away: the client reconnects.
        this.log(`fetch on partition ${partition}: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      if (msgs.length === 0) continue;
      // No await from here to the last prepare: a change reported applied holds for the whole batch.
      pipeline.useRules(this.detector);
      pipeline.setSuppressions(this.suppressions);
      const started = performance.now();
      const rows: PreparedRows[] = [];
      const good: JsMsg[] = [];
      for (const m of msgs) {
        if (m.redelivered) this.stats.redelivered++;
        try {
          const batch = decodeBatch(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
          rows.push(pipeline.prepare(batch, { segment: this.epoch, offset: m.seq }));
          good.push(m);
        } catch (e) {
          this.stats.damaged++;
          this.log(`event message ${m.seq} unreadable, dropped: ${(e as Error).message}`);
          m.term();
        }
      }
      const prepared = performance.now();
      this.stats.prepareMs += prepared - started;
      await this.sinkWithRetry(rows, partition, good);
      this.stats.sinkMs += performance.now() - prepared;
      // Acked only now that the rows are durable; a lost ack means a redelivery, which dedups.
      await Promise.all(good.map((m) => m.ackAck().catch(() => false)));
      this.stats.messages += good.length;
      for (const r of rows) {
        this.stats.events += r.eventCount;
        this.stats.alerts += r.alerts.length;
      }
    }
  }

  /** Replays the partition's recent stored events into the new pipeline before consuming. */
  private async rebuild(partition: number, pipeline: PartitionPipeline): Promise<void> {
    const history = this.options.history;
    if (history === undefined) return;
    const started = performance.now();
    const cap = this.options.replayWindowMs ?? 24 * 3600_000;
    const request = {
      partition,
      partitions: this.options.partitions,
      receivedSince: Date.now() - cap,
      windowMs: replayWindow(this.tools.detector.rules, cap),
      limit: this.options.replayMaxEvents ?? 200_000,
    };
    try {
      const n = await pipeline.rebuild(readHistory(history, request));
      const ms = performance.now() - started;
      this.stats.replayed += n;
      this.stats.replayMs += ms;
      this.log(`partition ${partition}: state rebuilt from ${n} stored events in ${Math.round(ms)} ms`);
    } catch (e) {
      // Consuming goes on: detection is whole, only correlations across the move may be missed.
      this.log(`partition ${partition}: rebuilding state failed: ${(e as Error).message}`);
    }
  }

  private async sinkWithRetry(
    rows: readonly PreparedRows[],
    partition: number,
    msgs: JsMsg[],
  ): Promise<void> {
    for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
      try {
        await this.sink.write(rows, partition);
        return;
      } catch (e) {
        this.log(`handing rows on (partition ${partition}) failed, retrying: ${(e as Error).message}`);
        // Keeps the messages ours while we retry, instead of letting them be redelivered.
        for (const m of msgs) m.working();
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
