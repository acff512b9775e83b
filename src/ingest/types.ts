import type { VigilError } from '../core/errors.js';
import type { Result } from '../core/result.js';
import type { JsonObject } from './evtx/render/json.js';

export type { JsonObject, JsonValue } from './evtx/render/json.js';

/** Where a record came from, precise enough to find it again in the source. */
export interface RecordOrigin {
  /** File path, or a name such as `upload:<id>` for data that never touched disk. */
  readonly source: string;
  readonly format: 'evtx' | 'json';
  /** Byte offset of the record in the source. */
  readonly offset: number;
  /** 1-based line of the record's first byte, for text formats. */
  readonly line?: number;
}

/**
 * What every reader yields: one event as a JSON object, in the shape its source wrote it
 * (EVTX is rendered in the evtx crate's `{"Event": ...}` shape), plus its origin.
 */
export interface RawRecord {
  readonly event: JsonObject;
  readonly origin: RecordOrigin;
}

/** A reader turns a source into a stream of records; a bad record is an error item, never the end. */
export type RecordStream = AsyncIterable<Result<RawRecord, VigilError>>;

export interface Reader {
  /** True when this reader understands the source, judged by name and first bytes. */
  accepts(source: string, head: Buffer): boolean;
  read(source: string): RecordStream;
}
