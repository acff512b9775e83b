import { Worker } from 'node:worker_threads';
import { VigilError } from '../../core/errors.js';
import { readFileParts } from '../../ingest/evtx/file-blocks.js';
import { ChunkWalker } from '../../ingest/evtx/walker.js';
import type { LogsourceVariant } from '../sigma/compile/rules.js';
import type { DetectionRule, Logsource, SigmaRule } from '../sigma/model.js';
import type { DetectionBatch } from './batches.js';
import { EVTX_EXTENSIONS, JSON_EXTENSIONS } from './inputs.js';
import { fromWireDetection, fromWireError } from './wire.js';
import type { HuntJob, HuntWorkerData, HuntWorkerMessage } from './worker.js';

type Result = Extract<HuntWorkerMessage, { type: 'result' }>;
type JobSpec = HuntJob extends infer J ? (J extends { id: number } ? Omit<J, 'id'> : never) : never;

const workerUrl = new URL('./worker.js', import.meta.url);
/** Jobs in flight per worker: enough to keep each busy while this thread reads files. */
const IN_FLIGHT_PER_WORKER = 4;
const WORKER_HEAP_MB = 320;

/**
 * Detection over worker threads. Each worker loads and compiles the rules itself; this thread
 * reads the files, hands out EVTX chunks (or whole JSON files), and puts results back in input
 * order, so the output is the same as with one thread.
 */
export class HuntPool {
  private readonly workers: Worker[] = [];
  /** Resolves once every worker has compiled the rules: their count and the rules that failed. */
  readonly ready: Promise<{ compiled: number; errors: VigilError[] }>;
  private readonly waiting = new Map<number, { resolve: (r: Result) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | null = null;
  private closing = false;

  constructor(
    readonly threads: number,
    rulePaths: readonly string[],
    private rules: readonly SigmaRule[],
    private readonly variants: (logsource: Logsource) => readonly LogsourceVariant[],
    placeholders?: ReadonlyMap<string, readonly string[]>,
    context = false,
  ) {
    const data: HuntWorkerData = {
      rulePaths,
      placeholders: placeholders ? [...placeholders] : [],
      context,
    };
    const readies: Promise<{ compiled: number; errors: VigilError[] }>[] = [];
    for (let i = 0; i < threads; i++) {
      // A ceiling on each worker's old generation makes V8 collect sooner: memory stays flat however many
      // events pass through, with room above the compiled rules (about 80 MB of heap).
      const w = new Worker(workerUrl, {
        workerData: data,
        resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
      });
      readies.push(
        new Promise<{ compiled: number; errors: VigilError[] }>((resolve, reject) => {
          w.on('message', (m: HuntWorkerMessage) => {
            if (m.type === 'ready') resolve({ compiled: m.compiled, errors: m.errors.map(fromWireError) });
            else if (m.type === 'failed') reject(new Error(`hunt worker could not start: ${m.message}`));
            else {
              this.waiting.get(m.id)?.resolve(m);
              this.waiting.delete(m.id);
            }
          });
        }),
      );
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`hunt worker exited with code ${code}`));
      });
      this.workers.push(w);
    }
    this.ready = Promise.all(readies).then((all) => all[0]!);
    this.ready.catch(() => undefined);
  }

  /** The rules as loaded in this thread, in the same order as in the workers. */
  setRules(rules: readonly SigmaRule[]): void {
    this.rules = rules;
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  private submit(job: JobSpec, transfer: ArrayBuffer[] = []): Promise<Result> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const promise = new Promise<Result>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    promise.catch(() => undefined);
    this.workers[id % this.workers.length]!.postMessage({ ...job, id }, transfer);
    return promise;
  }

  private fieldMapOf = (rule: DetectionRule, variant: string): Readonly<Record<string, string>> =>
    this.variants(rule.logsource).find((v) => v.name === variant)?.fields ?? {};

  private toBatch(r: Result): DetectionBatch {
    const rules = this.rules as readonly DetectionRule[];
    return {
      events: r.events,
      bytes: r.bytes,
      errors: r.errors.map(fromWireError),
      detections: r.detections.map((d) => fromWireDetection(d, rules, this.fieldMapOf)),
      ...(r.context === undefined ? {} : { context: r.context }),
    };
  }

  /** Detection batches for the files, in input order. */
  async *detect(files: readonly string[]): AsyncGenerator<DetectionBatch> {
    await this.ready;
    const queue: Promise<DetectionBatch>[] = [];
    const limit = this.threads * IN_FLIGHT_PER_WORKER;
    const push = async function* (
      this: HuntPool,
      p: Promise<DetectionBatch>,
    ): AsyncGenerator<DetectionBatch> {
      queue.push(p);
      while (queue.length >= limit) yield await queue.shift()!;
    }.bind(this);
    for (const file of files) {
      const lower = file.toLowerCase();
      if (JSON_EXTENSIONS.some((e) => lower.endsWith(e))) {
        yield* push(this.submit({ type: 'json', file }).then((r) => this.toBatch(r)));
      } else if (EVTX_EXTENSIONS.some((e) => lower.endsWith(e))) {
        let chunkCount: number | null = null;
        for await (const part of readFileParts(file, file)) {
          if (part.kind === 'error') {
            yield* push(Promise.resolve({ events: 0, bytes: 0, errors: [part.error], detections: [] }));
          } else if (part.kind === 'header') {
            const walker = new ChunkWalker({ file });
            const headerError = walker.fileHeader(part.buf);
            chunkCount = walker.headerChunkCount;
            if (headerError)
              yield* push(Promise.resolve({ events: 0, bytes: 0, errors: [headerError], detections: [] }));
          } else {
            // The reader reuses its buffer: the worker gets its own copy.
            const copy = new Uint8Array(part.buf.length);
            copy.set(part.buf);
            yield* push(
              this.submit(
                {
                  type: 'evtx',
                  file,
                  index: part.index,
                  chunkCount,
                  buffer: copy.buffer,
                  length: copy.length,
                },
                [copy.buffer],
              ).then((r) => this.toBatch(r)),
            );
          }
        }
      } else {
        const error = new VigilError('input.unsupported', 'not an .evtx, .json, .jsonl or .ndjson file', {
          file,
        });
        yield* push(Promise.resolve({ events: 0, bytes: 0, errors: [error], detections: [] }));
      }
    }
    while (queue.length > 0) yield await queue.shift()!;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.fail(new Error('hunt pool closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
