import type { Writable } from 'node:stream';

/**
 * Buffered writes to stdout (or any stream) that respect backpressure. A closed pipe
 * (`vigil ... | head`) ends output quietly instead of crashing.
 */
export class OutputSink {
  private pending: string[] = [];
  private size = 0;
  closed = false;
  /** A write failure other than a closed pipe (disk full, ...): output stops and this is kept. */
  failure: Error | null = null;

  constructor(
    private readonly stream: Writable,
    private readonly flushAt = 1 << 16,
  ) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      this.closed = true;
      if (e.code !== 'EPIPE') this.failure = e;
    });
  }

  async write(text: string): Promise<void> {
    if (this.closed) return;
    this.pending.push(text);
    this.size += text.length;
    if (this.size >= this.flushAt) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0 || this.closed) return;
    const text = this.pending.join('');
    this.pending = [];
    this.size = 0;
    if (!this.stream.write(text)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.stream.off('drain', done);
          this.stream.off('close', done);
          this.stream.off('error', done);
          resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('close', done);
        this.stream.on('error', done);
      });
    }
  }
}
