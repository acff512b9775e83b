import { Wal, type WalOptions, type WalPosition } from '../bus/wal.js';
import { batchKey, encodeBatch, type IngestBatch } from './batch.js';

/** How many idempotency keys are remembered; the oldest are forgotten first. */
const MAX_KEYS = 1_000_000;

export interface Accepted {
  readonly position: WalPosition;
  /** The key was seen before: nothing was appended, and this is the first append's position. */
  readonly duplicate: boolean;
}

/**
 * The ingest log as the front doors see it: appends are durable when they resolve, and a batch
 * retried with the same idempotency key (after a lost reply, say) is accepted once. Keys are
 * remembered for as long as their log segments are kept, across restarts.
 */
export class IntakeLog {
  private readonly keys = new Map<string, Promise<WalPosition>>();
  onAppend: ((position: WalPosition, batch: IngestBatch) => void) | null = null;

  private constructor(readonly wal: Wal) {}

  static open(dir: string, options: WalOptions = {}): IntakeLog {
    const log = new IntakeLog(Wal.open(dir, options));
    for (const entry of log.wal.read({ segment: 0, offset: 0 }, Infinity).entries) {
      try {
        const { tenant, key } = batchKey(entry.payload);
        if (key !== null) log.remember(`${tenant}\u0000${key}`, Promise.resolve(entry.position));
      } catch {
        // A damaged header: the pipeline reports it when it reaches the record.
      }
    }
    return log;
  }

  async append(batch: IngestBatch): Promise<Accepted> {
    const k = batch.key === null ? null : `${batch.tenant}\u0000${batch.key}`;
    const earlier = k === null ? undefined : this.keys.get(k);
    if (earlier !== undefined) {
      try {
        return { position: await earlier, duplicate: true };
      } catch {
        // The earlier append failed: this one is a real first attempt.
      }
    }
    const appended = this.wal.append(encodeBatch(batch));
    if (k !== null) this.remember(k, appended);
    try {
      const position = await appended;
      this.onAppend?.(position, batch);
      return { position, duplicate: false };
    } catch (e) {
      if (k !== null && this.keys.get(k) === appended) this.keys.delete(k);
      throw e;
    }
  }

  private remember(key: string, position: Promise<WalPosition>): void {
    this.keys.delete(key);
    this.keys.set(key, position);
    if (this.keys.size > MAX_KEYS) this.keys.delete(this.keys.keys().next().value!);
  }
}
