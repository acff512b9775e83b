import { createHash } from 'node:crypto';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type Consumer,
  type JetStreamClient,
  type JetStreamManager,
  type PubAck,
} from '@nats-io/jetstream';
import { encodeBatch, makeBatch, type IngestBatch } from '../pipeline/batch.js';
import type { JsonObject } from '../ingest/types.js';

/**
 * The scale-out event bus on NATS JetStream: the cluster counterpart of the single-node ingest
 * log (wal.ts). Ingest nodes publish each batch, split by (tenant, host), to
 * `vigil.events.in.<tenant>.<host-key>`; the servers' subject mapping turns that into
 * `vigil.events.p.<k>.<tenant>.<host-key>`, so all of one host's events land in partition k, which
 * one worker owns at a time.
 */
export const EVENTS_STREAM = 'VIGIL_EVENTS';
/** Prepared rows on their way to the single writer (the embedded store's one process). */
export const ROWS_STREAM = 'VIGIL_ROWS';
export const EVENTS_IN = 'vigil.events.in';
export const EVENTS_PARTITIONED = 'vigil.events.p';
export const ROWS_SUBJECT = 'vigil.rows';
export const WRITER_CONSUMER = 'vigil-writer';

const NS_PER_MS = 1_000_000;

/**
 * The server-side mapping every NATS node must carry, as (from, to) for a `mappings = {}` block.
 * The partition count here and in the workers' `--partitions` must agree.
 */
export function partitionMapping(partitions: number): [string, string] {
  checkPartitions(partitions);
  return [
    `${EVENTS_IN}.*.*`,
    `${EVENTS_PARTITIONED}.{{partition(${partitions},1,2)}}.{{wildcard(1)}}.{{wildcard(2)}}`,
  ];
}

export function checkPartitions(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new Error(`partitions must be 1..1024, not ${n}`);
  return n;
}

export const consumerName = (partition: number) => `vigil-p-${partition}`;
export const partitionFilter = (partition: number) => `${EVENTS_PARTITIONED}.${partition}.>`;

/** A subject token from any text: letters, digits, `-` and `_` stay; anything else is `~hh` (UTF-8). */
export function subjectToken(text: string): string {
  if (text === '') return '~';
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9_-]/.test(c) ? c : `~${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** A host's partition key: host names compare case-insensitively (as the store orders them). */
export function hostKey(host: string): string {
  return createHash('sha256').update(host.toLowerCase()).digest('hex').slice(0, 16);
}

/**
 * The partition NATS assigns to a host: `partition(N,1,2)` takes FNV-1a (32 bit) over the tenant
 * and host-key tokens, concatenated, modulo N. Workers use it to find their hosts in the store.
 */
export function partitionOf(tenant: string, host: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(subjectToken(tenant) + hostKey(host), 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}

export interface HostPart {
  readonly subject: string;
  readonly batch: IngestBatch;
  /** Deterministic: the same batch split again gives the same ids, so a retry deduplicates. */
  readonly msgId: string;
}

/**
 * Splits a batch by host (records keep their order within a host). The message id comes from the
 * client's idempotency key when there is one, else from the content and receive time.
 */
export function splitByHost(batch: IngestBatch, hostOf: (record: JsonObject) => string): HostPart[] {
  const groups = new Map<string, { records: JsonObject[]; lines: string[] }>();
  batch.records.forEach((record, i) => {
    const key = hostKey(hostOf(record));
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { records: [], lines: [] }));
    g.records.push(record);
    g.lines.push(batch.lines[i]!);
  });
  const tenant = subjectToken(batch.tenant);
  const parts: HostPart[] = [];
  for (const [key, g] of groups) {
    const part = makeBatch(batch.tenant, batch.key, batch.via, g.records, batch.received, g.lines);
    const id = createHash('sha256').update(batch.tenant).update('\u0000');
    if (batch.key !== null) id.update(`k\u0000${batch.key}`);
    else {
      id.update(`c\u0000${batch.received}\u0000${batch.via}`);
      for (const l of g.lines) id.update('\u0000').update(l);
    }
    id.update(`\u0000${key}`);
    parts.push({ subject: `${EVENTS_IN}.${tenant}.${key}`, batch: part, msgId: id.digest('hex') });
  }
  return parts;
}

export interface BusOptions {
  /** Replicas of each stream (3 in a cluster; 1 for a single NATS server). */
  readonly replicas?: number;
  /** Unprocessed bytes the event stream holds before publishers are refused (back-pressure). */
  readonly maxBytes?: number;
  /** Window in which a repeated message id is dropped by JetStream. */
  readonly duplicateWindowMs?: number;
  /** How long a publish keeps retrying (leader failover takes about 5 s). */
  readonly publishDeadlineMs?: number;
  /** A message not acked within this is redelivered. */
  readonly ackWaitMs?: number;
  /** Messages handed out and not yet acked, per partition. */
  readonly maxAckPending?: number;
  readonly name?: string;
}

export interface PublishResult {
  readonly messages: number;
  /** Messages JetStream had already (a retried batch). */
  readonly duplicates: number;
}

/** Errors worth retrying: the stream has no leader for a moment, or a request timed out. */
function transient(e: unknown): boolean {
  const text = `${(e as Error).name} ${(e as Error).message}`.toLowerCase();
  return !/maximum (bytes|messages)|wrong last|insufficient|no suitable peers|message size|invalid/.test(
    text,
  );
}

export class EventBus {
  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    private readonly options: BusOptions,
  ) {}

  /** Connects to any of the cluster's servers; the client follows the cluster as nodes come and go. */
  static async connect(servers: readonly string[], options: BusOptions = {}): Promise<EventBus> {
    const nc = await connect({
      servers: [...servers],
      name: options.name ?? 'vigil',
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
    });
    const jsm = await jetstreamManager(nc, { timeout: 5000 });
    return new EventBus(nc, jetstream(nc, { timeout: 5000 }), jsm, options);
  }

  /**
   * Creates (if missing) the event and rows streams. Work-queue retention: a message leaves the
   * stream once its worker acks it, so the stream holds exactly the unprocessed backlog; when that
   * reaches maxBytes, publishing is refused (discard new) rather than dropping unprocessed events.
   */
  async ensureStreams(): Promise<void> {
    const common = {
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      num_replicas: this.options.replicas ?? 3,
      discard: DiscardPolicy.New,
      duplicate_window: (this.options.duplicateWindowMs ?? 120_000) * NS_PER_MS,
      max_age: 7 * 24 * 3600_000 * NS_PER_MS,
      max_msg_size: 32 * 1024 * 1024,
    };
    // Only partitioned subjects are captured: a node without the mapping refuses the publish
    // (no stream answers) instead of storing events no worker reads.
    await this.upsertStream({
      ...common,
      name: EVENTS_STREAM,
      subjects: [`${EVENTS_PARTITIONED}.>`],
      max_bytes: this.options.maxBytes ?? 1024 ** 3,
    });
    await this.upsertStream({
      ...common,
      name: ROWS_STREAM,
      subjects: [`${ROWS_SUBJECT}.>`],
      max_bytes: this.options.maxBytes ?? 1024 ** 3,
    });
  }

  private async upsertStream(config: Parameters<JetStreamManager['streams']['add']>[0]): Promise<void> {
    const name = config.name!;
    // An existing stream keeps its settings: changing limits is an operator's decision.
    const existing = await this.jsm.streams.info(name).catch(() => null);
    if (existing === null) await this.retrying(() => this.jsm.streams.add(config));
  }

  /** The durable pull consumer of one partition (created if missing). */
  async partitionConsumer(partition: number): Promise<Consumer> {
    const name = consumerName(partition);
    await this.ensureConsumer(EVENTS_STREAM, name, partitionFilter(partition));
    return this.js.consumers.get(EVENTS_STREAM, name);
  }

  async writerConsumer(): Promise<Consumer> {
    await this.ensureConsumer(ROWS_STREAM, WRITER_CONSUMER, `${ROWS_SUBJECT}.>`);
    return this.js.consumers.get(ROWS_STREAM, WRITER_CONSUMER);
  }

  private async ensureConsumer(stream: string, name: string, filter: string): Promise<void> {
    const exists = await this.jsm.consumers.info(stream, name).catch(() => null);
    if (exists !== null) return;
    await this.retrying(() =>
      this.jsm.consumers.add(stream, {
        durable_name: name,
        filter_subject: filter,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: (this.options.ackWaitMs ?? 30_000) * NS_PER_MS,
        max_ack_pending: this.options.maxAckPending ?? 1024,
        max_deliver: -1,
      }),
    );
  }

  /**
   * Publishes a batch, split by host; resolves once JetStream has acked every part (the ingest
   * node's durability contract), retrying each part with its message id across leader failover.
   */
  async publishBatch(batch: IngestBatch, hostOf: (record: JsonObject) => string): Promise<PublishResult> {
    const parts = splitByHost(batch, hostOf);
    const acks = await Promise.all(parts.map((p) => this.publish(p.subject, encodeBatch(p.batch), p.msgId)));
    return { messages: acks.length, duplicates: acks.filter((a) => a.duplicate).length };
  }

  /** One message, acked by the stream, with retries until the publish deadline. */
  publish(subject: string, payload: Uint8Array, msgID: string): Promise<PubAck> {
    return this.retrying(() => this.js.publish(subject, payload, { msgID, timeout: 2000 }));
  }

  /** Retries an operation that fails while a stream (or the meta group) elects a leader. */
  async retrying<T>(op: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + (this.options.publishDeadlineMs ?? 30_000);
    for (let delay = 100; ; delay = Math.min(delay * 2, 1000)) {
      try {
        return await op();
      } catch (e) {
        if (!transient(e) || Date.now() + delay > deadline) throw e;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  async close(): Promise<void> {
    // Not drain(): with a node gone, draining open pull requests can wait for a long time.
    await this.nc.close();
  }
}

/** `--nats a,b,c`: server URLs, `nats://` assumed. */
export function parseServers(text: string): string[] {
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0) throw new Error('no NATS server given');
  return list.map((s) => {
    const url = /^[a-z]+:\/\//.test(s) ? s : `nats://${s}`;
    const parsed = new URL(url);
    if (parsed.hostname === '' || !/^(nats|tls|ws|wss):$/.test(parsed.protocol))
      throw new Error(`not a NATS server URL: ${JSON.stringify(s)}`);
    return url;
  });
}
