import { RowBinaryWriter } from '../store/row-binary.js';

/** Spare buffers kept, largest first: enough for every batch the pipeline has in flight at once. */
const MAX_SPARE_BYTES = 128 * 1024 * 1024;
const NO_ROWS = Buffer.alloc(0);

/**
 * A batch's rows, written straight into one buffer as they are made (see RowBinaryWriter), in memory that
 * goes round: the buffer moves to the thread that stores the rows, and comes back once they are.
 */
export class RowBuffer extends RowBinaryWriter {
  /** Whether `buf` was used before: its bytes past the rows are old rows, wiped on take. */
  private reused = false;
  /** Buffers handed back once their rows were stored (see recycle). */
  private spares: ArrayBuffer[] = [];
  /** The next buffer's size: the last batch's, with room to spare, so it rarely grows. */
  private hint: number;

  constructor(private readonly initialBytes = 1 << 16) {
    super();
    this.hint = Math.max(64, initialBytes);
  }

  /** Drops the rows written since the last take (a batch that failed half-way). */
  discard(): void {
    this.used = 0;
  }

  /**
   * The rows written since the last take. The view's ArrayBuffer holds nothing else and is never
   * written again here, so it can be transferred to another thread as it is.
   */
  take(): Uint8Array {
    const buf = this.buf;
    const used = this.used;
    this.buf = NO_ROWS;
    this.used = 0;
    if (buf.length === 0) return new Uint8Array(0);
    if (this.reused) buf.fill(0, used);
    this.hint = Math.max(this.initialBytes, used + (used >> 2));
    return new Uint8Array(buf.buffer, buf.byteOffset, used);
  }

  /**
   * Takes back buffers whose rows are stored. Memory the process has not touched yet costs a page
   * fault per 4 KiB on first write, several times the cost of encoding the rows into it (measured:
   * 19 µs against 2.4 µs for a 5 KB row), so buffers go round instead of being allocated anew.
   */
  recycle(buffers: readonly ArrayBuffer[]): void {
    for (const b of buffers) if (b.byteLength >= this.initialBytes) this.spares.push(b); // a detached one has length 0
    this.spares.sort((a, b) => b.byteLength - a.byteLength);
    let kept = 0;
    let bytes = 0;
    while (kept < this.spares.length && bytes + this.spares[kept]!.byteLength <= MAX_SPARE_BYTES)
      bytes += this.spares[kept++]!.byteLength;
    this.spares.length = kept;
  }

  protected grow(need: number): void {
    // An empty buffer is no batch's (every batch's buffer has room for at least 64 bytes).
    const first = this.buf.length === 0;
    let size = first ? this.hint : this.buf.length * 2;
    while (size < need) size *= 2;
    if (first) {
      // The smallest spare that fits.
      for (let i = this.spares.length - 1; i >= 0; i--)
        if (this.spares[i]!.byteLength >= size) {
          const [spare] = this.spares.splice(i, 1);
          this.reused = true;
          this.buf = Buffer.from(spare!);
          return;
        }
    }
    // Zero-filled: the spare bytes after the rows travel with them to the other thread.
    const next = Buffer.alloc(size);
    this.reused = false;
    next.set(this.buf.subarray(0, this.used));
    this.buf = next;
  }
}
