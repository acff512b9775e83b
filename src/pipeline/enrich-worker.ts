import { parentPort, workerData } from 'node:worker_threads';
import type { WalPosition } from '../bus/wal.js';
import { Detector } from '../detect/hunt/detector.js';
import { enabledRules, loadRules } from '../detect/sigma/load.js';
import { ColumnMapper, Mappings } from '../normalize/index.js';
import { decodeBatchLines } from './batch.js';
import { BatchEnricher, type EnrichedBatch } from './enrich.js';
import { Suppressions, type TenantSuppression } from '../detect/suppressions.js';

export interface EnrichWorkerData {
  readonly rulePaths: readonly string[];
  /** Ids (or titles) of rules switched off: they are loaded but not compiled. */
  readonly disabled: readonly string[];
}

export type EnrichWorkerInput =
  | EnrichJob
  | { readonly type: 'suppressions'; readonly list: readonly TenantSuppression[] }
  | { readonly type: 'recycle'; readonly buffers: readonly ArrayBuffer[] };

export interface EnrichJob {
  readonly type: 'job';
  readonly id: number;
  /** An ingest log record: the worker decodes it, so the main thread never parses it. */
  readonly payload: Uint8Array;
  readonly at: WalPosition;
  readonly now: number;
}

export type EnrichWorkerMessage =
  | { readonly type: 'ready'; readonly rules: number }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'result'; readonly id: number; readonly result: EnrichedBatch }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

const port = parentPort!;

async function start(): Promise<void> {
  const data = workerData as EnrichWorkerData;
  const loaded = await loadRules(data.rulePaths);
  const mappings = Mappings.load();
  const detector = new Detector(enabledRules(loaded.rules, new Set(data.disabled)), mappings);
  const enricher = new BatchEnricher(detector, mappings, ColumnMapper.load());
  port.on('message', (input: EnrichWorkerInput) => {
    if (input.type === 'suppressions') {
      enricher.suppressions = new Suppressions(input.list);
      return;
    }
    if (input.type === 'recycle') {
      enricher.recycle(input.buffers);
      return;
    }
    const job = input;
    let reply: EnrichWorkerMessage;
    const transfer: ArrayBuffer[] = [];
    try {
      const p = job.payload;
      const batch = decodeBatchLines(Buffer.from(p.buffer, p.byteOffset, p.byteLength));
      const result = enricher.enrich(batch, job.at, job.now);
      // enrich() hands out its rows in a buffer of their own: it moves to the main thread uncopied.
      transfer.push(result.events.buffer as ArrayBuffer);
      reply = { type: 'result', id: job.id, result };
    } catch (e) {
      reply = { type: 'error', id: job.id, message: (e as Error).stack ?? String(e) };
    }
    port.postMessage(reply, transfer);
  });
  port.postMessage({ type: 'ready', rules: loaded.rules.length } satisfies EnrichWorkerMessage);
}

start().catch((e: unknown) =>
  port.postMessage({ type: 'failed', message: (e as Error).message } satisfies EnrichWorkerMessage),
);
