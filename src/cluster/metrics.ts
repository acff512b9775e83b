import {
  consumerName,
  EVENTS_STREAM,
  ROWS_STREAM,
  WRITER_CONSUMER,
  type EventBus,
} from '../bus/jetstream.js';
import type { IngestBatch } from '../pipeline/batch.js';
import type { Intake } from '../server/intake.js';
import type { Metric } from './metrics-http.js';
import type { ClusterWorker, WorkerStats } from './worker.js';
import type { RowsWriter, WriterStats } from './writer.js';

/**
 * The Prometheus metrics of the scale-out processes: `vigil worker` (vigil_worker_*), `vigil
 * writer` (vigil_writer_*) and ingest nodes (vigil_ingest_*), plus the process's own.
 */

const one = (value: number) => [{ value }];
const counter = (name: string, help: string, value: number): Metric => ({
  name,
  help,
  type: 'counter',
  samples: one(value),
});
const gauge = (name: string, help: string, value: number): Metric => ({
  name,
  help,
  type: 'gauge',
  samples: one(value),
});

/** Memory and uptime, under the names `vigil serve` uses. */
export function processMetrics(startedAt: number, now = Date.now()): Metric[] {
  const mem = process.memoryUsage();
  return [
    gauge('process_resident_memory_bytes', 'Resident memory.', mem.rss),
    gauge('nodejs_heap_used_bytes', 'V8 heap in use.', mem.heapUsed),
    gauge(
      'process_start_time_seconds',
      'When the process started (Unix seconds).',
      Math.floor(startedAt / 1000),
    ),
    gauge(
      'vigil_uptime_seconds',
      'Seconds since the process started.',
      Math.max(0, (now - startedAt) / 1000),
    ),
  ];
}

/** A consumer's backlog: messages not yet delivered, and delivered but not acked. */
export interface ConsumerBacklog {
  readonly pending: number;
  readonly ackPending: number;
}

/**
 * Consumer backlogs read from JetStream at most once per `maxAgeMs`, however often Prometheus
 * scrapes (each read is one request per consumer to the stream's leader). Scrapes that arrive
 * during a read share it. A consumer that could not be read has no value: no sample beats a stale one.
 */
export class BacklogCache {
  private values = new Map<string, ConsumerBacklog>();
  private readAt = -Infinity;
  private reading: Promise<void> | null = null;
  /** Reads sent to JetStream (one per consumer), and the ones that failed. */
  reads = 0;
  readErrors = 0;

  constructor(
    private readonly read: (consumer: string) => Promise<ConsumerBacklog>,
    private readonly maxAgeMs = 5000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  async get(consumers: readonly string[]): Promise<Map<string, ConsumerBacklog>> {
    if (this.now() - this.readAt >= this.maxAgeMs) {
      this.reading ??= this.refresh(consumers).finally(() => (this.reading = null));
      await this.reading;
    } else if (this.reading !== null) await this.reading;
    const out = new Map<string, ConsumerBacklog>();
    for (const c of consumers) {
      const v = this.values.get(c);
      if (v !== undefined) out.set(c, v);
    }
    return out;
  }

  private async refresh(consumers: readonly string[]): Promise<void> {
    this.readAt = this.now();
    const next = new Map<string, ConsumerBacklog>();
    await Promise.all(
      consumers.map(async (c) => {
        this.reads++;
        try {
          next.set(c, await this.read(c));
        } catch {
          this.readErrors++;
        }
      }),
    );
    this.values = next;
  }
}

/** What `vigil worker --metrics` serves. `backlog` is keyed by partition. */
export function workerMetrics(
  stats: WorkerStats,
  owned: readonly number[],
  backlog: ReadonlyMap<number, ConsumerBacklog>,
): Metric[] {
  const perPartition = (pick: (b: ConsumerBacklog) => number) =>
    owned.flatMap((p) => {
      const b = backlog.get(p);
      return b === undefined ? [] : [{ labels: { partition: `${p}` }, value: pick(b) }];
    });
  return [
    counter('vigil_worker_messages_total', 'Event messages processed and acked.', stats.messages),
    counter('vigil_worker_events_total', 'Events prepared and handed on durably.', stats.events),
    counter('vigil_worker_alerts_total', 'Alerts raised.', stats.alerts),
    counter(
      'vigil_worker_redelivered_total',
      'Event messages received again (not acked in time before, or by a worker that died).',
      stats.redelivered,
    ),
    counter(
      'vigil_worker_damaged_total',
      'Event messages that could not be decoded (dropped).',
      stats.damaged,
    ),
    {
      name: 'vigil_worker_seconds_total',
      help: 'Time spent on normalize/detect/correlate (stage=prepare), handing rows on durably (stage=sink), and replaying stored events to rebuild state on takeover (stage=replay).',
      type: 'counter',
      samples: [
        { labels: { stage: 'prepare' }, value: stats.prepareMs / 1000 },
        { labels: { stage: 'sink' }, value: stats.sinkMs / 1000 },
        { labels: { stage: 'replay' }, value: stats.replayMs / 1000 },
      ],
    },
    counter(
      'vigil_worker_replayed_events_total',
      'Stored events replayed to rebuild correlation and analytics state on taking partitions over.',
      stats.replayed,
    ),
    gauge('vigil_worker_partitions_owned', 'Partitions this worker consumes now.', owned.length),
    {
      name: 'vigil_worker_partition_pending',
      help: 'Messages of an owned partition not yet delivered (its backlog; read at most every few seconds).',
      type: 'gauge',
      samples: perPartition((b) => b.pending),
    },
    {
      name: 'vigil_worker_partition_ack_pending',
      help: 'Messages of an owned partition delivered and not yet acked.',
      type: 'gauge',
      samples: perPartition((b) => b.ackPending),
    },
  ];
}

/** What `vigil writer --metrics` serves. */
export function writerMetrics(stats: WriterStats, backlog: ConsumerBacklog | undefined): Metric[] {
  return [
    counter('vigil_writer_messages_total', 'Rows messages stored and acked.', stats.messages),
    counter('vigil_writer_events_total', 'Events stored.', stats.events),
    counter('vigil_writer_alerts_total', 'Alerts stored.', stats.alerts),
    counter(
      'vigil_writer_damaged_total',
      'Rows messages that could not be decoded (dropped).',
      stats.damaged,
    ),
    counter(
      'vigil_writer_already_stored_total',
      'Rows messages found already stored (redelivered after a crash) and left out.',
      stats.skipped,
    ),
    counter(
      'vigil_writer_insert_seconds_total',
      'Time spent storing rows (with retries).',
      stats.insertMs / 1000,
    ),
    {
      name: 'vigil_writer_pending',
      help: 'Rows messages not yet delivered to the writer (read at most every few seconds).',
      type: 'gauge',
      samples: backlog === undefined ? [] : one(backlog.pending),
    },
    {
      name: 'vigil_writer_ack_pending',
      help: 'Rows messages delivered to the writer and not yet acked.',
      type: 'gauge',
      samples: backlog === undefined ? [] : one(backlog.ackPending),
    },
  ];
}

/** A consumer's backlog from JetStream (one request to the stream's leader). */
function consumerBacklog(bus: EventBus, stream: string) {
  return async (name: string): Promise<ConsumerBacklog> => {
    const c = await bus.jsm.consumers.info(stream, name);
    return { pending: c.num_pending, ackPending: c.num_ack_pending };
  };
}

/** Collects a worker's metrics on each scrape; backlogs of its partitions come from the cache. */
export function workerCollector(
  bus: EventBus,
  worker: Pick<ClusterWorker, 'stats' | 'owned'>,
  startedAt: number,
  backlogMaxAgeMs = 5000,
): () => Promise<Metric[]> {
  const cache = new BacklogCache(consumerBacklog(bus, EVENTS_STREAM), backlogMaxAgeMs);
  return async () => {
    const owned = worker.owned();
    const read = await cache.get(owned.map(consumerName));
    const byPartition = new Map<number, ConsumerBacklog>();
    for (const p of owned) {
      const b = read.get(consumerName(p));
      if (b !== undefined) byPartition.set(p, b);
    }
    return [...workerMetrics(worker.stats, owned, byPartition), ...processMetrics(startedAt)];
  };
}

/** Collects the writer's metrics on each scrape; its consumer's backlog comes from the cache. */
export function writerCollector(
  bus: EventBus,
  writer: Pick<RowsWriter, 'stats'>,
  startedAt: number,
  backlogMaxAgeMs = 5000,
): () => Promise<Metric[]> {
  const cache = new BacklogCache(consumerBacklog(bus, ROWS_STREAM), backlogMaxAgeMs);
  return async () => {
    const backlog = (await cache.get([WRITER_CONSUMER])).get(WRITER_CONSUMER);
    return [...writerMetrics(writer.stats, backlog), ...processMetrics(startedAt)];
  };
}

/** An ingest node's counts: HTTP answers, and what its intake published to JetStream. */
export class IngestMeter {
  private readonly answers = new Map<number, number>();
  batches = 0;
  events = 0;
  bytes = 0;
  duplicates = 0;
  failures = 0;
  publishMs = 0;

  answered(status: number): void {
    this.answers.set(status, (this.answers.get(status) ?? 0) + 1);
  }

  /** The intake, counted: each append's events, bytes, time, duplicates and failures. */
  meter(inner: Intake): Intake {
    return {
      append: async (batch: IngestBatch) => {
        const started = performance.now();
        try {
          const accepted = await inner.append(batch);
          this.batches++;
          if (accepted.duplicate) this.duplicates++;
          else {
            this.events += batch.records.length;
            for (const l of batch.lines) this.bytes += Buffer.byteLength(l);
          }
          return accepted;
        } catch (e) {
          this.failures++;
          throw e;
        } finally {
          this.publishMs += performance.now() - started;
        }
      },
    };
  }

  metrics(inflightBytes: number): Metric[] {
    const codes = [...this.answers].sort(([a], [b]) => a - b);
    return [
      {
        name: 'vigil_ingest_requests_total',
        help: 'HTTP requests answered, by status code (503: JetStream did not ack; 429: too much in flight).',
        type: 'counter',
        samples: codes.map(([code, n]) => ({ labels: { code: `${code}` }, value: n })),
      },
      counter(
        'vigil_ingest_events_total',
        'Events published to JetStream and acked (duplicates not counted).',
        this.events,
      ),
      counter('vigil_ingest_bytes_total', 'Bytes of those events (their JSON text).', this.bytes),
      counter(
        'vigil_ingest_duplicates_total',
        'Batches JetStream already had (a retried request within the duplicate window).',
        this.duplicates,
      ),
      counter(
        'vigil_ingest_publish_failures_total',
        'Batches JetStream did not ack within the publish deadline (the client got 503).',
        this.failures,
      ),
      counter(
        'vigil_ingest_publish_seconds_total',
        'Time from publish to the last ack, summed over batches.',
        this.publishMs / 1000,
      ),
      counter(
        'vigil_ingest_publishes_total',
        'Batches published (acked or failed): the count for publish seconds.',
        this.batches + this.failures,
      ),
      gauge('vigil_ingest_inflight_bytes', 'Request bytes being read and parsed right now.', inflightBytes),
    ];
  }
}
