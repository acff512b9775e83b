export interface Framed {
  readonly messages: string[];
  /** Frames that were refused (too long, or a lying octet count), with the reason. */
  readonly errors: string[];
}

/**
 * Splits a TCP syslog stream into messages (RFC 6587): octet-counted frames (`LEN SP MSG`) and
 * newline-terminated ones (LF, CRLF or NUL), told apart per frame. Memory is bounded: a frame
 * longer than `maxFrame` is reported and skipped, never buffered whole.
 */
export class SyslogFramer {
  private buf: Buffer = Buffer.alloc(0);
  private skipping = 0;
  private discardingLine = false;

  constructor(private readonly maxFrame = 64 * 1024) {}

  push(chunk: Buffer): Framed {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    return this.drain(false);
  }

  /** The end of the stream: a last message without a terminator still counts. */
  end(): Framed {
    return this.drain(true);
  }

  /** Frames are cut at byte positions of whole messages, so each decodes on its own. */
  private text(b: Buffer): string {
    return b.toString('utf8');
  }

  private drain(final: boolean): Framed {
    const out: Framed = { messages: [], errors: [] };
    let at = 0;
    const b = this.buf;
    while (at < b.length) {
      if (this.skipping > 0) {
        const n = Math.min(this.skipping, b.length - at);
        this.skipping -= n;
        at += n;
        continue;
      }
      if (this.discardingLine) {
        const end = indexOfTerminator(b, at);
        if (end < 0) {
          at = b.length;
          break;
        }
        this.discardingLine = false;
        at = end + 1;
        continue;
      }
      const c = b[at]!;
      if (c === 0x0a || c === 0x0d || c === 0x00 || c === 0x20) {
        at++;
        continue;
      }
      if (c >= 0x31 && c <= 0x39) {
        // Octet counting: digits, a space, then exactly that many bytes.
        let i = at;
        let len = 0;
        while (i < b.length && b[i]! >= 0x30 && b[i]! <= 0x39 && i - at < 10)
          len = len * 10 + (b[i++]! - 0x30);
        if (i < b.length && b[i] === 0x20) {
          if (len > this.maxFrame) {
            out.errors.push(`frame of ${len} bytes exceeds ${this.maxFrame}`);
            this.skipping = len;
            at = i + 1;
            continue;
          }
          if (i + 1 + len > b.length) break; // wait for the rest
          out.messages.push(this.text(b.subarray(i + 1, i + 1 + len)));
          at = i + 1 + len;
          continue;
        }
        if (i >= b.length && !final) break; // the count may continue in the next chunk
        // Not a count after all: a newline-terminated message that starts with a digit.
      }
      const end = indexOfTerminator(b, at);
      if (end < 0) {
        if (b.length - at > this.maxFrame) {
          out.errors.push(`message longer than ${this.maxFrame} bytes without a terminator`);
          this.discardingLine = true;
          at = b.length;
          break;
        }
        if (final) {
          out.messages.push(this.text(b.subarray(at)));
          at = b.length;
        }
        break;
      }
      if (end - at > this.maxFrame) out.errors.push(`message longer than ${this.maxFrame} bytes`);
      else out.messages.push(this.text(b.subarray(at, end)).replace(/\r$/, ''));
      at = end + 1;
    }
    this.buf = at >= b.length ? Buffer.alloc(0) : b.subarray(at);
    if (final) this.buf = Buffer.alloc(0);
    return out;
  }
}

function indexOfTerminator(b: Buffer, from: number): number {
  for (let i = from; i < b.length; i++) if (b[i] === 0x0a || b[i] === 0x00) return i;
  return -1;
}

/** One UDP datagram is one message; trailing newlines and NULs are not part of it. */
export function datagramMessage(d: Buffer): string {
  return d.toString('utf8').replace(/[\r\n\0]+$/, '');
}
