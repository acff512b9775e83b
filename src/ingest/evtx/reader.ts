import { open } from 'node:fs/promises';
import type { Result } from '../../core/result.js';
import {
  claimedRecordCount,
  computeHeaderChecksum,
  decodeChunkRecords,
  hasChunkMagic,
  isAllZero,
  parseChunkHeader,
  type ChunkHeader,
} from './chunk.js';
import { EvtxError } from './errors.js';
import { CHUNK_SIZE, FILE_HEADER_SIZE, parseFileHeader, type EvtxFileHeader } from './file-header.js';
import { EvtxRecord } from './record.js';
import { crc32 } from 'node:zlib';

export interface EvtxReadOptions {
  /** Name used in errors; defaults to the path when reading a file. */
  file?: string;
  /**
   * 'lenient' (default): a chunk whose checksum does not match is still decoded record by record,
   * and the mismatch is reported through onWarning. 'strict': such a chunk is dropped as a loss.
   */
  checksums?: 'lenient' | 'strict';
  /** Problems that did not lose data: checksum mismatches, an unreadable file header, extra chunks. */
  onWarning?: (warning: EvtxError) => void;
  /** Called once with the file header, when it could be read. */
  onHeader?: (header: EvtxFileHeader) => void;
}

export type EvtxResult = Result<EvtxRecord, EvtxError>;

/** Everything about one chunk needed to decode it, in file order. */
class ChunkWalker {
  private header: EvtxFileHeader | null = null;

  constructor(private readonly options: EvtxReadOptions) {}

  private get file(): string | undefined {
    return this.options.file;
  }

  private warn(code: EvtxError['code'], message: string, offset: number): void {
    this.options.onWarning?.(new EvtxError(code, message, this.file, offset, 0));
  }

  fileHeader(buf: Buffer): void {
    const parsed = parseFileHeader(buf);
    if (typeof parsed === 'string') {
      this.warn('evtx.file-header', `${parsed}; looking for chunks anyway`, 0);
      return;
    }
    if (!parsed.checksumValid) this.warn('evtx.file-header', 'file header checksum mismatch', 0);
    this.header = parsed;
    this.options.onHeader?.(parsed);
  }

  *chunk(buf: Buffer, index: number): Generator<EvtxResult> {
    const fileOffset = FILE_HEADER_SIZE + index * CHUNK_SIZE;
    const fail = (code: EvtxError['code'], message: string, lost?: number): EvtxResult => ({
      ok: false,
      error: new EvtxError(code, message, this.file, fileOffset, lost),
    });
    if (!hasChunkMagic(buf)) {
      // Preallocated space past the last chunk is zero-filled; that is not damage.
      if (isAllZero(buf)) return;
      yield fail('evtx.chunk-magic', `chunk ${index}: bad chunk signature; its records are skipped`);
      return;
    }
    if (buf.length < 512) {
      yield fail('evtx.chunk-truncated', `chunk ${index}: file ends inside the chunk header`);
      return;
    }
    const header: ChunkHeader = parseChunkHeader(buf);
    if (this.header && index >= this.header.chunkCount) {
      this.warn(
        'evtx.chunk-header',
        `chunk ${index} lies beyond the header's count of ${this.header.chunkCount}`,
        fileOffset,
      );
    }
    const mismatch = this.checksumProblem(buf, header);
    if (mismatch !== null) {
      if (this.options.checksums === 'strict') {
        yield fail(
          'evtx.chunk-data-checksum',
          `chunk ${index}: ${mismatch}; chunk skipped`,
          claimedRecordCount(header),
        );
        return;
      }
      this.warn(
        mismatch.startsWith('header') ? 'evtx.chunk-header-checksum' : 'evtx.chunk-data-checksum',
        `chunk ${index}: ${mismatch}; decoding its records anyway`,
        fileOffset,
      );
    }
    for (const item of decodeChunkRecords(buf, header, { file: this.file, chunkIndex: index, fileOffset })) {
      yield item.ok ? { ok: true, value: new EvtxRecord(item.value, this.file) } : item;
    }
  }

  private checksumProblem(buf: Buffer, h: ChunkHeader): string | null {
    // Some writers leave both checksums zero; there is nothing to check then.
    if (h.headerChecksum === 0 && h.dataChecksum === 0) return null;
    if (computeHeaderChecksum(buf) !== h.headerChecksum) return 'header checksum mismatch';
    const end = h.freeSpaceOffset;
    if (end >= 512 && end <= buf.length && crc32(buf.subarray(512, end)) !== h.dataChecksum) {
      return 'record data checksum mismatch';
    }
    return null;
  }
}

/** Reads records from an EVTX file already in memory. */
export function* readEvtxBuffer(data: Buffer, options: EvtxReadOptions = {}): Generator<EvtxResult> {
  const walker = new ChunkWalker(options);
  walker.fileHeader(data.subarray(0, FILE_HEADER_SIZE));
  for (let index = 0, at = FILE_HEADER_SIZE; at < data.length; index++, at += CHUNK_SIZE) {
    yield* walker.chunk(data.subarray(at, Math.min(at + CHUNK_SIZE, data.length)), index);
  }
}

/**
 * Streams records from an EVTX file, one chunk in memory at a time, so memory stays bounded
 * whatever the file size. Never throws: I/O failures end the stream with an error item.
 */
export async function* readEvtxFile(path: string, options: EvtxReadOptions = {}): AsyncGenerator<EvtxResult> {
  const opts = { ...options, file: options.file ?? path };
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    yield {
      ok: false,
      error: new EvtxError('evtx.io', `cannot open: ${(e as Error).message}`, opts.file, 0, undefined, {
        cause: e,
      }),
    };
    return;
  }
  try {
    const walker = new ChunkWalker(opts);
    const head = Buffer.alloc(FILE_HEADER_SIZE);
    const { bytesRead } = await handle.read(head, 0, FILE_HEADER_SIZE, 0);
    walker.fileHeader(head.subarray(0, bytesRead));
    for (let index = 0, at = FILE_HEADER_SIZE; ; index++, at += CHUNK_SIZE) {
      // A fresh buffer per chunk: decoded records may still reference it while the caller works.
      const buf = Buffer.allocUnsafe(CHUNK_SIZE);
      let got: number;
      try {
        ({ bytesRead: got } = await handle.read(buf, 0, CHUNK_SIZE, at));
      } catch (e) {
        yield {
          ok: false,
          error: new EvtxError('evtx.io', `read failed: ${(e as Error).message}`, opts.file, at, undefined, {
            cause: e,
          }),
        };
        return;
      }
      if (got === 0) return;
      yield* walker.chunk(got === CHUNK_SIZE ? buf : buf.subarray(0, got), index);
      if (got < CHUNK_SIZE) return;
    }
  } finally {
    await handle.close();
  }
}
