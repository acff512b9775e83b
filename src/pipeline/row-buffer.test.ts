import { describe, expect, it } from 'vitest';
import { RowBinaryReader } from '../store/testing.js';
import { RowBuffer } from './row-buffer.js';

/** Writes one row: a single string. */
function line(b: RowBuffer, row: string): void {
  b.string(row);
}

/** The rows in the bytes, which must hold whole rows and nothing else. */
function rows(bytes: Uint8Array): string[] {
  const r = new RowBinaryReader(bytes);
  const out: string[] = [];
  while (!r.done) out.push(r.string());
  return out;
}

describe('RowBuffer', () => {
  it('grows past its first size, and starts afresh after each take', () => {
    const b = new RowBuffer(64);
    const big = 'é'.repeat(100_000);
    line(b, 'x');
    line(b, big);
    const first = b.take();
    expect(first.byteLength).toBe(2 + 3 + 200_000);
    line(b, 'y');
    const second = b.take();
    expect(rows(second)).toEqual(['y']);
    // The first batch's bytes are untouched by the second: its buffer was handed over.
    expect(rows(first)).toEqual(['x', big]);
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
    line(b, 'a'.repeat(300));
    const first = b.take();
    const reused = first.buffer as ArrayBuffer;
    b.recycle([reused, new ArrayBuffer(0), new ArrayBuffer(8)]); // detached and tiny ones are ignored
    line(b, 'bb');
    const second = b.take();
    expect(second.buffer).toBe(reused);
    expect(rows(second)).toEqual(['bb']);
    // The whole buffer travels to the other thread: past the rows it holds only zeros.
    expect(new Uint8Array(reused).subarray(second.byteLength).every((x) => x === 0)).toBe(true);
    // Nothing left to reuse: a new buffer.
    line(b, 'c');
    expect(b.take().buffer).not.toBe(reused);
  });
});
