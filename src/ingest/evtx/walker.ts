import { crc32 } from 'node:zlib';
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

/**
 * Decodes chunks of one file, in any order: checks each chunk's signature and checksums, reports
 * damage, and turns its records into EvtxRecords. Knows the file header for its chunk count.
 */
export class ChunkWalker {
  private chunkCount: number | null = null;

  constructor(private readonly options: EvtxReadOptions) {}

  /** For decoding away from the file header (worker threads): the header's chunk count. */
  setChunkCount(count: number | null): void {
    this.chunkCount = count;
  }

  private get file(): string | undefined {
    return this.options.file;
  }

  private warn(code: EvtxError['code'], message: string, offset: number): void {
    this.options.onWarning?.(new EvtxError(code, message, this.file, offset, 0));
  }

  get headerChunkCount(): number | null {
    return this.chunkCount;
  }

  /**
   * Parses the file header. An unreadable header is damage (an error item, though chunks are still
   * looked for); a checksum mismatch is only a warning.
   */
  fileHeader(buf: Buffer): EvtxError | null {
    const parsed = parseFileHeader(buf);
    if (typeof parsed === 'string') {
      return new EvtxError('evtx.file-header', `${parsed}; looking for chunks anyway`, this.file, 0, 0);
    }
    if (!parsed.checksumValid && parsed.checksum !== 0)
      this.warn('evtx.file-header', 'file header checksum mismatch', 0);
    this.chunkCount = parsed.chunkCount;
    this.options.onHeader?.(parsed);
    return null;
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
    if (this.chunkCount !== null && index >= this.chunkCount) {
      this.warn(
        'evtx.chunk-header',
        `chunk ${index} lies beyond the header's count of ${this.chunkCount}`,
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
