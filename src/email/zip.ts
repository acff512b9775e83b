import { inflateRawSync } from 'node:zlib';

/**
 * A bounded reader of zip archives: the central directory (names, sizes, flags) and, on request,
 * the content of one entry, inflated with a ceiling on its output. Enough to look for executables,
 * macros and nested archives inside attachments without trusting any size the archive declares.
 */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly encrypted: boolean;
  readonly localHeaderOffset: number;
}

export interface ZipListing {
  readonly entries: ZipEntry[];
  /** Entries the directory declares; more than `entries` when the entry limit was hit. */
  readonly declared: number;
  /** Why the listing stopped early or is doubtful; empty when it read cleanly. */
  readonly problems: string[];
}

export class ZipError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipError';
  }
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;

export function looksLikeZip(data: Buffer): boolean {
  return data.length >= 4 && data.readUInt32LE(0) === LOCAL;
}

function findEndRecord(data: Buffer): number {
  const stop = Math.max(0, data.length - 22 - MAX_COMMENT);
  for (let i = data.length - 22; i >= stop; i--) if (data.readUInt32LE(i) === EOCD) return i;
  return -1;
}

/** Lists at most `maxEntries` entries; throws ZipError when there is no readable directory. */
export function listZip(data: Buffer, maxEntries = 10_000): ZipListing {
  if (data.length < 22) throw new ZipError('too short to be a zip archive');
  const end = findEndRecord(data);
  if (end < 0) throw new ZipError('no end of central directory record (truncated or not a zip)');
  let declared = data.readUInt16LE(end + 10);
  let size = data.readUInt32LE(end + 12);
  let offset = data.readUInt32LE(end + 16);
  const problems: string[] = [];
  if (declared === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const locator = end - 20;
    if (locator < 0 || data.readUInt32LE(locator) !== ZIP64_LOCATOR)
      throw new ZipError('zip64 archive without a locator');
    const at = Number(data.readBigUInt64LE(locator + 8));
    if (at + 56 > data.length || data.readUInt32LE(at) !== ZIP64_EOCD)
      throw new ZipError('zip64 end record out of bounds');
    declared = Number(data.readBigUInt64LE(at + 32));
    size = Number(data.readBigUInt64LE(at + 40));
    offset = Number(data.readBigUInt64LE(at + 48));
  }
  // Data prepended to the archive (a self-extractor's stub) shifts every offset by the same
  // amount; the directory then lies just before the end record instead of where it says.
  let shift = 0;
  const claimed = offset + 4 <= data.length && data.readUInt32LE(offset) === CENTRAL;
  if (!claimed) {
    const actual = end - size;
    if (actual < 0 || actual + 4 > data.length || data.readUInt32LE(actual) !== CENTRAL || actual <= offset)
      throw new ZipError('central directory lies outside the data');
    shift = actual - offset;
    problems.push(`directory offsets are off by ${shift} bytes (data before the archive)`);
    offset = actual;
  }
  const entries: ZipEntry[] = [];
  let p = offset;
  const limit = Math.min(offset + size, data.length);
  while (p + 46 <= limit && entries.length < maxEntries) {
    if (data.readUInt32LE(p) !== CENTRAL) {
      problems.push(`bad central directory entry at byte ${p}`);
      break;
    }
    const flags = data.readUInt16LE(p + 8);
    const method = data.readUInt16LE(p + 10);
    let compressedSize = data.readUInt32LE(p + 20);
    let uncompressed = data.readUInt32LE(p + 24);
    const nameLength = data.readUInt16LE(p + 28);
    const extraLength = data.readUInt16LE(p + 30);
    const commentLength = data.readUInt16LE(p + 32);
    let localHeaderOffset = data.readUInt32LE(p + 42);
    const nameEnd = p + 46 + nameLength;
    if (nameEnd + extraLength + commentLength > limit) {
      problems.push(`central directory entry at byte ${p} runs past the directory`);
      break;
    }
    // Bit 11: the name is UTF-8; otherwise CP437, which agrees with latin1 on what matters here.
    const name = data.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, nameEnd);
    const z64 = zip64Sizes(data, nameEnd, extraLength, uncompressed, compressedSize, localHeaderOffset);
    uncompressed = z64.size;
    compressedSize = z64.compressed;
    localHeaderOffset = z64.offset + shift;
    entries.push({
      name,
      method,
      compressedSize,
      size: uncompressed,
      encrypted: (flags & 1) === 1,
      localHeaderOffset,
    });
    p = nameEnd + extraLength + commentLength;
  }
  if (entries.length < declared && entries.length < maxEntries && problems.length === 0)
    problems.push(`the directory declares ${declared} entries but holds ${entries.length}`);
  return { entries, declared: Math.max(declared, entries.length), problems };
}

function zip64Sizes(
  data: Buffer,
  at: number,
  length: number,
  size: number,
  compressed: number,
  offset: number,
): { size: number; compressed: number; offset: number } {
  const out = { size, compressed, offset };
  let p = at;
  while (p + 4 <= at + length) {
    const id = data.readUInt16LE(p);
    const len = data.readUInt16LE(p + 2);
    if (id === 0x0001) {
      let q = p + 4;
      const read = (): number => {
        if (q + 8 > p + 4 + len) return -1;
        const v = Number(data.readBigUInt64LE(q));
        q += 8;
        return v;
      };
      if (size === 0xffffffff) out.size = read();
      if (compressed === 0xffffffff) out.compressed = read();
      if (offset === 0xffffffff) out.offset = read();
      break;
    }
    p += 4 + len;
  }
  return out;
}

/**
 * The content of one entry, inflated to at most `maxBytes`. Throws ZipError for an entry that is
 * encrypted, uses an unsupported method, lies outside the data, or inflates past the ceiling.
 */
export function readZipEntry(data: Buffer, entry: ZipEntry, maxBytes: number): Buffer {
  if (entry.encrypted) throw new ZipError(`${entry.name} is encrypted`);
  const p = entry.localHeaderOffset;
  if (p < 0 || p + 30 > data.length || data.readUInt32LE(p) !== LOCAL)
    throw new ZipError(`${entry.name}: no local header at byte ${p}`);
  const start = p + 30 + data.readUInt16LE(p + 26) + data.readUInt16LE(p + 28);
  const end = start + entry.compressedSize;
  if (end > data.length) throw new ZipError(`${entry.name}: data runs past the archive`);
  const raw = data.subarray(start, end);
  if (entry.method === 0) {
    if (raw.length > maxBytes) throw new ZipError(`${entry.name}: larger than ${maxBytes} bytes`);
    return raw;
  }
  if (entry.method !== 8)
    throw new ZipError(`${entry.name}: compression method ${entry.method} is not supported`);
  try {
    return inflateRawSync(raw, { maxOutputLength: maxBytes });
  } catch (e) {
    const message = (e as Error).message;
    if (
      (e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ||
      /maxOutputLength|too large/i.test(message)
    )
      throw new ZipError(`${entry.name}: inflates past ${maxBytes} bytes`);
    throw new ZipError(`${entry.name}: ${message}`);
  }
}
