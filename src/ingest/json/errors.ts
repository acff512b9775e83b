import { VigilError, type SourceLocation } from '../../core/errors.js';

/** Why a part of a JSON input was not read as a record. Stable codes, so tests and tools can count them. */
export type JsonErrorCode =
  'json.syntax' | 'json.not-object' | 'json.truncated' | 'json.too-large' | 'json.too-deep' | 'json.io';

/** A part of a JSON input that cost one record (or the rest of the input, for `json.io`). */
export class JsonError extends VigilError {
  declare readonly code: JsonErrorCode;

  constructor(code: JsonErrorCode, message: string, location: SourceLocation, options?: { cause?: unknown }) {
    super(code, message, location, options);
    this.name = 'JsonError';
  }
}
