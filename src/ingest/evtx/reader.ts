import { CHUNK_SIZE, FILE_HEADER_SIZE } from './file-header.js';
import { readFileParts } from './file-blocks.js';
import { ChunkWalker, type EvtxReadOptions, type EvtxResult } from './walker.js';

export type { EvtxReadOptions, EvtxResult } from './walker.js';

/** Reads records from an EVTX file already in memory. */
export function* readEvtxBuffer(data: Buffer, options: EvtxReadOptions = {}): Generator<EvtxResult> {
  const walker = new ChunkWalker(options);
  const headerError = walker.fileHeader(data.subarray(0, FILE_HEADER_SIZE));
  if (headerError) yield { ok: false, error: headerError };
  for (let index = 0, at = FILE_HEADER_SIZE; at < data.length; index++, at += CHUNK_SIZE) {
    yield* walker.chunk(data.subarray(at, Math.min(at + CHUNK_SIZE, data.length)), index);
  }
}

/**
 * Streams an EVTX file as one array of results per chunk, in file order. I/O overlaps parsing, and
 * memory stays bounded whatever the file size. Never throws: I/O failures end the stream with an
 * error item.
 */
export async function* readEvtxChunks(
  path: string,
  options: EvtxReadOptions = {},
): AsyncGenerator<EvtxResult[]> {
  const opts = { ...options, file: options.file ?? path };
  const walker = new ChunkWalker(opts);
  for await (const part of readFileParts(path, opts.file)) {
    if (part.kind === 'header') {
      const headerError = walker.fileHeader(part.buf);
      if (headerError) yield [{ ok: false, error: headerError }];
    } else if (part.kind === 'chunk') yield Array.from(walker.chunk(part.buf, part.index));
    else yield [{ ok: false, error: part.error }];
  }
}

/** Streams records from an EVTX file; see readEvtxChunks for the memory and error guarantees. */
export async function* readEvtxFile(path: string, options: EvtxReadOptions = {}): AsyncGenerator<EvtxResult> {
  for await (const batch of readEvtxChunks(path, options)) yield* batch;
}
