import { open, type FileHandle } from 'node:fs/promises';
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
    if (!parsed.checksumValid && parsed.checksum !== 0)
      this.warn('evtx.file-header', 'file header checksum mismatch', 0);
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

/** Chunks read per I/O call: 1 MiB, and at most two blocks in memory (one being decoded, one prefetched). */
const CHUNKS_PER_BLOCK = 16;

type Block = { buf: Buffer; got: number; at: number } | { error: unknown; at: number };

/**
 * Streams an EVTX file as one array of results per chunk, in file order. The next block is read
 * while the current one is decoded, so I/O overlaps parsing; memory stays bounded whatever the
 * file size. Never throws: I/O failures end the stream with an error item.
 */
export async function* readEvtxChunks(
  path: string,
  options: EvtxReadOptions = {},
): AsyncGenerator<EvtxResult[]> {
  const opts = { ...options, file: options.file ?? path };
  const ioError = (e: unknown, what: string, at: number): EvtxResult[] => [
    {
      ok: false,
      error: new EvtxError('evtx.io', `${what}: ${(e as Error).message}`, opts.file, at, undefined, {
        cause: e,
      }),
    },
  ];
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    yield ioError(e, 'cannot open', 0);
    return;
  }
  // Two buffers, alternating: one is decoded while the other is filled. Decoded records copy out
  // everything they keep, so a buffer can be refilled once its block has been decoded.
  let blockSize = CHUNK_SIZE * CHUNKS_PER_BLOCK;
  try {
    // Small files need small buffers; a size that changes while reading is still handled.
    const chunks = Math.ceil(((await handle.stat()).size - FILE_HEADER_SIZE) / CHUNK_SIZE);
    blockSize = CHUNK_SIZE * Math.min(CHUNKS_PER_BLOCK, Math.max(1, chunks));
  } catch {
    // keep the default
  }
  const buffers = [Buffer.allocUnsafe(blockSize), Buffer.allocUnsafe(blockSize)];
  let blocksRead = 0;
  const readBlock = async (at: number): Promise<Block> => {
    const buf = buffers[blocksRead++ % 2]!;
    try {
      const { bytesRead } = await handle.read(buf, 0, buf.length, at);
      return { buf, got: bytesRead, at };
    } catch (error) {
      return { error, at };
    }
  };
  try {
    const walker = new ChunkWalker(opts);
    let pending: Promise<Block> | null = readBlock(FILE_HEADER_SIZE);
    const head = Buffer.alloc(FILE_HEADER_SIZE);
    try {
      const { bytesRead } = await handle.read(head, 0, FILE_HEADER_SIZE, 0);
      walker.fileHeader(head.subarray(0, bytesRead));
    } catch (e) {
      await pending;
      yield ioError(e, 'read failed', 0);
      return;
    }
    let index = 0;
    while (pending) {
      const block: Block = await pending;
      if ('error' in block) {
        yield ioError(block.error, 'read failed', block.at);
        return;
      }
      const full: boolean = block.got === block.buf.length;
      pending = full ? readBlock(block.at + block.got) : null;
      for (let off = 0; off < block.got; off += CHUNK_SIZE, index++) {
        const chunk = block.buf.subarray(off, Math.min(off + CHUNK_SIZE, block.got));
        yield Array.from(walker.chunk(chunk, index));
      }
    }
  } finally {
    await handle.close();
  }
}

/** Streams records from an EVTX file; see readEvtxChunks for the memory and error guarantees. */
export async function* readEvtxFile(path: string, options: EvtxReadOptions = {}): AsyncGenerator<EvtxResult> {
  for await (const batch of readEvtxChunks(path, options)) yield* batch;
}
