import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { EvtxError } from '../errors.js';
import { readFileParts } from '../file-blocks.js';
import { ChunkWalker } from '../walker.js';
import { deserializeError, type ChunkJob, type ChunkResult, type RenderFormat } from './protocol.js';
import { renderChunk } from './render-chunk.js';

export type { RenderFormat } from './protocol.js';

export interface RenderOptions {
  format: RenderFormat;
  /** Worker threads; 1 decodes in-process. Defaults to the machine's parallelism. */
  threads?: number;
  checksums?: 'lenient' | 'strict';
  onWarning?: (warning: EvtxError) => void;
}

/** Chunks in flight per worker: enough to keep each busy while the main thread reads and writes. */
const IN_FLIGHT_PER_WORKER = 4;

const workerUrl = new URL('./worker.js', import.meta.url);

/**
 * A pool of decoding workers. Jobs are dispatched round-robin by chunk and their results come
 * back in submission order, so output keeps the file's record order.
 */
export class EvtxRenderPool {
  private readonly workers: Worker[];
  private readonly waiting = new Map<
    number,
    { resolve: (r: ChunkResult) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;
  private failure: Error | null = null;
  private closing = false;

  constructor(readonly threads: number) {
    this.workers = Array.from({ length: threads }, () => {
      const w = new Worker(workerUrl);
      w.on('message', (r: ChunkResult) => {
        this.waiting.get(r.id)?.resolve(r);
        this.waiting.delete(r.id);
      });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (!this.closing) this.fail(new Error(`EVTX worker exited with code ${code}`));
      });
      return w;
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }

  submit(job: Omit<ChunkJob, 'id'>): Promise<ChunkResult> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const promise = new Promise<ChunkResult>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    // A consumer that stops early never awaits its queued jobs; their rejection is not an error.
    promise.catch(() => undefined);
    this.workers[id % this.workers.length]!.postMessage({ ...job, id }, [job.buffer]);
    return promise;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.fail(new Error('EVTX worker pool closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

/** One chunk's output: its readable records as text (one per line) and what was lost. */
export interface RenderedChunk {
  readonly text: string;
  readonly records: number;
  readonly errors: EvtxError[];
}

function toRendered(result: ChunkResult, file: string, onWarning?: (w: EvtxError) => void): RenderedChunk {
  for (const w of result.warnings) onWarning?.(deserializeError(w, file));
  return {
    text: result.text,
    records: result.records,
    errors: result.errors.map((e) => deserializeError(e, file)),
  };
}

function failed(error: EvtxError): RenderedChunk {
  return { text: '', records: 0, errors: [error] };
}

/**
 * Decodes and renders an EVTX file to text (JSONL, pretty JSON or XML), one block per chunk, in
 * file order. With more than one thread, chunks are decoded in parallel by the given pool.
 */
export async function* renderEvtxFile(
  path: string,
  options: RenderOptions,
  pool: EvtxRenderPool | null,
): AsyncGenerator<RenderedChunk> {
  const strict = options.checksums === 'strict';
  let chunkCount: number | null = null;
  const queue: Promise<ChunkResult>[] = [];
  const limit = pool ? pool.threads * IN_FLIGHT_PER_WORKER : 0;
  for await (const part of readFileParts(path, path)) {
    if (part.kind === 'error') {
      while (queue.length > 0) yield toRendered(await queue.shift()!, path, options.onWarning);
      yield failed(part.error);
      return;
    }
    if (part.kind === 'header') {
      // The walker reports header problems; the chunk count travels with each job.
      const walker = new ChunkWalker({ file: path, onWarning: options.onWarning });
      const headerError = walker.fileHeader(part.buf);
      if (headerError) yield failed(headerError);
      chunkCount = walker.headerChunkCount;
      continue;
    }
    if (pool === null) {
      // In-process: the chunk is rendered before the reader reuses its buffer, so no copy.
      const { buffer, byteOffset, length } = part.buf;
      const job = {
        id: part.index,
        file: path,
        index: part.index,
        chunkCount,
        strict,
        format: options.format,
        buffer: buffer as ArrayBuffer,
        byteOffset,
        length,
      };
      yield toRendered(renderChunk(job), path, options.onWarning);
      continue;
    }
    // The block buffer is reused by the reader, so each job gets its own copy to transfer.
    const copy = new Uint8Array(part.buf.length);
    copy.set(part.buf);
    const job = {
      file: path,
      index: part.index,
      chunkCount,
      strict,
      format: options.format,
      buffer: copy.buffer,
      byteOffset: 0,
      length: copy.length,
    };
    queue.push(pool.submit(job));
    if (queue.length >= limit) yield toRendered(await queue.shift()!, path, options.onWarning);
  }
  while (queue.length > 0) yield toRendered(await queue.shift()!, path, options.onWarning);
}
