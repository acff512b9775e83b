import { EvtxError, type EvtxErrorCode } from '../errors.js';

export type RenderFormat = 'jsonl' | 'json' | 'xml';

/** One chunk sent to a worker. The buffer is transferred, not copied. */
export interface ChunkJob {
  readonly id: number;
  readonly file: string;
  readonly index: number;
  readonly chunkCount: number | null;
  readonly strict: boolean;
  readonly format: RenderFormat;
  readonly buffer: ArrayBuffer;
  readonly byteOffset: number;
  readonly length: number;
}

export interface SerializedError {
  readonly code: EvtxErrorCode;
  readonly message: string;
  readonly offset: number;
  readonly recordsLost: number | undefined;
}

/**
 * A chunk rendered to text: every readable record, each followed by a newline, in file order, and
 * the losses. One string per chunk keeps the hand-off between threads to a single copy.
 */
export interface ChunkResult {
  readonly id: number;
  readonly text: string;
  readonly records: number;
  readonly errors: SerializedError[];
  readonly warnings: SerializedError[];
}

export function serializeError(e: EvtxError): SerializedError {
  return { code: e.code, message: e.message, offset: e.offset, recordsLost: e.recordsLost };
}

export function deserializeError(e: SerializedError, file: string): EvtxError {
  return new EvtxError(e.code, e.message, file, e.offset, e.recordsLost);
}
