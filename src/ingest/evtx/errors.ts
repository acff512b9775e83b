import { VigilError } from '../../core/errors.js';

/** Why a part of an EVTX file could not be read. Stable codes, so tests and tools can count them. */
export type EvtxErrorCode =
  | 'evtx.file-header'
  | 'evtx.chunk-magic'
  | 'evtx.chunk-header-checksum'
  | 'evtx.chunk-data-checksum'
  | 'evtx.chunk-truncated'
  | 'evtx.chunk-header'
  | 'evtx.record-header'
  | 'evtx.record-binxml'
  | 'evtx.record-render'
  | 'evtx.io';

/** A loss while reading an EVTX file: the absolute byte offset, what was being read and why it failed. */
export class EvtxError extends VigilError {
  declare readonly code: EvtxErrorCode;
  /** Absolute offset in the file of the structure that could not be read. */
  readonly offset: number;
  /** Records known to be lost because of this error, when that can be counted. */
  readonly recordsLost: number | undefined;

  constructor(
    code: EvtxErrorCode,
    message: string,
    file: string | undefined,
    offset: number,
    recordsLost?: number,
    options?: { cause?: unknown },
  ) {
    super(code, message, file === undefined ? { offset } : { file, offset }, options);
    this.name = 'EvtxError';
    this.offset = offset;
    this.recordsLost = recordsLost;
  }
}

/**
 * Thrown inside the decoder for malformed bytes; the record loop turns it into an EvtxError
 * with the record's offset. Never escapes the public iterator.
 */
export class BinXmlFormatError extends Error {
  constructor(
    message: string,
    readonly chunkOffset: number,
  ) {
    super(message);
    this.name = 'BinXmlFormatError';
  }
}
