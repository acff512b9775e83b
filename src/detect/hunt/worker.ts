import { parentPort, workerData } from 'node:worker_threads';
import { VigilError } from '../../core/errors.js';
import { ChunkWalker } from '../../ingest/evtx/walker.js';
import { ColumnMapper, Mappings } from '../../normalize/index.js';
import { ContextCollector, type HuntContext } from './context.js';
import { loadRules } from '../sigma/load.js';
import type { DetectionRule } from '../sigma/model.js';
import { Detector, type Detection } from './detector.js';
import { detectInput } from './batches.js';
import { jsonBatches } from './inputs.js';
import { toWireDetection, toWireError, type WireDetection, type WireError } from './wire.js';

export interface HuntWorkerData {
  readonly rulePaths: readonly string[];
  /** Collect each event's context for incident building and analytics. */
  readonly context: boolean;
  readonly placeholders: readonly (readonly [string, readonly string[]])[];
}

export type HuntJob =
  | {
      readonly type: 'evtx';
      readonly id: number;
      readonly file: string;
      readonly index: number;
      readonly chunkCount: number | null;
      readonly buffer: ArrayBuffer;
      readonly length: number;
    }
  | { readonly type: 'json'; readonly id: number; readonly file: string };

export type HuntWorkerMessage =
  | { readonly type: 'ready'; readonly compiled: number; readonly errors: WireError[] }
  | { readonly type: 'failed'; readonly message: string }
  | {
      readonly type: 'result';
      readonly id: number;
      readonly events: number;
      readonly bytes: number;
      readonly errors: WireError[];
      readonly detections: WireDetection[];
      readonly context?: HuntContext;
    };

const data = workerData as HuntWorkerData;
const port = parentPort!;

async function start(): Promise<void> {
  const loaded = await loadRules(data.rulePaths);
  const detector = new Detector(loaded.rules, Mappings.load(), { placeholders: new Map(data.placeholders) });
  const ruleIndex = new Map<DetectionRule, number>();
  loaded.rules.forEach((r, i) => {
    if (r.type === 'detection') ruleIndex.set(r, i);
  });
  const wire = (ds: Detection[]): WireDetection[] => ds.map((d) => toWireDetection(d, ruleIndex));
  const collector = data.context ? new ContextCollector(ColumnMapper.load()) : null;
  collector?.attach(detector);
  const facts = () => (collector === null ? {} : { context: collector.take() });

  const evtx = (job: Extract<HuntJob, { type: 'evtx' }>): HuntWorkerMessage => {
    const errors: WireError[] = [];
    const detections: Detection[] = [];
    const failures: VigilError[] = [];
    let events = 0;
    const walker = new ChunkWalker({ file: job.file });
    walker.setChunkCount(job.chunkCount);
    for (const item of walker.chunk(Buffer.from(job.buffer, 0, job.length), job.index)) {
      if (!item.ok) {
        errors.push(toWireError(item.error));
        continue;
      }
      events++;
      const r = item.value;
      // Flattened straight from the decoded record; its JSON is rendered only if a rule matches.
      detectInput(
        detector,
        { record: r, origin: { source: job.file, offset: r.offset, recordId: r.recordId } },
        detections,
        failures,
      );
      if (failures.length > 0) {
        for (const f of failures) errors.push(toWireError(f));
        failures.length = 0;
      }
    }
    return {
      type: 'result',
      id: job.id,
      events,
      bytes: job.length,
      errors,
      detections: wire(detections),
      ...facts(),
    };
  };

  const json = async (job: Extract<HuntJob, { type: 'json' }>): Promise<HuntWorkerMessage> => {
    const errors: WireError[] = [];
    const detections: Detection[] = [];
    let events = 0;
    let bytes = 0;
    for await (const batch of jsonBatches(job.file)) {
      bytes += batch.bytes;
      const failures: VigilError[] = [...batch.errors];
      for (const input of batch.events) {
        events++;
        detectInput(detector, input, detections, failures);
      }
      for (const f of failures) errors.push(toWireError(f));
    }
    return { type: 'result', id: job.id, events, bytes, errors, detections: wire(detections), ...facts() };
  };

  port.on('message', (job: HuntJob) => {
    const run = async (): Promise<HuntWorkerMessage> => {
      try {
        return job.type === 'evtx' ? evtx(job) : await json(job);
      } catch (e) {
        // A defect must cost this job, not the hunt.
        const error = new VigilError('hunt.internal', `internal error: ${(e as Error).message}`, {
          file: job.file,
        });
        return {
          type: 'result',
          id: job.id,
          events: 0,
          bytes: 0,
          errors: [toWireError(error)],
          detections: [],
        };
      }
    };
    void run().then((msg) => port.postMessage(msg));
  });
  const errors = [...loaded.errors, ...detector.errors].map(toWireError);
  port.postMessage({
    type: 'ready',
    compiled: detector.compiledRuleCount,
    errors,
  } satisfies HuntWorkerMessage);
}

start().catch((e: unknown) =>
  port.postMessage({ type: 'failed', message: (e as Error).message } satisfies HuntWorkerMessage),
);
