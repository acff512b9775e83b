import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RowBinaryBytes } from './row-binary.js';
import { RowBinaryReader } from './testing.js';

/** LEB128 the plain way, with BigInt. */
function leb128(n: number): number[] {
  const out: number[] = [];
  let v = BigInt(n);
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return out;
}

const written = (write: (w: RowBinaryBytes) => void) => {
  const w = new RowBinaryBytes();
  write(w);
  return Buffer.from(w.bytes());
};

// Short strings are encoded in JavaScript, long ones natively: both must give Buffer.from's bytes.
const piece = fc.oneof(fc.string(), fc.constantFrom('é', '€', '😀', '\ud800', '\udc00', '\0', '\n'));
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.array(piece, { maxLength: 60 }).map((p) => p.join('')),
);

describe('RowBinaryWriter', () => {
  it('writes a string as its UTF-8 length and Buffer.from’s bytes, lone surrogates as U+FFFD', () => {
    fc.assert(
      fc.property(text, (s) => {
        const utf8 = Buffer.from(s);
        expect(written((w) => w.string(s))).toEqual(Buffer.concat([Buffer.from(leb128(utf8.length)), utf8]));
      }),
      { numRuns: 1000 },
    );
  });

  it('cuts a string at its limit in UTF-16 units, as slice would', () => {
    fc.assert(
      fc.property(text, fc.nat(80), (s, limit) => {
        const utf8 = Buffer.from(s.slice(0, limit));
        expect(written((w) => w.string(s, limit))).toEqual(
          Buffer.concat([Buffer.from(leb128(utf8.length)), utf8]),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('writes lengths past one and two bytes of LEB128', () => {
    for (const n of [0, 1, 127, 128, 255, 16_383, 16_384, 2 ** 21, 2 ** 35 + 3])
      expect([...written((w) => w.varUInt(n))]).toEqual(leb128(n));
    const long = 'x'.repeat(20_000);
    const r = new RowBinaryReader(written((w) => w.string(long)));
    expect(r.string()).toBe(long);
    expect(r.done).toBe(true);
  });

  it('writes integers little-endian, and negative 64-bit ones in two’s complement', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
        (a, b, c) => {
          const expected = Buffer.alloc(14);
          expected.writeUInt16LE(a, 0);
          expected.writeUInt32LE(b, 2);
          expected.writeBigInt64LE(BigInt(c), 6);
          expect(
            written((w) => {
              w.uint16(a);
              w.uint32(b);
              w.int64(c);
            }),
          ).toEqual(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('grows past its first buffer, keeping what it wrote', () => {
    const w = new RowBinaryBytes();
    const parts = Array.from({ length: 300 }, (_, i) => `${i}:${'é'.repeat(i)}`);
    for (const p of parts) w.string(p);
    const r = new RowBinaryReader(w.bytes());
    for (const p of parts) expect(r.string()).toBe(p);
    expect(r.done).toBe(true);
  });
});
