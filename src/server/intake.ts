import { EVENTS_STREAM, splitByHost, type EventBus } from '../bus/jetstream.js';
import type { WalPosition } from '../bus/wal.js';
import type { JsonObject } from '../ingest/types.js';
import { encodeBatch, type IngestBatch } from '../pipeline/index.js';

export interface IntakeAccepted {
  /** The batch's key was seen before: nothing new was stored. */
  readonly duplicate: boolean;
  /**
   * Where the batch's event ids derive from (`eventIdOf(position, index)`), when the whole batch
   * went to one place: always in the ingest log; on the bus, when it held one host's events.
   */
  readonly position: WalPosition | null;
}

/**
 * Where the front doors (HTTP ingest, syslog, the container watcher, mail) put accepted batches.
 * `append` resolves once the batch is durable; a batch retried with the same idempotency key is
 * accepted once. A single node appends to its ingest log (IntakeLog); ingest and api nodes
 * publish to JetStream (BusIntake).
 */
export interface Intake {
  append(batch: IngestBatch): Promise<IntakeAccepted>;
}

/** JetStream did not ack within the publish deadline: nothing is promised, the client retries. */
export class IntakeUnavailableError extends Error {
  constructor(cause: Error) {
    super(`the event stream did not take the batch: ${cause.message}`);
    this.name = 'IntakeUnavailableError';
  }
}

/**
 * The scale-out intake: publishes through the event bus, split by normalized host, and resolves
 * only after JetStream acks every part. Deduplication is JetStream's: the message ids derive from
 * the tenant and the idempotency key, so a retried request is dropped by the stream.
 */
export class BusIntake implements Intake {
  /** The event stream's creation second: the first part of every event id the workers assign. */
  private epoch: Promise<number> | null = null;

  constructor(
    private readonly bus: EventBus,
    private readonly hostOf: (record: JsonObject) => string,
  ) {}

  async append(batch: IngestBatch): Promise<IntakeAccepted> {
    const parts = splitByHost(batch, this.hostOf);
    let acks;
    try {
      acks = await Promise.all(parts.map((p) => this.bus.publish(p.subject, encodeBatch(p.batch), p.msgId)));
    } catch (e) {
      throw new IntakeUnavailableError(e as Error);
    }
    const duplicate = acks.length > 0 && acks.every((a) => a.duplicate);
    // A duplicate's ack carries the first message's sequence, so its ids are the stored ones.
    const position = acks.length === 1 ? { segment: await this.streamEpoch(), offset: acks[0]!.seq } : null;
    return { duplicate, position };
  }

  private streamEpoch(): Promise<number> {
    this.epoch ??= this.bus.jsm.streams.info(EVENTS_STREAM).then(
      (info) => Math.floor(Date.parse(info.created) / 1000),
      (e: unknown) => {
        this.epoch = null;
        throw e;
      },
    );
    return this.epoch;
  }
}
