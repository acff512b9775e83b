import { Worker } from 'node:worker_threads';
import type { WalPosition } from '../bus/wal.js';
import type { EnrichedBatch } from './enrich.js';
import type { TenantSuppression } from '../detect/suppressions.js';
import type { EnrichWorkerData, EnrichWorkerInput, EnrichWorkerMessage } from './enrich-worker.js';

const workerUrl = new URL('./enrich-worker.js', import.meta.url);

interface Slot {
  readonly worker: Worker;
  inFlight: number;
}

/**
 * Normalize, detect and build rows on worker threads. Each worker compiles the rules itself. Any
 * failure (a worker that cannot start or dies) makes the pool unusable; the caller then does the
 * work on its own thread, so events are never stuck behind a broken worker.
 */
export class EnrichPool {
  private readonly slots: Slot[] = [];
  private readonly waiting = new Map<
    number,
    { slot: Slot; resolve: (r: EnrichedBatch) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;
  private nextRecycle = 0;
  private closing = false;
  failure: Error | null = null;
  /** Resolves when every worker is ready; rejects if one cannot start. */
  readonly ready: Promise<void>;

  constructor(threads: number, rulePaths: readonly string[], disabled: readonly string[] = []) {
    const readies: Promise<void>[] = [];
    for (let i = 0; i < threads; i++) {
      const worker = new Worker(workerUrl, {
        workerData: { rulePaths, disabled } satisfies EnrichWorkerData,
        // A ceiling makes V8 collect sooner, so memory stays flat under load; SigmaHQ needs ~300 MB.
        resourceLimits: { maxOldGenerationSizeMb: 640, maxYoungGenerationSizeMb: 32 },
      });
      const slot: Slot = { worker, inFlight: 0 };
      this.slots.push(slot);
      readies.push(
        new Promise<void>((resolve, reject) => {
          worker.on('message', (m: EnrichWorkerMessage) => {
            if (m.type === 'ready') resolve();
            else if (m.type === 'failed') reject(new Error(`pipeline worker could not start: ${m.message}`));
            else {
              const w = this.waiting.get(m.id);
              if (w === undefined) return;
              this.waiting.delete(m.id);
              w.slot.inFlight--;
              if (m.type === 'result') w.resolve(m.result);
              else w.reject(new Error(`pipeline worker: ${m.message}`));
            }
          });
          worker.on('error', (e) => {
            reject(e);
            this.fail(e);
          });
          worker.on('exit', (code) => {
            if (!this.closing) this.fail(new Error(`pipeline worker exited with code ${code}`));
          });
        }),
      );
    }
    this.ready = Promise.all(readies).then(() => undefined);
    this.ready.catch((e: unknown) => this.fail(e as Error));
  }

  get usable(): boolean {
    return this.failure === null && !this.closing;
  }

  /** Every worker applies these exceptions from its next job on (messages arrive in order). */
  setSuppressions(list: readonly TenantSuppression[]): void {
    const message: EnrichWorkerInput = { type: 'suppressions', list };
    for (const s of this.slots) s.worker.postMessage(message);
  }

  /**
   * Hands the row buffers of stored batches back to the workers, to be written again: they must
   * not be read afterwards (they are moved, not copied). Views that share their buffer are skipped.
   */
  recycle(views: readonly Uint8Array[]): void {
    if (!this.usable || this.slots.length === 0) return;
    const buffers = views
      .filter((v) => v.byteOffset === 0 && v.buffer instanceof ArrayBuffer && v.buffer.byteLength > 0)
      .map((v) => v.buffer as ArrayBuffer)
      .filter((b, i, all) => all.indexOf(b) === i);
    if (buffers.length === 0) return;
    const slot = this.slots[this.nextRecycle++ % this.slots.length]!;
    const message: EnrichWorkerInput = { type: 'recycle', buffers };
    slot.worker.postMessage(message, buffers);
  }

  /** Decodes and enriches one ingest log record on a worker. */
  enrich(payload: Uint8Array, at: WalPosition, now: number): Promise<EnrichedBatch> {
    if (!this.usable) return Promise.reject(this.failure ?? new Error('the pipeline pool is closed'));
    const slot = this.slots.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    const id = this.nextId++;
    slot.inFlight++;
    return new Promise<EnrichedBatch>((resolve, reject) => {
      this.waiting.set(id, { slot, resolve, reject });
      // One copy of the bytes crosses; the worker parses them.
      const copy = new Uint8Array(payload);
      const job: EnrichWorkerInput = { type: 'job', id, payload: copy, at, now };
      slot.worker.postMessage(job, [copy.buffer]);
    });
  }

  private fail(e: Error): void {
    if (this.failure !== null) return;
    this.failure = e;
    for (const [id, w] of this.waiting) {
      this.waiting.delete(id);
      w.reject(e);
    }
  }

  /** Closes once the jobs already handed out are answered (a rule reload replaces the pool). */
  async retire(): Promise<void> {
    while (this.waiting.size > 0 && this.failure === null) await new Promise((r) => setTimeout(r, 50));
    await this.close();
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
