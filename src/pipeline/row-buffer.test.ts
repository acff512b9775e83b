import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RowBuffer } from './row-buffer.js';

const joined = (rows: readonly string[]) => Buffer.from(rows.map((r) => `${r}\n`).join(''));

describe('RowBuffer', () => {
  it('gives the bytes of the rows joined by newlines, whatever their characters', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }))),
        (rows) => {
          const b = new RowBuffer(64);
          for (const r of rows) b.push(r);
          expect(Buffer.from(b.take())).toEqual(joined(rows));
        },
      ),
    );
  });

  it('writes lone surrogates as U+FFFD, as Buffer.from does', () => {
    const b = new RowBuffer(64);
    const rows = ['a\ud800', '\udc00b', '\ud83d\ude00'];
    for (const r of rows) b.push(r);
    expect(Buffer.from(b.take())).toEqual(joined(rows));
  });

  it('grows past its first size, and starts afresh after each take', () => {
    const b = new RowBuffer(64);
    const big = 'é'.repeat(100_000);
    b.push('x');
    b.push(big);
    const first = b.take();
    expect(first.byteLength).toBe(2 + 200_001);
    b.push('y');
    const second = b.take();
    expect(Buffer.from(second).toString()).toBe('y\n');
    // The first batch's bytes are untouched by the second: its buffer was handed over.
    expect(Buffer.from(first).toString()).toBe(`x\n${big}\n`);
    expect(second.buffer).not.toBe(first.buffer);
  });

  it('takes nothing as an empty, transferable view', () => {
    const empty = new RowBuffer().take();
    expect(empty.byteLength).toBe(0);
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(empty, [empty.buffer as ArrayBuffer]);
    port1.close();
    port2.close();
    expect(empty.buffer.byteLength).toBe(0);
  });

  it('writes again into buffers handed back, with no old rows left past the new ones', () => {
    const b = new RowBuffer(64);
    b.push('a'.repeat(500));
    const first = b.take();
    const reused = first.buffer as ArrayBuffer;
    b.recycle([reused, new ArrayBuffer(0), new ArrayBuffer(8)]); // detached and tiny ones are ignored
    b.push('bb');
    const second = b.take();
    expect(second.buffer).toBe(reused);
    expect(Buffer.from(second).toString()).toBe('bb\n');
    // The whole buffer travels to the other thread: past the rows it holds only zeros.
    expect(new Uint8Array(reused).subarray(second.byteLength).every((x) => x === 0)).toBe(true);
    // Nothing left to reuse: a new buffer.
    b.push('c');
    expect(b.take().buffer).not.toBe(reused);
  });
});
