import { crc32 } from 'node:zlib';
import { ChunkBinXmlDecoder } from './binxml/decoder.js';
import type { XmlNode } from './binxml/model.js';
import { BinXmlFormatError, EvtxError, type EvtxErrorCode } from './errors.js';

const CHUNK_SIZE = 65536;
const CHUNK_MAGIC = Buffer.from('ElfChnk\0', 'latin1');
export const CHUNK_HEADER_SIZE = 512;
const RECORD_MAGIC = 0x00002a2a;
const RECORD_HEADER_SIZE = 24;
const MIN_RECORD_SIZE = RECORD_HEADER_SIZE + 4;

export interface ChunkHeader {
  readonly firstRecordNumber: bigint;
  readonly lastRecordNumber: bigint;
  readonly firstRecordId: bigint;
  readonly lastRecordId: bigint;
  readonly headerSize: number;
  readonly lastRecordOffset: number;
  readonly freeSpaceOffset: number;
  readonly dataChecksum: number;
  readonly headerChecksum: number;
  readonly flags: number;
}

/** A record as decoded from a chunk, before rendering. */
export interface RawEvtxRecord {
  readonly recordId: number;
  /** FILETIME of the record header, in 100 ns ticks since 1601. */
  readonly timestampTicks: bigint;
  /** Absolute byte offset of the record in the file. */
  readonly offset: number;
  readonly chunkIndex: number;
  readonly nodes: XmlNode[];
}

export type ChunkItem = { ok: true; value: RawEvtxRecord } | { ok: false; error: EvtxError };

export function hasChunkMagic(buf: Buffer): boolean {
  return buf.length >= 8 && buf.subarray(0, 8).equals(CHUNK_MAGIC);
}

const ZEROS = Buffer.alloc(65536);

export function isAllZero(buf: Buffer): boolean {
  for (let at = 0; at < buf.length; at += ZEROS.length) {
    const part = buf.subarray(at, Math.min(at + ZEROS.length, buf.length));
    if (!part.equals(ZEROS.subarray(0, part.length))) return false;
  }
  return true;
}

export function parseChunkHeader(buf: Buffer): ChunkHeader {
  return {
    firstRecordNumber: buf.readBigUInt64LE(8),
    lastRecordNumber: buf.readBigUInt64LE(16),
    firstRecordId: buf.readBigUInt64LE(24),
    lastRecordId: buf.readBigUInt64LE(32),
    headerSize: buf.readUInt32LE(40),
    lastRecordOffset: buf.readUInt32LE(44),
    freeSpaceOffset: buf.readUInt32LE(48),
    dataChecksum: buf.readUInt32LE(52),
    flags: buf.readUInt32LE(120),
    headerChecksum: buf.readUInt32LE(124),
  };
}

/** The CRC32 over bytes 0..120 and 128..512, as stored at offset 124. */
export function computeHeaderChecksum(buf: Buffer): number {
  return crc32(buf.subarray(128, CHUNK_HEADER_SIZE), crc32(buf.subarray(0, 120)));
}

/** Records the header claims; 0 when the claim is nonsense. */
export function claimedRecordCount(h: ChunkHeader): number {
  const n = h.lastRecordNumber - h.firstRecordNumber + 1n;
  return n > 0n && n < 65536n ? Number(n) : 0;
}

export interface ChunkContext {
  readonly file: string | undefined;
  readonly chunkIndex: number;
  /** Absolute file offset of the chunk's first byte. */
  readonly fileOffset: number;
}

/** True when a plausible record header starts at `pos`. Used to resynchronize after damage. */
function looksLikeRecord(buf: Buffer, pos: number, limit: number): boolean {
  if (pos + MIN_RECORD_SIZE > limit || buf.readUInt32LE(pos) !== RECORD_MAGIC) return false;
  const size = buf.readUInt32LE(pos + 4);
  return size >= MIN_RECORD_SIZE && pos + size <= limit && buf.readUInt32LE(pos + size - 4) === size;
}

function nextRecordStart(buf: Buffer, from: number, limit: number): number {
  for (let p = (from + 7) & ~7; p + MIN_RECORD_SIZE <= limit; p += 8) {
    if (looksLikeRecord(buf, p, limit)) return p;
  }
  return -1;
}

/**
 * Decodes every readable record of one chunk. A damaged record costs itself: the walk reports it
 * with its offset and resynchronizes on the next plausible record header.
 */
export function* decodeChunkRecords(
  buf: Buffer,
  header: ChunkHeader,
  ctx: ChunkContext,
): Generator<ChunkItem> {
  const error = (
    code: EvtxErrorCode,
    message: string,
    at: number,
    lost?: number,
    cause?: unknown,
  ): ChunkItem => ({
    ok: false,
    error: new EvtxError(
      code,
      message,
      ctx.file,
      ctx.fileOffset + at,
      lost,
      cause === undefined ? undefined : { cause },
    ),
  });
  const free = header.freeSpaceOffset;
  const declaredEnd = free >= CHUNK_HEADER_SIZE && free <= CHUNK_SIZE ? free : CHUNK_SIZE;
  const limit = Math.min(declaredEnd, buf.length);
  let decoded = 0;
  let lastId: bigint | null = null;
  const decoder = new ChunkBinXmlDecoder(buf);
  let pos = CHUNK_HEADER_SIZE;
  while (pos + MIN_RECORD_SIZE <= limit) {
    const magic = buf.readUInt32LE(pos);
    const size = buf.readUInt32LE(pos + 4);
    let problem: string | null = null;
    if (magic !== RECORD_MAGIC) {
      if (isAllZero(buf.subarray(pos, limit))) break;
      problem = `bad record signature 0x${magic.toString(16).padStart(8, '0')}`;
    } else if (size < MIN_RECORD_SIZE) {
      problem = `record size ${size} is smaller than the ${MIN_RECORD_SIZE}-byte minimum`;
    } else if (pos + size > buf.length) {
      problem = `record size ${size} runs past the end of the chunk`;
    } else if (buf.readUInt32LE(pos + size - 4) !== size) {
      problem = `record size ${size} does not match its trailing copy ${buf.readUInt32LE(pos + size - 4)}`;
    }
    if (problem !== null) {
      const next = nextRecordStart(buf, pos + 8, limit);
      // Record ids are consecutive, so the id after the gap tells how many records it swallowed.
      const resumeId = next < 0 ? header.lastRecordId + 1n : buf.readBigUInt64LE(next + 8);
      const gap = lastId === null ? 0n : resumeId - lastId - 1n;
      const room = BigInt(Math.floor(((next < 0 ? limit : next) - pos) / MIN_RECORD_SIZE));
      const lost = gap > 0n && gap <= room ? Number(gap) : 1;
      yield error('evtx.record-header', `${problem}; ${lost} record(s) lost`, pos, lost);
      if (next < 0) break;
      pos = next;
      continue;
    }
    const recordId = buf.readBigUInt64LE(pos + 8);
    lastId = recordId;
    try {
      const nodes = decoder.decodeDocument(pos + RECORD_HEADER_SIZE, pos + size - 4);
      decoded++;
      yield {
        ok: true,
        value: {
          recordId: Number(recordId),
          timestampTicks: buf.readBigUInt64LE(pos + 16),
          offset: ctx.fileOffset + pos,
          chunkIndex: ctx.chunkIndex,
          nodes,
        },
      };
    } catch (e) {
      if (!(e instanceof BinXmlFormatError || e instanceof RangeError)) throw e;
      const at = e instanceof BinXmlFormatError ? ` (at chunk offset 0x${e.chunkOffset.toString(16)})` : '';
      yield error('evtx.record-binxml', `record ${recordId}: ${e.message}${at}`, pos, 1, e);
    }
    pos += size;
  }
  if (declaredEnd > buf.length) {
    const lost = Math.max(0, claimedRecordCount(header) - decoded);
    yield error(
      'evtx.chunk-truncated',
      `file ends ${declaredEnd - buf.length} bytes before the chunk's records do`,
      buf.length,
      lost,
    );
  }
}

export { CHUNK_MAGIC };
