import type { EventBus } from '../bus/jetstream.js';
import type { JsonObject } from '../ingest/types.js';
import type { IngestBatch } from '../pipeline/index.js';

/**
 * Where the front doors (HTTP ingest, syslog, the container watcher) put accepted batches.
 * `append` resolves once the batch is durable; a batch retried with the same idempotency key is
 * accepted once. A single node appends to its ingest log (IntakeLog); an ingest node publishes to
 * JetStream (BusIntake).
 */
export interface Intake {
  append(batch: IngestBatch): Promise<{ readonly duplicate: boolean }>;
}

/**
 * The ingest role's intake: publishes through the event bus, split by normalized host, and
 * resolves only after JetStream acks every part. Deduplication is JetStream's: the message ids
 * derive from the tenant and the idempotency key, so a retried request is dropped by the stream.
 */
export class BusIntake implements Intake {
  constructor(
    private readonly bus: EventBus,
    private readonly hostOf: (record: JsonObject) => string,
  ) {}

  async append(batch: IngestBatch): Promise<{ duplicate: boolean }> {
    const r = await this.bus.publishBatch(batch, this.hostOf);
    return { duplicate: r.messages > 0 && r.duplicates === r.messages };
  }
}
