import { createReadStream } from 'node:fs';
import { err } from '../../core/result.js';
import type { Reader, RecordStream } from '../types.js';
import { decode } from './decode.js';
import { JsonError } from './errors.js';
import { BoundaryScanner } from './scanner.js';

export interface JsonReadOptions {
  /** Largest record kept, in bytes; a larger one is skipped as a `json.too-large` error item. Default 64 MiB. */
  maxRecordBytes?: number;
  /** Deepest nesting of objects and arrays accepted; deeper records are `json.too-deep` items. Default 512. */
  maxDepth?: number;
}

const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_DEPTH = 512;

/**
 * Streams the objects of a JSON array, of NDJSON, or of concatenated JSON objects (pretty or not),
 * told apart by the input itself. Memory stays bounded by the largest record. Never throws: bad
 * records, non-object values and a failing input all become error items, and reading goes on.
 */
export async function* readJsonRecords(
  input: AsyncIterable<Buffer | string>,
  source: string,
  options: JsonReadOptions = {},
): RecordStream {
  const scanner = new BoundaryScanner({
    maxRecordBytes: limit(options.maxRecordBytes, DEFAULT_MAX_RECORD_BYTES),
    maxDepth: limit(options.maxDepth, DEFAULT_MAX_DEPTH),
  });
  let offset = 0;
  let iterator: AsyncIterator<Buffer | string> | undefined;
  let done = false;
  try {
    iterator = input[Symbol.asyncIterator]();
    while (true) {
      let step: IteratorResult<Buffer | string>;
      try {
        step = await iterator.next();
      } catch (cause) {
        done = true; // a failed iterator is finished; nothing to close
        yield err(ioError(source, offset, cause));
        return;
      }
      if (step.done) break;
      const chunk = typeof step.value === 'string' ? Buffer.from(step.value, 'utf8') : step.value;
      offset += chunk.length;
      for (const item of scanner.scan(chunk)) yield decode(item, source);
    }
    done = true;
    for (const item of scanner.finish()) yield decode(item, source);
  } catch (cause) {
    // Only an input that is not an async iterable of buffers or strings gets here.
    yield err(ioError(source, offset, cause));
  } finally {
    // The consumer stopped early: let the input release its file handle.
    if (!done) await iterator?.return?.().catch(() => undefined);
  }
}

/** Streams the records of a JSON file; a missing or unreadable file is one `json.io` error item. */
export async function* readJsonFile(path: string, options: JsonReadOptions = {}): RecordStream {
  let stream: AsyncIterable<Buffer>;
  try {
    stream = createReadStream(path);
  } catch (cause) {
    yield err(ioError(path, 0, cause));
    return;
  }
  yield* readJsonRecords(stream, path, options);
}

/** Reads `.json`, `.jsonl` and `.ndjson` files, and any file whose text starts with `{` or `[`. */
export const jsonReader: Reader = {
  accepts(source: string, head: Buffer): boolean {
    if (/\.(json|jsonl|ndjson)$/i.test(source)) return true;
    const text = head.toString('latin1').replace(/^\xef\xbb\xbf/, '');
    return /^\s*[[{]/.test(text) || /^Record \d+\r?\n\s*\{/.test(text);
  },
  read: (source: string): RecordStream => readJsonFile(source),
};

function limit(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
}

function ioError(source: string, offset: number, cause: unknown): JsonError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new JsonError(
    'json.io',
    `cannot read the input; reading stopped: ${reason}`,
    { file: source, offset },
    { cause },
  );
}
