import { crc32 } from 'node:zlib';

/**
 * Writes small EVTX files from scratch, for tests that must not depend on ../shared: one chunk
 * of records sharing one template, with the BinXml written token by token (MS-EVEN6 2.2.12).
 */

type Token = (w: ChunkWriter) => void;

class ChunkWriter {
  readonly buf = Buffer.alloc(65536);
  pos = 512;

  u8(v: number): void {
    this.buf.writeUInt8(v, this.pos++);
  }
  u16(v: number): void {
    this.buf.writeUInt16LE(v, this.pos);
    this.pos += 2;
  }
  u32(v: number): void {
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }
  u64(v: bigint): void {
    this.buf.writeBigUInt64LE(v, this.pos);
    this.pos += 8;
  }
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  utf16(s: string): void {
    this.bytes(Buffer.from(s, 'utf16le'));
  }
  /** A name written in place (its offset is where it starts). */
  name(s: string): void {
    this.u32(this.pos + 4);
    this.u32(0); // next name in the hash bucket
    this.u16(0); // hash, unused by readers
    this.u16(s.length);
    this.utf16(s);
    this.u16(0);
  }
}

export interface Attr {
  name: string;
  value: Token[];
}

/** `<name attrs>children</name>`, or `<name attrs/>` when `children` is null. */
export function el(name: string, attrs: Attr[], children: Token[] | null, dependency = 0xffff): Token {
  return (w) => {
    w.u8(attrs.length > 0 ? 0x41 : 0x01);
    w.u16(dependency);
    w.u32(0); // element length: readers follow the tokens
    w.name(name);
    if (attrs.length > 0) {
      w.u32(0); // attribute list length
      attrs.forEach((a, i) => {
        w.u8(i < attrs.length - 1 ? 0x46 : 0x06);
        w.name(a.name);
        for (const t of a.value) t(w);
      });
    }
    if (children === null) {
      w.u8(0x03);
      return;
    }
    w.u8(0x02);
    for (const c of children) c(w);
    w.u8(0x04);
  };
}

export const text =
  (s: string): Token =>
  (w) => {
    w.u8(0x05);
    w.u8(0x01);
    w.u16(s.length);
    w.utf16(s);
  };
export const sub =
  (index: number, optional = false): Token =>
  (w) => {
    w.u8(optional ? 0x0e : 0x0d);
    w.u16(index);
    w.u8(0);
  };
export const charRef =
  (code: number): Token =>
  (w) => {
    w.u8(0x08);
    w.u16(code);
  };
export const entityRef =
  (name: string): Token =>
  (w) => {
    w.u8(0x09);
    w.name(name);
  };
export const cdata =
  (s: string): Token =>
  (w) => {
    w.u8(0x07);
    w.u16(s.length);
    w.utf16(s);
  };
export const pi =
  (target: string, data: string): Token =>
  (w) => {
    w.u8(0x0a);
    w.name(target);
    w.u8(0x0b);
    w.u16(data.length);
    w.utf16(data);
  };

/** A substitution value: its BinXml type and raw bytes (or nested BinXml tokens). */
export type SubValue = { type: number; bytes: Uint8Array } | { type: 0x21; tokens: Token[] };

export const v = {
  null: (): SubValue => ({ type: 0x00, bytes: new Uint8Array(0) }),
  string: (s: string): SubValue => ({ type: 0x01, bytes: Buffer.from(s, 'utf16le') }),
  ansi: (s: string): SubValue => ({ type: 0x02, bytes: Buffer.from(s, 'latin1') }),
  int8: (n: number): SubValue => ({ type: 0x03, bytes: Buffer.from([n & 0xff]) }),
  uint16: (n: number): SubValue => num(0x06, 2, (b) => b.writeUInt16LE(n)),
  int32: (n: number): SubValue => num(0x07, 4, (b) => b.writeInt32LE(n)),
  uint32: (n: number): SubValue => num(0x08, 4, (b) => b.writeUInt32LE(n)),
  int64: (n: bigint): SubValue => num(0x09, 8, (b) => b.writeBigInt64LE(n)),
  uint64: (n: bigint): SubValue => num(0x0a, 8, (b) => b.writeBigUInt64LE(n)),
  real64: (n: number): SubValue => num(0x0c, 8, (b) => b.writeDoubleLE(n)),
  bool: (x: boolean): SubValue => num(0x0d, 4, (b) => b.writeUInt32LE(x ? 1 : 0)),
  binary: (bytes: number[]): SubValue => ({ type: 0x0e, bytes: Buffer.from(bytes) }),
  guid: (hex: string): SubValue => ({ type: 0x0f, bytes: Buffer.from(hex, 'hex') }),
  sizeT64: (n: bigint): SubValue => num(0x10, 8, (b) => b.writeBigUInt64LE(n)),
  fileTime: (ticks: bigint): SubValue => num(0x11, 8, (b) => b.writeBigUInt64LE(ticks)),
  sysTime: (parts: number[]): SubValue =>
    num(0x12, 16, (b) => parts.forEach((p, i) => b.writeUInt16LE(p, i * 2))),
  sid: (bytes: number[]): SubValue => ({ type: 0x13, bytes: Buffer.from(bytes) }),
  hex32: (n: number): SubValue => num(0x14, 4, (b) => b.writeUInt32LE(n)),
  hex64: (n: bigint): SubValue => num(0x15, 8, (b) => b.writeBigUInt64LE(n)),
  stringArray: (items: string[]): SubValue => ({
    type: 0x81,
    bytes: Buffer.from(items.map((s) => `${s}\u0000`).join(''), 'utf16le'),
  }),
  uint16Array: (items: number[]): SubValue =>
    num(0x86, items.length * 2, (b) => items.forEach((n, i) => b.writeUInt16LE(n, i * 2))),
  binxml: (tokens: Token[]): SubValue => ({ type: 0x21, tokens }),
};

function num(type: number, size: number, fill: (b: Buffer) => void): SubValue {
  const b = Buffer.alloc(size);
  fill(b);
  return { type, bytes: b };
}

function fragment(w: ChunkWriter, tokens: Token[]): void {
  w.bytes(Buffer.from([0x0f, 0x01, 0x01, 0x00]));
  for (const t of tokens) t(w);
  w.u8(0x00);
}

export interface RecordSpec {
  id: number;
  /** FILETIME ticks of the record header. */
  time?: bigint;
  values: SubValue[];
}

export interface FileSpec {
  template: Token[];
  records: RecordSpec[];
  /** Mangle the chunk after it is written (checksums are computed before unless `recomputeAfter`). */
  damage?: (chunk: Buffer, recordOffsets: number[]) => void;
}

/** A complete file: header and one chunk whose records share one template. */
export function buildEvtx(spec: FileSpec): Buffer {
  const w = new ChunkWriter();
  const recordOffsets: number[] = [];
  let templateOffset = -1;
  for (const r of spec.records) {
    const start = w.pos;
    recordOffsets.push(start);
    w.u32(0x00002a2a);
    w.u32(0); // size, patched below
    w.u64(BigInt(r.id));
    w.u64(r.time ?? 132000000000000000n);
    w.bytes(Buffer.from([0x0f, 0x01, 0x01, 0x00]));
    w.u8(0x0c);
    w.u8(0x01);
    w.u32(0x1234);
    if (templateOffset < 0) {
      templateOffset = w.pos + 4;
      w.u32(templateOffset);
      w.u32(0); // next template
      w.bytes(Buffer.alloc(16, 0xab)); // GUID
      const sizeAt = w.pos;
      w.u32(0);
      const bodyStart = w.pos;
      fragment(w, spec.template);
      w.buf.writeUInt32LE(w.pos - bodyStart, sizeAt);
    } else {
      w.u32(templateOffset);
    }
    // values: spec first (sizes known only after nested BinXml is written, so write them last)
    w.u32(r.values.length);
    const specAt = w.pos;
    w.pos += r.values.length * 4;
    r.values.forEach((value, i) => {
      const at = w.pos;
      if ('tokens' in value) fragment(w, value.tokens);
      else w.bytes(value.bytes);
      w.buf.writeUInt16LE(w.pos - at, specAt + i * 4);
      w.buf.writeUInt8(value.type, specAt + i * 4 + 2);
    });
    w.u8(0x00); // end of the record's fragment
    while ((w.pos - start + 4) % 8 !== 0) w.u8(0);
    const size = w.pos - start + 4;
    w.u32(size);
    w.buf.writeUInt32LE(size, start + 4);
  }
  const chunk = w.buf;
  chunk.write('ElfChnk\u0000', 0, 'latin1');
  const first = BigInt(spec.records[0]?.id ?? 1);
  const last = BigInt(spec.records.at(-1)?.id ?? 0);
  chunk.writeBigUInt64LE(first, 8);
  chunk.writeBigUInt64LE(last, 16);
  chunk.writeBigUInt64LE(first, 24);
  chunk.writeBigUInt64LE(last, 32);
  chunk.writeUInt32LE(128, 40);
  chunk.writeUInt32LE(recordOffsets.at(-1) ?? 512, 44);
  chunk.writeUInt32LE(w.pos, 48);
  chunk.writeUInt32LE(crc32(chunk.subarray(512, w.pos)), 52);
  chunk.writeUInt32LE(crc32(chunk.subarray(128, 512), crc32(chunk.subarray(0, 120))), 124);
  spec.damage?.(chunk, recordOffsets);
  const header = Buffer.alloc(4096);
  header.write('ElfFile\u0000', 0, 'latin1');
  header.writeBigUInt64LE(0n, 8);
  header.writeBigUInt64LE(0n, 16);
  header.writeBigUInt64LE(last + 1n, 24);
  header.writeUInt32LE(128, 32);
  header.writeUInt16LE(1, 36);
  header.writeUInt16LE(3, 38);
  header.writeUInt16LE(4096, 40);
  header.writeUInt16LE(1, 42);
  header.writeUInt32LE(crc32(header.subarray(0, 120)), 124);
  return Buffer.concat([header, chunk]);
}
