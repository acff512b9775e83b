import { parentPort, workerData } from 'node:worker_threads';
import type { WalPosition } from '../bus/wal.js';
import { Detector } from '../detect/hunt/detector.js';
import { loadRules } from '../detect/sigma/load.js';
import { ColumnMapper, Mappings } from '../normalize/index.js';
import { BatchEnricher, type BatchInput, type EnrichedBatch } from './enrich.js';

export interface EnrichWorkerData {
  readonly rulePaths: readonly string[];
}

export interface EnrichJob {
  readonly id: number;
  readonly batch: BatchInput;
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
  const detector = new Detector(loaded.rules, mappings);
  const enricher = new BatchEnricher(detector, mappings, ColumnMapper.load());
  port.on('message', (job: EnrichJob) => {
    let reply: EnrichWorkerMessage;
    try {
      reply = { type: 'result', id: job.id, result: enricher.enrich(job.batch, job.at, job.now) };
    } catch (e) {
      reply = { type: 'error', id: job.id, message: (e as Error).stack ?? String(e) };
    }
    port.postMessage(reply);
  });
  port.postMessage({ type: 'ready', rules: loaded.rules.length } satisfies EnrichWorkerMessage);
}

start().catch((e: unknown) =>
  port.postMessage({ type: 'failed', message: (e as Error).message } satisfies EnrichWorkerMessage),
);
