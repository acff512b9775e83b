import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Wal, WalFullError } from './wal.js';

const dirs: string[] = [];
const freshDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'vigil-wal-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const texts = (wal: Wal, from = { segment: 1, offset: 0 }) =>
  wal.read(from, Infinity).entries.map((e) => e.payload.toString());

describe('write-ahead log', () => {
  it('reads back what was appended, in order, across reopening', async () => {
    const dir = freshDir();
    const wal = Wal.open(dir);
    const positions = await Promise.all(['a', 'bb', 'ccc'].map((t) => wal.append(Buffer.from(t))));
    expect(positions.map((p) => p.offset)).toEqual([0, 13, 27]);
    wal.close();
    const again = Wal.open(dir);
    expect(texts(again)).toEqual(['a', 'bb', 'ccc']);
    await again.append(Buffer.from('d'));
    expect(texts(again)).toEqual(['a', 'bb', 'ccc', 'd']);
    again.close();
  });

  it('cuts a torn tail (a crash mid-append) and keeps every whole record', async () => {
    const dir = freshDir();
    const wal = Wal.open(dir);
    await wal.append(Buffer.from('kept-1'));
    await wal.append(Buffer.from('kept-2'));
    wal.close();
    const file = join(dir, '000000000001.wal');
    appendFileSync(file, readFileSync(file).subarray(0, 15)); // half of a record
    const again = Wal.open(dir);
    expect(texts(again)).toEqual(['kept-1', 'kept-2']);
    await again.append(Buffer.from('after'));
    expect(texts(again)).toEqual(['kept-1', 'kept-2', 'after']);
    again.close();
  });

  it('skips a damaged record inside the log and keeps its neighbours', async () => {
    const dir = freshDir();
    const wal = Wal.open(dir);
    for (const t of ['one', 'two', 'three']) await wal.append(Buffer.from(t));
    wal.close();
    const file = join(dir, '000000000001.wal');
    const bytes = readFileSync(file);
    bytes[28] = bytes[28]! ^ 0xff; // a payload byte of "two"
    writeFileSync(file, bytes);
    const again = Wal.open(dir);
    const read = again.read({ segment: 1, offset: 0 }, Infinity);
    expect(read.entries.map((e) => e.payload.toString())).toEqual(['one', 'three']);
    expect(read.skipped).toBe(1);
    await again.append(Buffer.from('four'));
    expect(texts(again)).toEqual(['one', 'three', 'four']);
    again.close();
  });

  it('rolls segments, and deletes consumed ones beyond the idempotency window', async () => {
    const dir = freshDir();
    const wal = Wal.open(dir, { segmentBytes: 64 });
    for (let i = 0; i < 10; i++) await wal.append(Buffer.alloc(40, 65 + i));
    expect(wal.segments().length).toBe(10);
    const all = wal.read({ segment: 1, offset: 0 }, Infinity);
    expect(all.entries.length).toBe(10);
    wal.consumedTo(all.entries[8]!.next, 2);
    expect(wal.segments()).toEqual([7, 8, 9, 10]);
    expect(texts(wal, all.entries[8]!.position)).toEqual([
      Buffer.alloc(40, 73).toString(),
      Buffer.alloc(40, 74).toString(),
    ]);
    wal.close();
  });

  it('refuses appends while too much is unprocessed, and accepts again once consumed', async () => {
    const wal = Wal.open(freshDir(), { maxLagBytes: 100 });
    await wal.append(Buffer.alloc(60));
    await wal.append(Buffer.alloc(60));
    await expect(wal.append(Buffer.alloc(10))).rejects.toBeInstanceOf(WalFullError);
    wal.consumedTo(wal.end());
    await expect(wal.append(Buffer.alloc(10))).resolves.toBeDefined();
    wal.close();
  });

  it('refuses a record larger than the limit with a reason', async () => {
    const wal = Wal.open(freshDir(), { maxRecordBytes: 10 });
    await expect(wal.append(Buffer.alloc(11))).rejects.toThrow(/exceeds 10/);
    wal.close();
  });

  it('wakes a waiting reader when a record arrives', async () => {
    const wal = Wal.open(freshDir());
    const end = wal.end();
    const woke = wal.waitFor(end).then(() => 'woke');
    await wal.append(Buffer.from('x'));
    await expect(woke).resolves.toBe('woke');
    wal.close();
  });
});
