import { BinXmlFormatError } from '../errors.js';
import type { SystemTime, Value, XmlNode } from './model.js';
import { ARRAY_BIT, VT } from './tokens.js';

/** Decodes a nested BinXml fragment (value type 0x21) found inside a substitution. */
export type FragmentDecoder = (start: number, end: number) => XmlNode[];

const NULL_VALUE: Value = { type: VT.Null, payload: null };
const HEX_BYTE: string[] = Array.from({ length: 256 }, (_, b) =>
  b.toString(16).toUpperCase().padStart(2, '0'),
);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/** Fixed element sizes of array-capable types; 0 means variable-sized. */
const FIXED_SIZE: Record<number, number> = {
  [VT.Int8]: 1,
  [VT.UInt8]: 1,
  [VT.Int16]: 2,
  [VT.UInt16]: 2,
  [VT.Int32]: 4,
  [VT.UInt32]: 4,
  [VT.Int64]: 8,
  [VT.UInt64]: 8,
  [VT.Real32]: 4,
  [VT.Real64]: 8,
  [VT.Bool]: 4,
  [VT.Guid]: 16,
  [VT.FileTime]: 8,
  [VT.SysTime]: 16,
  [VT.HexInt32]: 4,
  [VT.HexInt64]: 8,
};

export function nullValue(): Value {
  return NULL_VALUE;
}

function fail(message: string, at: number): never {
  throw new BinXmlFormatError(message, at);
}

function need(buf: Buffer, pos: number, size: number, want: number, what: string): void {
  if (size < want) fail(`${what} value needs ${want} bytes, has ${size}`, pos);
  if (pos + want > buf.length) fail(`${what} value runs past the end of the chunk`, pos);
}

function int64(raw: bigint): number | bigint {
  return raw <= MAX_SAFE && raw >= MIN_SAFE ? Number(raw) : raw;
}

/** A 64-bit unsigned value as a number when exact (most are), else a bigint: no bigint per value. */
function uint64(buf: Buffer, pos: number): number | bigint {
  const high = buf.readUInt32LE(pos + 4);
  return high < 0x200000 ? high * 0x100000000 + buf.readUInt32LE(pos) : buf.readBigUInt64LE(pos);
}

/** UTF-16LE without the trailing NULs that writers often include. */
export function readUtf16(buf: Buffer, start: number, byteLength: number): string {
  let end = start + (byteLength & ~1);
  if (end > buf.length) fail('string runs past the end of the chunk', start);
  while (end - 2 >= start && buf[end - 1] === 0 && buf[end - 2] === 0) end -= 2;
  return buf.toString('utf16le', start, end);
}

function readAnsi(buf: Buffer, start: number, byteLength: number): string {
  let end = start + byteLength;
  if (end > buf.length) fail('string runs past the end of the chunk', start);
  while (end > start && buf[end - 1] === 0) end -= 1;
  return buf.toString('latin1', start, end);
}

export function hexBytes(buf: Uint8Array, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) out += HEX_BYTE[buf[i]!]!;
  return out;
}

/** Upper-case hex digits as ASCII codes. */
const HEX_DIGIT = Uint8Array.from('0123456789ABCDEF', (c) => c.charCodeAt(0));
/** Byte order of a GUID's text: Data1..Data3 are little-endian integers, Data4 a byte string; -1 a dash. */
const GUID_ORDER = [3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15];
/** The text of a GUID is written here and read out as one string: no pieces to join per GUID. */
const guidText = Buffer.alloc(36);

/** GUID in the registry form without braces, upper-case: 8-4-4-4-12. */
export function readGuid(buf: Buffer, pos: number): string {
  if (pos + 16 > buf.length) fail('GUID runs past the end of the chunk', pos);
  let at = 0;
  for (const i of GUID_ORDER) {
    if (i < 0) guidText[at++] = 0x2d;
    else {
      const b = buf[pos + i]!;
      guidText[at++] = HEX_DIGIT[b >>> 4]!;
      guidText[at++] = HEX_DIGIT[b & 15]!;
    }
  }
  return guidText.toString('latin1', 0, 36);
}

/** SID in S-R-A-S1-S2... form. The authority is 48-bit big-endian. */
export function readSid(buf: Buffer, pos: number, size: number): string {
  if (size < 8) fail(`SID needs at least 8 bytes, has ${size}`, pos);
  const revision = buf[pos]!;
  const count = buf[pos + 1]!;
  if (8 + count * 4 > size) fail(`SID declares ${count} sub-authorities but has ${size} bytes`, pos);
  const authority = buf.readUIntBE(pos + 2, 6);
  let out = `S-${revision}-${authority}`;
  for (let i = 0; i < count; i++) out += `-${buf.readUInt32LE(pos + 8 + i * 4)}`;
  return out;
}

function readSystemTime(buf: Buffer, pos: number): SystemTime {
  return {
    year: buf.readUInt16LE(pos),
    month: buf.readUInt16LE(pos + 2),
    // pos + 4 is the day of the week, implied by the date
    day: buf.readUInt16LE(pos + 6),
    hour: buf.readUInt16LE(pos + 8),
    minute: buf.readUInt16LE(pos + 10),
    second: buf.readUInt16LE(pos + 12),
    millisecond: buf.readUInt16LE(pos + 14),
  };
}

function decodeScalar(buf: Buffer, pos: number, size: number, type: number): Value {
  switch (type) {
    case VT.Null:
      return NULL_VALUE;
    case VT.String:
      return { type, payload: readUtf16(buf, pos, size) };
    case VT.AnsiString:
      return { type, payload: readAnsi(buf, pos, size) };
    case VT.Int8:
      need(buf, pos, size, 1, 'Int8');
      return { type, payload: buf.readInt8(pos) };
    case VT.UInt8:
      need(buf, pos, size, 1, 'UInt8');
      return { type, payload: buf[pos]! };
    case VT.Int16:
      need(buf, pos, size, 2, 'Int16');
      return { type, payload: buf.readInt16LE(pos) };
    case VT.UInt16:
      need(buf, pos, size, 2, 'UInt16');
      return { type, payload: buf.readUInt16LE(pos) };
    case VT.Int32:
      need(buf, pos, size, 4, 'Int32');
      return { type, payload: buf.readInt32LE(pos) };
    case VT.UInt32:
    case VT.HexInt32:
      need(buf, pos, size, 4, 'UInt32');
      return { type, payload: buf.readUInt32LE(pos) };
    case VT.Int64:
      need(buf, pos, size, 8, 'Int64');
      return { type, payload: int64(buf.readBigInt64LE(pos)) };
    case VT.UInt64:
    case VT.HexInt64:
      need(buf, pos, size, 8, 'UInt64');
      return { type, payload: uint64(buf, pos) };
    case VT.Real32:
      need(buf, pos, size, 4, 'Real32');
      return { type, payload: buf.readFloatLE(pos) };
    case VT.Real64:
      need(buf, pos, size, 8, 'Real64');
      return { type, payload: buf.readDoubleLE(pos) };
    case VT.Bool: {
      // Writers use 1, 2 or 4 bytes, and values other than 0 and 1 occur in the wild.
      if (size < 1) fail('Bool value is empty', pos);
      need(buf, pos, size, Math.min(size, 4), 'Bool');
      const raw = size >= 4 ? buf.readInt32LE(pos) : size >= 2 ? buf.readInt16LE(pos) : buf[pos]!;
      return { type, payload: raw !== 0 };
    }
    case VT.Binary:
    case VT.EvtHandle:
    case VT.EvtXml:
      need(buf, pos, size, size, 'Binary');
      return { type, payload: hexBytes(buf, pos, pos + size) };
    case VT.Guid:
      need(buf, pos, size, 16, 'GUID');
      return { type, payload: readGuid(buf, pos) };
    case VT.SizeT:
      if (size === 4) return { type, payload: buf.readUInt32LE(pos) };
      need(buf, pos, size, 8, 'SizeT');
      return { type, payload: uint64(buf, pos) };
    case VT.FileTime:
      need(buf, pos, size, 8, 'FILETIME');
      return { type, payload: buf.readBigUInt64LE(pos) };
    case VT.SysTime:
      need(buf, pos, size, 16, 'SYSTEMTIME');
      return { type, payload: readSystemTime(buf, pos) };
    case VT.Sid:
      need(buf, pos, size, size, 'SID');
      return { type, payload: readSid(buf, pos, size) };
    default:
      return fail(`unknown value type 0x${type.toString(16)}`, pos);
  }
}

function decodeArray(buf: Buffer, pos: number, size: number, type: number): Value {
  const base = type & ~ARRAY_BIT;
  const items: Value[] = [];
  if (pos + size > buf.length) fail('array value runs past the end of the chunk', pos);
  if (base === VT.String) {
    const text = buf.toString('utf16le', pos, pos + (size & ~1));
    const parts = text.split('\u0000');
    if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
    for (const p of parts) items.push({ type: base, payload: p });
  } else if (base === VT.AnsiString) {
    const parts = buf.toString('latin1', pos, pos + size).split('\u0000');
    if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
    for (const p of parts) items.push({ type: base, payload: p });
  } else if (base === VT.Sid) {
    let at = pos;
    while (at + 8 <= pos + size) {
      const len = 8 + buf[at + 1]! * 4;
      items.push(decodeScalar(buf, at, len, base));
      at += len;
    }
  } else {
    const width = base === VT.SizeT ? (size % 8 === 0 ? 8 : 4) : FIXED_SIZE[base];
    if (width === undefined) fail(`unsupported array type 0x${type.toString(16)}`, pos);
    if (size % width !== 0) fail(`array of ${size} bytes is not a multiple of ${width}`, pos);
    for (let at = pos; at < pos + size; at += width) items.push(decodeScalar(buf, at, width, base));
  }
  return { type, payload: items };
}

/** Decodes one substitution value of `size` bytes at `pos` in the chunk buffer. */
export function decodeValue(
  buf: Buffer,
  pos: number,
  size: number,
  type: number,
  decodeFragment: FragmentDecoder,
): Value {
  if (type === VT.BinXml) {
    if (pos + size > buf.length) fail('BinXml value runs past the end of the chunk', pos);
    return { type, payload: size === 0 ? [] : decodeFragment(pos, pos + size) };
  }
  if (type & ARRAY_BIT) return decodeArray(buf, pos, size, type);
  if (size === 0 && type !== VT.String && type !== VT.AnsiString && type !== VT.Binary) return NULL_VALUE;
  return decodeScalar(buf, pos, size, type);
}
