/**
 * Escape letters for the ASCII characters ClickHouse's TabSeparated text escapes with a backslash
 * (0: written as is). Inside an array or map value the quote is escaped too.
 */
const TSV_ESCAPES = new Uint8Array(128);
for (const [c, e] of [
  ['\\', '\\'],
  ['\t', 't'],
  ['\n', 'n'],
  ['\r', 'r'],
  ['\0', '0'],
] as const)
  TSV_ESCAPES[c.charCodeAt(0)] = e.charCodeAt(0);
const QUOTED_ESCAPES = TSV_ESCAPES.slice();
QUOTED_ESCAPES[0x27] = 0x27;
const TSV_SPECIAL = /[\\\t\n\r\0]/;
const QUOTED_SPECIAL = /[\\'\t\n\r\0]/;
/**
 * A string this long with nothing to escape goes to Buffer's native encoder (about 0.1 ns a
 * character, plus ~100 ns a call); anything shorter, or with escapes, is encoded here (about 3 ns a
 * character). Writing the runs between escapes natively was no faster on event text, where paths
 * bring a backslash every few dozen characters, and its regex matches allocated 2 KB per event.
 */
const SHORT = 24;

const QUOTE = 0x27;

/**
 * TabSeparated text written straight into bytes: escaped and encoded as UTF-8 in one pass, so a
 * row never exists as a string. Building rows as strings allocated about 7 KB per 330-byte event
 * (pieces, joins, escapes), over half of what the pipeline worker allocates. Subclasses decide
 * where the bytes live.
 */
export abstract class TsvWriter {
  protected buf: Buffer = Buffer.alloc(0);
  protected used = 0;

  /** Makes `buf` hold at least `need` bytes, keeping the `used` ones. */
  protected abstract grow(need: number): void;

  private room(bytes: number): Buffer {
    if (this.used + bytes > this.buf.length) this.grow(this.used + bytes);
    return this.buf;
  }

  byte(b: number): void {
    this.room(1)[this.used++] = b;
  }

  /** Text known to be ASCII with nothing to escape: numbers, times, literals. */
  ascii(s: string): void {
    const b = this.room(s.length);
    let u = this.used;
    for (let i = 0; i < s.length; i++) b[u++] = s.charCodeAt(i);
    this.used = u;
  }

  /** A non-negative integer, in decimal. */
  uint(n: number): void {
    if (n < 10) {
      this.byte(0x30 + n);
      return;
    }
    let digits = 0;
    for (let m = n; m >= 1; m = Math.floor(m / 10)) digits++;
    const b = this.room(digits);
    let u = this.used + digits;
    this.used = u;
    for (let m = n; m >= 1; m = Math.floor(m / 10)) b[--u] = 0x30 + (m % 10);
  }

  /** A top-level value: the first `limit` UTF-16 units of `s`, backslash-escaped. */
  text(s: string, limit = s.length): void {
    this.put(s, TSV_ESCAPES, TSV_SPECIAL, limit);
  }

  /** A string inside an array or map: quoted, with the quote escaped as well. */
  quoted(s: string, limit = s.length): void {
    this.byte(QUOTE);
    this.put(s, QUOTED_ESCAPES, QUOTED_SPECIAL, limit);
    this.byte(QUOTE);
  }

  /** The body of a quoted string, for callers that write one in pieces. */
  quotedPart(s: string, limit = s.length): void {
    this.put(s, QUOTED_ESCAPES, QUOTED_SPECIAL, limit);
  }

  /**
   * UTF-8 as Buffer.from would write it (a lone surrogate becomes U+FFFD), with the escapes. A
   * surrogate pair cut by `limit` loses its second half, as a sliced string would.
   */
  private put(s: string, escapes: Uint8Array, special: RegExp, limit: number): void {
    const text = s.length > limit ? s.slice(0, limit) : s;
    // At most 3 bytes per unit: an escape is 2, a pair of units 4.
    const b = this.room(text.length * 3);
    if (text.length >= SHORT && !special.test(text)) this.used += b.write(text, this.used);
    else this.used = encode(text, escapes, b, this.used);
  }
}

/** `s` as escaped UTF-8 into `b` at `u`, which has room; returns the end. */
function encode(s: string, escapes: Uint8Array, b: Uint8Array, u: number): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      const e = escapes[c]!;
      if (e === 0) b[u++] = c;
      else {
        b[u++] = 0x5c;
        b[u++] = e;
      }
    } else if (c < 0x800) {
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

/** A TsvWriter into memory of its own, for a few rows at a time. */
export class TsvBytes extends TsvWriter {
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
