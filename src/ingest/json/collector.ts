/** The bytes of the value being read, kept across chunks up to a limit, then dropped. */
export class ValueBytes {
  private parts: Buffer[] = [];
  private size = 0;
  /** Where the value's bytes begin in the current chunk; -1 when they are not kept. */
  from = -1;

  constructor(readonly max: number) {}

  /** At the end of a chunk, keeps the value's part of it. False once the value is over the limit. */
  keepRest(chunk: Buffer): boolean {
    if (this.from < 0) return true;
    const part = chunk.subarray(this.from);
    this.parts.push(part);
    this.size += part.length;
    this.from = 0; // the value goes on at the start of the next chunk
    return this.size <= this.max;
  }

  /** The value's bytes, ending before `stop` in `chunk`; undefined when they are over the limit. */
  take(chunk: Buffer, stop: number): Buffer | undefined {
    const tail = chunk.subarray(this.from, stop);
    const parts = this.parts;
    const size = this.size + tail.length;
    this.drop();
    if (size > this.max) return undefined;
    return parts.length === 0 ? tail : Buffer.concat([...parts, tail], size);
  }

  drop(): void {
    this.parts = [];
    this.size = 0;
    this.from = -1;
  }
}
