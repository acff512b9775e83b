import type { JsonErrorCode } from './errors.js';

/** A place in the input: absolute byte offset, 1-based line, 1-based column counted in bytes. */
export interface Position {
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

/** What the scanner finds: the bytes of one complete top-level value, or a problem that cost one. */
export type ScanItem =
  | { readonly kind: 'value'; readonly bytes: Buffer; readonly at: Position }
  | { readonly kind: 'error'; readonly code: JsonErrorCode; readonly message: string; readonly at: Position };

export interface ScanLimits {
  readonly maxRecordBytes: number;
  readonly maxDepth: number;
}

export interface Failure {
  readonly code: JsonErrorCode;
  readonly message: string;
  readonly at: Position;
}
