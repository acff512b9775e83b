import {
  closeSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * A write-ahead log of ingest batches: the single-node counterpart of a JetStream stream. An
 * append returns once the batch is on disk (fsync), so an acknowledged batch survives a crash;
 * the pipeline consumes the log behind it and records how far it got in a checkpoint.
 *
 * Record frame: magic (4) | payload length (4) | CRC-32 of payload (4) | payload. A torn or corrupt
 * tail (a crash mid-write) is cut off at the last whole record when the log opens.
 */
const MAGIC = 0x3157_4c56; // "VLW1"
const HEADER = 12;
const SEGMENT_SUFFIX = '.wal';

export interface WalPosition {
  readonly segment: number;
  readonly offset: number;
}

export interface WalEntry {
  readonly position: WalPosition;
  /** Position just past this entry: where the next read starts. */
  readonly next: WalPosition;
  readonly payload: Buffer;
}

export interface WalOptions {
  /** Segment size at which a new segment starts (bytes). */
  readonly segmentBytes?: number;
  /** Appends are refused (WalFullError) while this many bytes are appended but not consumed. */
  readonly maxLagBytes?: number;
  /** The largest record accepted (bytes). */
  readonly maxRecordBytes?: number;
  /** fsync each group of appends (default true). Off only for benchmarks of everything else. */
  readonly fsync?: boolean;
}

export class WalFullError extends Error {
  constructor(readonly lagBytes: number) {
    super(`the ingest log is full (${lagBytes} bytes not yet processed); retry later`);
    this.name = 'WalFullError';
  }
}

export function comparePositions(a: WalPosition, b: WalPosition): number {
  return a.segment !== b.segment ? a.segment - b.segment : a.offset - b.offset;
}

const segmentName = (n: number) => `${String(n).padStart(12, '0')}${SEGMENT_SUFFIX}`;

interface PendingAppend {
  readonly frame: Buffer;
  readonly resolve: (p: WalPosition) => void;
  readonly reject: (e: Error) => void;
}

export class Wal {
  private fd = -1;
  private segment = 1;
  private size = 0;
  private readonly segmentBytes: number;
  private readonly maxLagBytes: number;
  readonly maxRecordBytes: number;
  private readonly fsync: boolean;
  private queue: PendingAppend[] = [];
  private flushing = false;
  private consumed: WalPosition = { segment: 1, offset: 0 };
  /** Bytes of all segments before the current one, for lag accounting. */
  private readonly segmentSizes = new Map<number, number>();
  private listeners: (() => void)[] = [];
  private closed = false;

  private constructor(
    readonly dir: string,
    options: WalOptions,
  ) {
    this.segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    this.maxLagBytes = options.maxLagBytes ?? 512 * 1024 * 1024;
    this.maxRecordBytes = options.maxRecordBytes ?? 32 * 1024 * 1024;
    this.fsync = options.fsync ?? true;
  }

  /** Opens (or creates) the log in `dir`, repairing a torn tail. */
  static open(dir: string, options: WalOptions = {}): Wal {
    mkdirSync(dir, { recursive: true });
    const wal = new Wal(dir, options);
    const segments = wal.segments();
    for (const s of segments) wal.segmentSizes.set(s, statSync(join(dir, segmentName(s))).size);
    const last = segments.at(-1) ?? 1;
    wal.segment = last;
    const path = join(dir, segmentName(last));
    wal.fd = openSync(path, 'a+');
    wal.size = wal.validLength(last);
    const actual = statSync(path).size;
    if (actual > wal.size) {
      // A crash mid-append: the partial record was never acknowledged, so it can go.
      closeSync(wal.fd);
      const fd = openSync(path, 'r+');
      ftruncateSync(fd, wal.size);
      fsyncSync(fd);
      closeSync(fd);
      wal.fd = openSync(path, 'a+');
    }
    wal.segmentSizes.set(last, wal.size);
    if (segments.length > 0) wal.consumed = { segment: segments[0]!, offset: 0 };
    return wal;
  }

  /** Segment numbers on disk, ascending. */
  segments(): number[] {
    return readdirSync(this.dir)
      .filter((f) => /^\d{12}\.wal$/.test(f))
      .map((f) => Number(f.slice(0, 12)))
      .sort((a, b) => a - b);
  }

  /** Appends a record; resolves with its position once it is durable. Concurrent appends share one fsync. */
  append(payload: Buffer): Promise<WalPosition> {
    if (this.closed) return Promise.reject(new Error('the ingest log is closed'));
    if (payload.length > this.maxRecordBytes)
      return Promise.reject(new Error(`record of ${payload.length} bytes exceeds ${this.maxRecordBytes}`));
    const lag = this.lagBytes();
    if (lag > this.maxLagBytes) return Promise.reject(new WalFullError(lag));
    const frame = Buffer.allocUnsafe(HEADER + payload.length);
    frame.writeUInt32LE(MAGIC, 0);
    frame.writeUInt32LE(payload.length, 4);
    frame.writeUInt32LE(crc32(payload), 8);
    payload.copy(frame, HEADER);
    return new Promise((resolve, reject) => {
      this.queue.push({ frame, resolve, reject });
      if (!this.flushing) setImmediate(() => this.flush());
      this.flushing = true;
    });
  }

  /** Bytes appended but not yet consumed. */
  lagBytes(): number {
    let lag = 0;
    for (const [s, size] of this.segmentSizes) {
      if (s < this.consumed.segment) continue;
      lag += s === this.consumed.segment ? size - this.consumed.offset : size;
    }
    return lag + this.queue.reduce((n, p) => n + p.frame.length, 0);
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    const positions: WalPosition[] = [];
    try {
      for (const p of batch) {
        if (this.size > 0 && this.size + p.frame.length > this.segmentBytes) this.roll();
        positions.push({ segment: this.segment, offset: this.size });
        writeAll(this.fd, p.frame);
        this.size += p.frame.length;
        this.segmentSizes.set(this.segment, this.size);
      }
      if (this.fsync) fsyncSync(this.fd);
      batch.forEach((p, i) => p.resolve(positions[i]!));
    } catch (e) {
      for (const p of batch) p.reject(e as Error);
    }
    this.flushing = false;
    if (this.queue.length > 0) {
      this.flushing = true;
      setImmediate(() => this.flush());
    }
    for (const l of this.listeners.splice(0)) l();
  }

  private roll(): void {
    if (this.fsync) fsyncSync(this.fd);
    closeSync(this.fd);
    this.segment++;
    this.size = 0;
    this.fd = openSync(join(this.dir, segmentName(this.segment)), 'a+');
    this.segmentSizes.set(this.segment, 0);
    if (this.fsync) fsyncDir(this.dir);
  }

  /** The end of the log: where the next append goes. */
  end(): WalPosition {
    return { segment: this.segment, offset: this.size };
  }

  /** Resolves when something is appended (or at once if the log already extends past `from`). */
  waitFor(from: WalPosition): Promise<void> {
    if (comparePositions(this.end(), from) > 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.listeners.push(resolve));
  }

  /**
   * Reads whole records from `from`, up to about `maxBytes` (at least one record). Corrupt
   * records inside the log (not at its tail) are skipped by scanning for the next frame.
   */
  read(from: WalPosition, maxBytes: number): { entries: WalEntry[]; skipped: number } {
    const entries: WalEntry[] = [];
    let skipped = 0;
    let pos = from;
    let total = 0;
    while (total < maxBytes) {
      const size = this.segmentSizes.get(pos.segment);
      if (size === undefined) {
        const later = [...this.segmentSizes.keys()].filter((s) => s > pos.segment).sort((a, b) => a - b)[0];
        if (later === undefined) break;
        pos = { segment: later, offset: 0 };
        continue;
      }
      if (pos.offset >= size) {
        if (pos.segment >= this.segment) break;
        pos = { segment: pos.segment + 1, offset: 0 };
        continue;
      }
      const fd =
        pos.segment === this.segment ? this.fd : openSync(join(this.dir, segmentName(pos.segment)), 'r');
      try {
        const header = Buffer.alloc(HEADER);
        readExactly(fd, header, pos.offset);
        const length = header.readUInt32LE(4);
        const ok =
          header.readUInt32LE(0) === MAGIC &&
          length <= this.maxRecordBytes &&
          pos.offset + HEADER + length <= size;
        const payload = ok ? Buffer.alloc(length) : Buffer.alloc(0);
        if (ok) readExactly(fd, payload, pos.offset + HEADER);
        if (!ok || crc32(payload) !== header.readUInt32LE(8)) {
          skipped++;
          pos = { segment: pos.segment, offset: this.resync(fd, pos.offset + 1, size) };
          continue;
        }
        const next = { segment: pos.segment, offset: pos.offset + HEADER + length };
        entries.push({ position: pos, next, payload });
        total += HEADER + length;
        pos = next;
      } finally {
        if (fd !== this.fd) closeSync(fd);
      }
    }
    return { entries, skipped };
  }

  /** The next offset at or after `from` where a frame's magic appears, else the segment's end. */
  private resync(fd: number, from: number, size: number): number {
    const chunk = Buffer.alloc(64 * 1024);
    for (let at = from; at < size; at += chunk.length - 3) {
      const n = readSync(fd, chunk, 0, Math.min(chunk.length, size - at), at);
      for (let i = 0; i + 4 <= n; i++) if (chunk.readUInt32LE(i) === MAGIC) return at + i;
      if (n < chunk.length) break;
    }
    return size;
  }

  /**
   * Where a segment's good data ends: past its last whole record with a good checksum. A bad
   * record followed by good ones is damage inside the log (read() skips it); bad bytes with no
   * good record after them are a torn append, cut when the log opens.
   */
  private validLength(segment: number): number {
    const path = join(this.dir, segmentName(segment));
    const size = statSync(path).size;
    const fd = openSync(path, 'r');
    try {
      let offset = 0;
      let end = 0;
      while (offset + HEADER <= size) {
        const length = this.recordAt(fd, offset, size);
        if (length >= 0) {
          offset += HEADER + length;
          end = offset;
        } else offset = this.resync(fd, offset + 1, size);
      }
      return end;
    } finally {
      closeSync(fd);
    }
  }

  /** The payload length of a whole, checksummed record at `offset`, or -1. */
  private recordAt(fd: number, offset: number, size: number): number {
    if (offset + HEADER > size) return -1;
    const header = Buffer.alloc(HEADER);
    readExactly(fd, header, offset);
    const length = header.readUInt32LE(4);
    if (header.readUInt32LE(0) !== MAGIC || length > this.maxRecordBytes || offset + HEADER + length > size)
      return -1;
    const payload = Buffer.alloc(length);
    readExactly(fd, payload, offset + HEADER);
    return crc32(payload) === header.readUInt32LE(8) ? length : -1;
  }

  /**
   * Records that everything before `position` is processed: lag accounting moves on, and segments
   * wholly before it (except the newest `keepSegments`, which the idempotency window reads) are deleted.
   */
  consumedTo(position: WalPosition, keepSegments = 2): void {
    this.consumed = position;
    const old = this.segments().filter((s) => s < position.segment && s < this.segment);
    for (const s of old.slice(0, Math.max(0, old.length - keepSegments))) {
      rmSync(join(this.dir, segmentName(s)), { force: true });
      this.segmentSizes.delete(s);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.listeners.splice(0)) l();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

function writeAll(fd: number, buf: Buffer): void {
  let done = 0;
  while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done);
}

function readExactly(fd: number, buf: Buffer, position: number): void {
  let done = 0;
  while (done < buf.length) {
    const n = readSync(fd, buf, done, buf.length - done, position + done);
    if (n === 0) throw new Error(`unexpected end of the ingest log at ${position + done}`);
    done += n;
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A small durable JSON file: written to a temporary name, synced, then renamed over the old one. */
export async function writeDurableJson(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify(value));
  const fd = openSync(tmp, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export async function readJsonFile<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}
