/**
 * Text this long or longer goes to Buffer's native UTF-8 encoder, after Buffer.byteLength has
 * sized it; shorter text is encoded here, where a call into C++ would cost more than the copy. At
 * 3 bytes a unit at most, anything shorter fits a one-byte length.
 */
const NATIVE_FROM = 40;
const TWO_32 = 2 ** 32;

/**
 * ClickHouse's RowBinary format written straight into bytes: strings as a LEB128 length and their
 * UTF-8, numbers little-endian. Nothing is escaped, so long text (an original record, a command
 * line) is copied by the native encoder in one call; the TabSeparated writer this replaced ran
 * every character of every value through a JavaScript loop to escape it, which was most of the
 * row-writing time on real Windows events (a backslash every few dozen characters). Subclasses
 * decide where the bytes live.
 */
export abstract class RowBinaryWriter {
  protected buf: Buffer = Buffer.alloc(0);
  protected used = 0;

  /** Makes `buf` hold at least `need` bytes, keeping the `used` ones. */
  protected abstract grow(need: number): void;

  private room(bytes: number): Buffer {
    if (this.used + bytes > this.buf.length) this.grow(this.used + bytes);
    return this.buf;
  }

  /** A length or a count: LEB128, 7 bits a byte, lowest first. */
  varUInt(n: number): void {
    const b = this.room(8);
    let u = this.used;
    while (n >= 0x80) {
      b[u++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    b[u++] = n;
    this.used = u;
  }

  uint8(n: number): void {
    this.room(1)[this.used++] = n;
  }

  uint16(n: number): void {
    const b = this.room(2);
    b[this.used++] = n & 0xff;
    b[this.used++] = n >>> 8;
  }

  uint32(n: number): void {
    const b = this.room(4);
    let u = this.used;
    b[u++] = n & 0xff;
    b[u++] = (n >>> 8) & 0xff;
    b[u++] = (n >>> 16) & 0xff;
    b[u++] = n >>> 24;
    this.used = u;
  }

  /** A safe integer (DateTime64(3) ticks, UInt64 ids), two's complement when negative. */
  int64(n: number): void {
    const high = Math.floor(n / TWO_32);
    this.uint32(n - high * TWO_32);
    this.uint32(high >>> 0);
  }

  /**
   * The first `limit` UTF-16 units of `s`, as Buffer.from would encode them (a lone surrogate
   * becomes U+FFFD). A surrogate pair cut by `limit` loses its second half, as a sliced string would.
   */
  string(s: string, limit = s.length): void {
    const text = s.length > limit ? s.slice(0, limit) : s;
    if (text.length >= NATIVE_FROM) {
      const bytes = Buffer.byteLength(text);
      this.varUInt(bytes);
      const written = this.room(bytes).write(text, this.used);
      // Both sides use V8's UTF-8 rules; a mismatch would shift every later value of the block.
      if (written !== bytes) throw new Error(`UTF-8 length ${written} is not the ${bytes} announced`);
      this.used += written;
      return;
    }
    const b = this.room(1 + text.length * 3);
    const at = this.used;
    const end = encodeUtf8(text, b, at + 1);
    b[at] = end - at - 1;
    this.used = end;
  }
}

/** `s` as UTF-8 into `b` at `u`, which has room; returns the end. */
function encodeUtf8(s: string, b: Uint8Array, u: number): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) b[u++] = c;
    else if (c < 0x800) {
      b[u++] = 0xc0 | (c >> 6);
      b[u++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      b[u++] = 0xe0 | (c >> 12);
      b[u++] = 0x80 | ((c >> 6) & 0x3f);
      b[u++] = 0x80 | (c & 0x3f);
    } else {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        b[u++] = 0xf0 | (cp >> 18);
        b[u++] = 0x80 | ((cp >> 12) & 0x3f);
        b[u++] = 0x80 | ((cp >> 6) & 0x3f);
        b[u++] = 0x80 | (cp & 0x3f);
        i++;
      } else {
        b[u++] = 0xef;
        b[u++] = 0xbf;
        b[u++] = 0xbd;
      }
    }
  }
  return u;
}

/** A RowBinaryWriter into memory of its own, for a few rows at a time. */
export class RowBinaryBytes extends RowBinaryWriter {
  protected grow(need: number): void {
    const next = Buffer.alloc(Math.max(need, this.buf.length * 2, 256));
    this.buf.copy(next, 0, 0, this.used);
    this.buf = next;
  }

  /** The bytes written since the last clear (a view, valid until the next write). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.used);
  }

  clear(): void {
    this.used = 0;
  }
}
