import { crc32 } from 'node:zlib';

export const FILE_HEADER_SIZE = 4096;
export const CHUNK_SIZE = 65536;
const FILE_MAGIC = Buffer.from('ElfFile\0', 'latin1');

export interface EvtxFileHeader {
  readonly firstChunkNumber: bigint;
  readonly lastChunkNumber: bigint;
  readonly nextRecordId: bigint;
  readonly headerSize: number;
  readonly minorVersion: number;
  readonly majorVersion: number;
  readonly headerBlockSize: number;
  readonly chunkCount: number;
  readonly flags: number;
  readonly dirty: boolean;
  readonly full: boolean;
  readonly checksum: number;
  readonly checksumValid: boolean;
}

/** Parses the 4 KiB file header. Returns a reason instead when the bytes are not an EVTX header. */
export function parseFileHeader(buf: Buffer): EvtxFileHeader | string {
  if (buf.length < 128) return `file is ${buf.length} bytes, shorter than an EVTX header`;
  if (!buf.subarray(0, 8).equals(FILE_MAGIC)) return 'bad file signature (expected "ElfFile")';
  const flags = buf.readUInt32LE(120);
  const checksum = buf.readUInt32LE(124);
  return {
    firstChunkNumber: buf.readBigUInt64LE(8),
    lastChunkNumber: buf.readBigUInt64LE(16),
    nextRecordId: buf.readBigUInt64LE(24),
    headerSize: buf.readUInt32LE(32),
    minorVersion: buf.readUInt16LE(36),
    majorVersion: buf.readUInt16LE(38),
    headerBlockSize: buf.readUInt16LE(40),
    chunkCount: buf.readUInt16LE(42),
    flags,
    dirty: (flags & 1) !== 0,
    full: (flags & 2) !== 0,
    checksum,
    checksumValid: crc32(buf.subarray(0, 120)) === checksum,
  };
}
