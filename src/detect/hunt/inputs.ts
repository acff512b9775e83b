import { stat } from 'node:fs/promises';
import { VigilError } from '../../core/errors.js';
import { CHUNK_SIZE, readEvtxChunks, type EvtxRecord } from '../../ingest/evtx/index.js';
import { readJsonFile } from '../../ingest/json/index.js';
import { eachPrefetched } from '../../ingest/prefetch.js';
import type { JsonObject } from '../../ingest/types.js';
import type { EventOrigin } from './detector.js';

/** One event to detect on: a JSON document, or an EVTX record (rendered only if it matches). */
export type InputEvent =
  | { readonly event: JsonObject; readonly origin: EventOrigin }
  | { readonly record: EvtxRecord; readonly origin: EventOrigin };

/** A slice of one input: its events, the bytes it covered (for progress) and what was lost. */
export interface InputBatch {
  readonly file: string;
  readonly events: InputEvent[];
  readonly bytes: number;
  readonly errors: VigilError[];
}

/** Opens a JSON/NDJSON source as batches of events; supplied by the JSON reader. */
export type JsonSource = (file: string) => AsyncIterable<InputBatch>;

export const EVTX_EXTENSIONS = ['.evtx'];
export const JSON_EXTENSIONS = ['.json', '.jsonl', '.ndjson'];

async function* readEvtxInput(file: string): AsyncGenerator<InputBatch> {
  for await (const chunk of readEvtxChunks(file)) {
    const events: InputEvent[] = [];
    const errors: VigilError[] = [];
    for (const item of chunk) {
      if (item.ok)
        events.push({
          record: item.value,
          origin: { source: file, offset: item.value.offset, recordId: item.value.recordId },
        });
      else errors.push(item.error);
    }
    yield { file, events, bytes: CHUNK_SIZE, errors };
  }
}

const JSON_BATCH = 1000;

/** JSON, NDJSON and concatenated-JSON files as batches of events. */
export async function* jsonBatches(file: string): AsyncGenerator<InputBatch> {
  let events: InputEvent[] = [];
  let errors: VigilError[] = [];
  let done = 0;
  let last = 0;
  for await (const item of readJsonFile(file)) {
    if (item.ok) {
      events.push({ event: item.value.event, origin: { source: file, offset: item.value.origin.offset } });
      last = item.value.origin.offset;
    } else errors.push(item.error);
    if (events.length + errors.length >= JSON_BATCH) {
      yield { file, events, bytes: last - done, errors };
      done = last;
      events = [];
      errors = [];
    }
  }
  const size = (await stat(file).catch(() => null))?.size ?? last;
  yield { file, events, bytes: Math.max(0, size - done), errors };
}

export const jsonSource: JsonSource = jsonBatches;

async function* readInput(file: string, json: JsonSource | null): AsyncGenerator<InputBatch> {
  const lower = file.toLowerCase();
  if (EVTX_EXTENSIONS.some((e) => lower.endsWith(e))) yield* readEvtxInput(file);
  else if (json !== null && JSON_EXTENSIONS.some((e) => lower.endsWith(e))) yield* json(file);
  else {
    const size = (await stat(file).catch(() => null))?.size ?? 0;
    yield {
      file,
      events: [],
      bytes: size,
      errors: [new VigilError('input.unsupported', 'not an .evtx, .json, .jsonl or .ndjson file', { file })],
    };
  }
}

/** Reads each input by its kind, in order, the next one's first read overlapping this one. */
export function readInputs(files: readonly string[], json: JsonSource | null): AsyncGenerator<InputBatch> {
  return eachPrefetched(files, (file) => readInput(file, json));
}
