import type { VigilError } from '../../core/errors.js';
import type { Detection, Detector } from './detector.js';
import { readInputs, type JsonSource } from './inputs.js';

/** What detection produced for one slice of input: counts, losses and the detections. */
export interface DetectionBatch {
  readonly events: number;
  readonly bytes: number;
  readonly errors: VigilError[];
  readonly detections: Detection[];
}

/** Runs detection in this thread, batch by batch, in input order. */
export async function* detectInProcess(
  files: readonly string[],
  detector: Detector,
  json: JsonSource | null,
): AsyncGenerator<DetectionBatch> {
  for await (const batch of readInputs(files, json)) {
    const detections: Detection[] = [];
    for (const { event, origin } of batch.events)
      for (const d of detector.detect(event, origin)) detections.push(d);
    yield { events: batch.events.length, bytes: batch.bytes, errors: batch.errors, detections };
  }
}
