import { VigilError } from '../../core/errors.js';
import type { ColumnMapper } from '../../normalize/columns.js';
import { ContextCollector, type HuntContext } from './context.js';
import type { Detection, Detector } from './detector.js';
import { readInputs, type InputEvent, type JsonSource } from './inputs.js';

/** What detection produced for one slice of input: counts, losses and the detections. */
export interface DetectionBatch {
  readonly events: number;
  readonly bytes: number;
  readonly errors: VigilError[];
  readonly detections: Detection[];
  /** What every event taught incident building and analytics, when it was asked for. */
  readonly context?: HuntContext;
}

/**
 * Detects on one input event. A record that cannot be rendered (hostile input past the decoder's
 * checks) costs itself and is reported, like any other damage.
 */
export function detectInput(
  detector: Detector,
  input: InputEvent,
  detections: Detection[],
  errors: VigilError[],
): void {
  try {
    const found =
      'record' in input
        ? detector.detectRecord(input.record, input.origin)
        : detector.detect(input.event, input.origin);
    for (const d of found) detections.push(d);
  } catch (e) {
    const { source, offset, recordId } = input.origin;
    const what = recordId === undefined ? 'event' : `record ${recordId}`;
    errors.push(
      new VigilError('hunt.render', `${what} cannot be read: ${(e as Error).message}`, {
        file: source,
        offset,
      }),
    );
  }
}

/** Runs detection in this thread, batch by batch, in input order. */
export async function* detectInProcess(
  files: readonly string[],
  detector: Detector,
  json: JsonSource | null,
  context: ColumnMapper | null = null,
): AsyncGenerator<DetectionBatch> {
  const collector = context === null ? null : new ContextCollector(context);
  collector?.attach(detector);
  try {
    for await (const batch of readInputs(files, json)) {
      const detections: Detection[] = [];
      const errors = [...batch.errors];
      for (const input of batch.events) detectInput(detector, input, detections, errors);
      yield {
        events: batch.events.length,
        bytes: batch.bytes,
        errors,
        detections,
        ...(collector === null ? {} : { context: collector.take() }),
      };
    }
  } finally {
    detector.onEvent = null;
  }
}
